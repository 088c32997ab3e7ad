/**
 * Closing a column service while its first refresh runs: the refresh stops at its next node (it
 * does not bind the rest of the project), publishes no partial version, the binder is closed, and
 * later submissions are answered with the last complete model. The binder is DuckDB's, gated at
 * one `bind` call so the test knows the refresh is mid-way (a condition, not a sleep).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateProject } from '../bench/generate-project';
import { ColumnService } from '../server/src/columns/service';
import { analyzeProject } from '../server/src/core/analysis';
import { fixedClock } from '../server/src/core/clock';
import { createCompiler } from '../server/src/core/session';
import type { ColumnBinder } from '../server/src/engines/binder';
import { DuckDbBinder } from '../server/src/engines/duckdb/binder';
import { NodeFileHost } from '../server/src/node/fs-host';
import { delegate } from './support/delegate';

describe('column service close while a refresh runs', () => {
  it('waits before its next node while the caller has more urgent work (an edit to publish), then completes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'medallion-columns-yield-'));
    try {
      generateProject(root, 60, 'yield_project', { typedColumns: true });
      const host = new NodeFileHost();
      const analysis = analyzeProject(host, root);
      const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root], clock: fixedClock(new Date('2024-01-01T00:00:00Z')) });
      const real = await DuckDbBinder.open(compiler.options.target, root);
      const URGENT_AT = 5;
      let binds = 0;
      let urgent: Promise<void> | undefined;
      let done!: () => void;
      let waited!: () => void;
      const waiting = new Promise<void>((r) => (waited = r));
      const binder: ColumnBinder = delegate<ColumnBinder>(real, {
        bind: async (sql: string) => {
          if (++binds === URGENT_AT) urgent = new Promise<void>((r) => (done = r));
          return real.bind(sql);
        },
      });
      const service = new ColumnService({ projectRoot: root, env: {}, binder }, { type: 'duckdb', name: compiler.options.target.name });
      service.yieldTo = () => {
        if (urgent) waited();
        return urgent;
      };
      const refresh = service.submit({ analysis, compiler, version: 1 });
      await waiting;
      const asked = binds;
      // Round trips through DuckDB's threads: time enough for a refresh that did not wait to bind more.
      for (let i = 0; i < 10; i++) await real.bind(`select ${i} as x`);
      assert.equal(binds, asked, 'no node bound while the urgent work is pending');
      urgent = undefined;
      done();
      const model = await refresh;
      assert.ok(binds > URGENT_AT, 'the refresh went on once it was done');
      assert.equal(model.version, 1);
      assert.ok(model.stats().nodes > 60, 'every node computed');
      await service.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('stops at the next node, publishes nothing partial, closes the binder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'medallion-columns-cancel-'));
    try {
      generateProject(root, 60, 'cancel_project', { typedColumns: true });
      const host = new NodeFileHost();
      const analysis = analyzeProject(host, root);
      const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root], clock: fixedClock(new Date('2024-01-01T00:00:00Z')) });
      const real = await DuckDbBinder.open(compiler.options.target, root);
      let binds = 0;
      let closed = false;
      let reachedGate!: () => void;
      const atGate = new Promise<void>((r) => (reachedGate = r));
      let openGate!: () => void;
      const gate = new Promise<void>((r) => (openGate = r));
      const GATE_AT = 5;
      const binder: ColumnBinder = delegate<ColumnBinder>(real, {
        bind: async (sql: string) => {
          if (++binds === GATE_AT) {
            reachedGate();
            await gate;
          }
          return real.bind(sql);
        },
        close: async () => {
          closed = true;
          await real.close();
        },
      });
      const service = new ColumnService({ projectRoot: root, env: {}, binder }, { type: 'duckdb', name: compiler.options.target.name });
      const versions: number[] = [];
      service.onVersion = (model) => versions.push(model.version);
      const refresh = service.submit({ analysis, compiler, version: 1 });
      await atGate;
      const closing = service.close();
      openGate();
      await closing;
      const model = await refresh;
      assert.equal(binds, GATE_AT, 'no node bound after the one in flight when close() was called');
      assert.equal(model.version, 0, 'the cut-short refresh is not a version');
      assert.deepEqual(versions, [], 'nothing published');
      assert.equal(closed, true, 'binder closed');
      assert.equal((await service.submit({ analysis, compiler, version: 2 })).version, 0, 'a submission after close starts nothing');
      assert.equal((await service.idle()).version, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
