/**
 * Cancelling a run on the real DuckDB engine (fault injection: the cancel arrives while nodes run
 * and others wait): nothing starts afterwards, every node is reported exactly once with n ≤ N, no
 * session opens and no schema is created after the cancel, running nodes never share a thread
 * name, and a listener that throws cannot hang or break a run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { createCompiler } from '../server/src/core/session';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import type { Engine } from '../server/src/engines/engine';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runProject } from '../server/src/runner/project-run';
import { runNodes, type RunRequest } from '../server/src/runner/runner';
import type { RunEvent, RunSummary } from '../server/src/runner/types';
import { tempProject } from './support/temp-project';
import { delegate } from './support/delegate';

const slow = 'select count(*) as n from range(3000000000) a';

/** A fan of models: `layers` levels of `width` models each, every model reading the previous level. */
function fan(width: number, layers: number, first = slow): Record<string, string> {
  const files: Record<string, string> = { 'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nmodels:\n  p:\n    +materialized: table\n    +schema: s\n' };
  for (let i = 0; i < width; i++) files[`models/l0_${i}.sql`] = i === 0 ? first : `select ${i} as id`;
  for (let l = 1; l < layers; l++) for (let i = 0; i < width; i++) files[`models/l${l}_${i}.sql`] = `select * from {{ ref('l${l - 1}_${i}') }}`;
  return files;
}

interface Observed {
  summary: RunSummary;
  events: RunEvent[];
  eventsAfterCancel: RunEvent[];
  sessionsAfterCancel: number;
  schemaCallsAfterCancel: number;
}

/** Runs `command` with a cancel fired by `cancelOn`, counting what the engine is asked after it. */
async function runWithCancel(root: string, threads: number, cancelOn: (e: RunEvent) => boolean, extra: Partial<RunRequest> = {}): Promise<Observed> {
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, root);
  const known = new Map<string, boolean>();
  const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [root], relationExists: (n) => known.get(n.uniqueId) ?? false });
  const real = await DuckDbEngine.open(resolved.target, { projectRoot: root });
  const controller = new AbortController();
  let sessionsAfterCancel = 0;
  let schemaCallsAfterCancel = 0;
  let opened = 0;
  const engine: Engine = delegate<Engine>(real, {
    acquire: async (signal?: AbortSignal) => {
      const late = controller.signal.aborted;
      const session = await real.acquire(signal);
      if (late) sessionsAfterCancel++;
      opened++;
      return session;
    },
    ensureSchema: ((session: never, database: string | undefined, schema: string, signal?: AbortSignal) => {
      const late = controller.signal.aborted;
      const p = real.ensureSchema(session, database, schema, signal);
      if (late) p.then(() => schemaCallsAfterCancel++, () => undefined);
      return p;
    }) as Engine['ensureSchema'],
  });
  const events: RunEvent[] = [];
  const eventsAfterCancel: RunEvent[] = [];
  try {
    const summary = await runNodes(analysis, engine, compiler, known, 'dev', {
      command: 'run',
      threads,
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (controller.signal.aborted) eventsAfterCancel.push(e);
        if (!controller.signal.aborted && cancelOn(e)) setImmediate(() => controller.abort());
      },
      ...extra,
    });
    assert.ok(opened > 0);
    return { summary, events, eventsAfterCancel, sessionsAfterCancel, schemaCallsAfterCancel };
  } finally {
    await real.close();
  }
}

