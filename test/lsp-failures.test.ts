/**
 * Failures the editor meets, explained over the protocol as the CLI explains them: a DuckDB file
 * held by another process (a `medallion build` in a terminal, a DuckDB shell) names that process
 * and what to do, for a preview and for a run; the server keeps working once the file is free.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunResultMessage, ShowResult } from '../server/src/lsp/protocol';
import { testPath } from './support/golden';
import { startLsp, type LspSession } from './support/lsp-session';
import { tempProject } from './support/temp-project';

/** Another process holding the database file's lock until its stdin closes; resolves once it holds it. */
async function holdLock(file: string, dir: string): Promise<ChildProcess> {
  const script = join(dir, 'hold-lock.cjs');
  writeFileSync(
    script,
    `const { DuckDBInstance } = require(${JSON.stringify(testPath('..', 'node_modules', '@duckdb', 'node-api'))});
DuckDBInstance.create(process.argv[2]).then(async (i) => { await (await i.connect()).run('select 1'); console.log('held'); });
process.stdin.resume(); process.stdin.on('end', () => process.exit(0));\n`,
  );
  const holder = spawn(process.execPath, [script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    holder.on('exit', () => reject(new Error('the lock holder exited')));
  });
  return holder;
}

describe('language server: a DuckDB file held by another process', { timeout: 120_000 }, () => {
  let root: string;
  let lsp: LspSession;
  const uri = (rel: string): string => pathToFileURL(join(root, rel)).toString();

  before(async () => {
    root = tempProject({ 'models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id\n" }, 'medallion-lspf-');
    lsp = await startLsp([root]);
  });

  after(async () => {
    await lsp.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a preview and a run say which process holds it and what to do; once it is free both work', async () => {
    const first = await lsp.rpc.sendRequest<RunResultMessage>('medallion/run', { uri: uri('models/orders.sql') });
    assert.equal(first.fatal, null);
    const holder = await holdLock(join(root, 'target', 'test.duckdb'), root);
    const held = new RegExp(`^The DuckDB database .*target/test\\.duckdb is in use by another process: PID ${holder.pid} \\(.*hold-lock\\.cjs`);
    try {
      const shown = await lsp.rpc.sendRequest<ShowResult>('medallion/show', { uri: uri('models/orders.sql') });
      assert.match(shown.error ?? '', held, shown.error ?? 'no error');
      assert.match(shown.error ?? '', /Wait for that process to finish, or stop it/);
      const ran = await lsp.rpc.sendRequest<RunResultMessage>('medallion/run', { uri: uri('models/orders.sql') });
      assert.match(ran.fatal ?? '', held, ran.fatal ?? 'no fatal');
      assert.deepEqual(ran.results, []);
    } finally {
      holder.stdin!.end();
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    const shown = await lsp.rpc.sendRequest<ShowResult>('medallion/show', { uri: uri('models/orders.sql') });
    assert.equal(shown.error, null);
    assert.deepEqual(shown.rows, [[1]]);
    const ran = await lsp.rpc.sendRequest<RunResultMessage>('medallion/run', { uri: uri('models/orders.sql') });
    assert.equal(ran.fatal, null);
    assert.deepEqual(ran.results.map((r) => `${r.name}:${r.status}`), ['orders:success']);
  });
});
