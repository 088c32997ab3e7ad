/**
 * The one CSV reader (csv-parse through core/csv.ts) for seeds and unit-test fixtures: quotes
 * inside fields, doubled quotes, empty quoted rows, BOM, CRLF and multi-line fields, on DuckDB.
 * test/databricks/csv.spark.ts loads the same files on Spark and expects the same rows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { parseCsv, readCsv } from '../server/src/core/csv';
import { readProfile } from '../server/src/core/profiles';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runProject } from '../server/src/runner/project-run';
import { asText, ONE_COLUMN_ROWS, resultsOf, TRICKY_FILES, TRICKY_RESULTS, TRICKY_ROWS } from './support/tricky-csv';
import { tempProject } from './support/temp-project';

describe('csv: the reader', () => {
  const cases: Array<[string, string, string[][]]> = [
    ['a quote inside an unquoted field is a character', 'a,b\n1,5" screen\n2,x\n', [['a', 'b'], ['1', '5" screen'], ['2', 'x']]],
    ['a quoted empty row is a row', 'a\n""\nb\n', [['a'], [''], ['b']]],
    ['BOM and CRLF', '\ufeffa,b\r\n1,2\r\n', [['a', 'b'], ['1', '2']]],
    ['multi-line and doubled quotes', 'a,b\n1,"x, ""y""\nz"\n2,\n', [['a', 'b'], ['1', 'x, "y"\nz'], ['2', '']]],
    ['blank lines are skipped', 'a\n\n1\n\n', [['a'], ['1']]],
    ['no final newline', 'a,b\n1,2', [['a', 'b'], ['1', '2']]],
  ];
  for (const [name, text, rows] of cases) it(name, () => assert.deepEqual(parseCsv(text), rows));

  it('rows know the line they start on; an unclosed quote is an error with its line, never a throw', () => {
    assert.deepEqual(readCsv('a\n"x\ny"\n\nz\n').lines, [1, 2, 5]);
    const bad = readCsv('a,b\n1,2\n3,"open\n');
    assert.deepEqual(bad.rows, [['a', 'b'], ['1', '2']]);
    assert.equal(bad.error?.line, 3);
  });
});

describe('csv: seeds and fixtures on DuckDB', () => {
  it('tricky seeds load the rows as written; a csv fixture with the same features passes its unit test', async () => {
    const root = tempProject(TRICKY_FILES);
    const host = new NodeFileHost();
    const s = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env: {}, profilesDirs: [root] });
    assert.deepEqual(resultsOf(s.results), TRICKY_RESULTS);
    const { target } = readProfile(readFileSync(join(root, 'profiles.yml'), 'utf8'), 'profiles.yml', 'p', undefined, (x) => x);
    const engine = await DuckDbEngine.open(target, { projectRoot: root });
    try {
      const session = await engine.acquire();
      assert.deepEqual(asText((await session.execute('select * from main.tricky order by id nulls last')).rows), TRICKY_ROWS);
      assert.deepEqual(asText((await session.execute('select * from main.one_column order by code nulls last')).rows), ONE_COLUMN_ROWS);
      const types = (await session.execute("select column_name, data_type from information_schema.columns where table_name = 'tricky' order by ordinal_position")).rows;
      assert.deepEqual(types, [['id', 'BIGINT'], ['name', 'VARCHAR'], ['price', 'DOUBLE'], ['note', 'VARCHAR']]);
    } finally {
      await engine.close();
    }
  });

  it('a seed row with the wrong number of fields names its file and line', async () => {
    const root = tempProject({ 'seeds/bad.csv': 'a,b\n1,2\n"x\ny",3,4\n' });
    const host = new NodeFileHost();
    const s = await runProject(host, analyzeProject(host, root), { command: 'seed', threads: 0, env: {}, profilesDirs: [root] });
    assert.equal(s.results[0]!.status, 'error');
    assert.equal(s.results[0]!.message, 'seeds/bad.csv:3: 3 fields where the header has 2');
  });
});