function assertReportedOnce(o: Observed, total: number): void {
  const finishes = o.events.filter((e): e is Extract<RunEvent, { kind: 'finish' }> => e.kind === 'finish');
  const ids = finishes.map((e) => e.result.uniqueId);
  assert.equal(new Set(ids).size, ids.length, `a node was reported twice: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
  assert.equal(ids.length, total, 'every node is reported');
  for (const e of o.events) if (e.kind !== 'phase') assert.ok(e.index >= 1 && e.index <= e.total && e.total === total, `n of N out of range: ${e.index} of ${e.total}`);
  const indices = o.events.filter((e) => e.kind === 'start' || (e.kind === 'finish' && e.result.thread === '')).map((e) => (e as { index: number }).index);
  assert.equal(new Set(indices).size, indices.length, 'each n is used once');
  // The summary says what the events said: no status flips after a node was reported.
  const final = new Map(o.summary.results.map((r) => [r.uniqueId, r.status]));
  for (const e of finishes) assert.equal(final.get(e.result.uniqueId), e.result.status, `${e.result.name} was reported ${e.result.status}, summarised ${final.get(e.result.uniqueId)}`);
}

describe('cancel', () => {
  it('nothing starts after a cancel; each node is reported exactly once; n never exceeds N; no session opens after it', { timeout: 60_000 }, async () => {
    const root = tempProject(fan(6, 4));
    const o = await runWithCancel(root, 4, (e) => e.kind === 'start' && e.node.name === 'l0_0');
    assert.equal(o.summary.cancelled, true);
    assert.deepEqual(o.eventsAfterCancel.filter((e) => e.kind === 'start').map((e) => (e as { node: { name: string } }).node.name), []);
    assertReportedOnce(o, 24);
    assert.equal(o.sessionsAfterCancel, 0, 'no session opens after the cancel');
    assert.equal(o.summary.results.find((r) => r.name === 'l0_0')!.status, 'cancelled');
    assert.equal(o.summary.results.find((r) => r.name === 'l3_5')!.status, 'cancelled');
  });

  it('a cancel during schema creation: the schema statement is interrupted or refused, never run afterwards', { timeout: 60_000 }, async () => {
    const root = tempProject(fan(4, 1, 'select 1 as id'));
    const o = await runWithCancel(root, 2, (e) => e.kind === 'start');
    assert.equal(o.summary.cancelled, true);
    assert.equal(o.schemaCallsAfterCancel, 0, 'no schema is created after the cancel');
    assertReportedOnce(o, 4);
  });

  it('cancelled before it starts (landing sources included): every node is reported cancelled once, nothing is loaded', async () => {
    const root = tempProject({
      'models/sources.yml': 'version: 2\nsources:\n  - name: landing\n    tables:\n      - name: orders\n        meta: {landing: {location: landing/orders/}}\n',
      'landing/orders/orders_1.csv': 'id\n1\n',
      'models/bronze.sql': "select * from {{ source('landing', 'orders') }}",
      'models/silver.sql': "select * from {{ ref('bronze') }}",
    });
    const host = new NodeFileHost();
    const s = await runProject(host, analyzeProject(host, root), { command: 'run', threads: 0, env: {}, profilesDirs: [root], signal: AbortSignal.abort() });
    assert.equal(s.fatal, undefined);
    assert.equal(s.cancelled, true);
    assert.deepEqual(s.landing, []);
    assert.deepEqual(s.results.map((r) => [r.name, r.status]), [['bronze', 'cancelled'], ['silver', 'cancelled']]);
  });

  it('an engine refuses a session and a schema once the signal is aborted', async () => {
    const root = tempProject({});
    const host = new NodeFileHost();
    const { resolved } = createCompiler(host, analyzeProject(host, root), { env: {}, profilesDirs: [root] });
    const engine = await DuckDbEngine.open(resolved.target, { projectRoot: root });
    try {
      const session = await engine.acquire();
      const aborted = AbortSignal.abort();
      await assert.rejects(engine.acquire(aborted), /Cancelled/);
      await assert.rejects(engine.ensureSchema(session, undefined, 'never_made', aborted), /Cancelled/);
      assert.deepEqual((await session.execute("select schema_name from information_schema.schemata where schema_name = 'never_made'")).rows, []);
    } finally {
      await engine.close();
    }
  });

  it('running nodes never share a thread name (run_results thread_id)', { timeout: 60_000 }, async () => {
    const files = fan(8, 3, 'select count(*) as n from range(20000000) a');
    for (let i = 1; i < 8; i++) files[`models/l0_${i}.sql`] = `select count(*) as n from range(${(i % 3) * 5000000 + 1000}) a`;
    const o = await runWithCancel(tempProject(files), 3, () => false);
    const running = new Map<string, string>();
    for (const e of o.events) {
      if (e.kind === 'start') {
        assert.ok(![...running.values()].includes(e.thread), `${e.node.name} started on ${e.thread} while ${[...running].find(([, t]) => t === e.thread)?.[0]} ran there`);
        assert.match(e.thread, /^Thread-[123]$/);
        running.set(e.node.name, e.thread);
      } else if (e.kind === 'finish') running.delete(e.result.name);
    }
    assert.deepEqual([...new Set(o.summary.results.map((r) => r.status))], ['success']);
  });

  it('a listener that throws on every event neither hangs nor breaks the run', { timeout: 60_000 }, async () => {
    const root = tempProject(fan(3, 3, 'select 1 as id'));
    const host = new NodeFileHost();
    const analysis = analyzeProject(host, root);
    const known = new Map<string, boolean>();
    const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [root], relationExists: (n) => known.get(n.uniqueId) ?? false });
    const engine = await DuckDbEngine.open(resolved.target, { projectRoot: root });
    let calls = 0;
    try {
      const summary = await runNodes(analysis, engine, compiler, known, 'dev', {
        command: 'run',
        threads: 2,
        onEvent: () => {
          calls++;
          throw new Error('listener bug');
        },
      });
      assert.equal(summary.fatal, undefined);
      assert.equal(summary.results.length, 9);
      assert.deepEqual([...new Set(summary.results.map((r) => r.status))], ['success']);
      assert.equal(calls, 18);
    } finally {
      await engine.close();
    }
  });
});
