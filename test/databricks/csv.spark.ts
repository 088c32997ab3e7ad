/**
 * The one CSV reader on the Databricks engine (Spark + Delta through the unmodified driver): the
 * seeds and csv fixture of test/support/tricky-csv.ts give exactly the rows DuckDB gives
 * (test/csv.test.ts checks those on DuckDB against the same expected rows).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { analyzeProject } from '../../server/src/core/analysis';
import { createCompiler } from '../../server/src/core/session';
import { NodeFileHost } from '../../server/src/node/fs-host';
import { openEngine, runProject } from '../../server/src/runner/project-run';
import { tempProject } from '../support/temp-project';
import { asText, ONE_COLUMN_ROWS, resultsOf, TRICKY_FILES, TRICKY_RESULTS, TRICKY_ROWS } from '../support/tricky-csv';
import { sparkOutput } from './spark-profile';

const env = process.env as Record<string, string | undefined>;
const SCHEMA = `medallion_csv_${process.pid}`;

const profiles = ['p:', '  target: spark', '  outputs:', ...sparkOutput(SCHEMA), ''].join('\n');

describe('databricks engine on Spark: seeds and csv fixtures read by the one CSV reader', { timeout: 10 * 60_000 }, () => {
  const root = tempProject({ ...TRICKY_FILES, 'profiles.yml': profiles });
  after(async () => {
    await query(`drop schema if exists spark_catalog.\`${SCHEMA}\` cascade`).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  async function query(sql: string): Promise<unknown[][]> {
    const host = new NodeFileHost();
    const { resolved } = createCompiler(host, analyzeProject(host, root), { env, profilesDirs: [root] });
    const engine = await openEngine(resolved.target, root, env);
    try {
      return (await (await engine.acquire()).execute(sql)).rows;
    } finally {
      await engine.close();
    }
  }

  it('the same rows as DuckDB, and the csv fixture passes', async () => {
    assert.ok(env.DATABRICKS_HOST && env.DATABRICKS_TOKEN, 'run through `npm run test:databricks` (it starts the test warehouse)');
    const host = new NodeFileHost();
    const s = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env, profilesDirs: [root] });
    assert.equal(s.fatal, undefined);
    assert.deepEqual(resultsOf(s.results), TRICKY_RESULTS);
    assert.deepEqual(asText(await query(`select * from spark_catalog.\`${SCHEMA}\`.tricky order by id nulls last`)), TRICKY_ROWS);
    assert.deepEqual(asText(await query(`select * from spark_catalog.\`${SCHEMA}\`.one_column order by code nulls last`)), ONE_COLUMN_ROWS);
  });
});
