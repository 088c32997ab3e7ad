/**
 * Model contracts on the Databricks engine (Spark + Delta through the unmodified driver): the
 * contract is checked with the warehouse's own types before anything is built, the table holds the
 * contract's columns in its order with dbt-databricks' named `check` constraint, and rows that
 * break a not_null or check constraint fail the model while the table keeps what it had.
 * Not here, checked as SQL text in test/contracts.test.ts: `change column ... set not null` on a
 * built table (Databricks runs it; open-source Delta refuses to add NOT NULL to an existing column)
 * and primary keys (Unity Catalog only).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { analyzeProject } from '../../server/src/core/analysis';
import { createCompiler } from '../../server/src/core/session';
import { NodeFileHost } from '../../server/src/node/fs-host';
import { openEngine, runProject } from '../../server/src/runner/project-run';
import { tempProject, writeFile } from '../support/temp-project';
import { sparkOutput } from './spark-profile';

const env = process.env as Record<string, string | undefined>;
const SCHEMA = `medallion_contracts_${process.pid}`;
const profiles = ['p:', '  target: spark', '  outputs:', ...sparkOutput(SCHEMA), ''].join('\n');

const yml = (ageCheck: string, idConstraints = '[]'): string =>
  [
    'version: 2',
    'seeds:',
    '  - name: people',
    '    config: {column_types: {id: int, name: string, age: int}}',
    'models:',
    '  - name: people_ok',
    '    config: {contract: {enforced: true}}',
    '    columns:',
    `      - {name: id, data_type: int, constraints: ${idConstraints}}`,
    '      - {name: name, data_type: string}',
    `      - {name: age, data_type: int, constraints: [{type: check, name: adult, expression: "${ageCheck}"}]}`,
    '  - name: people_bad_type',
    '    config: {contract: {enforced: true}}',
    '    columns:',
    '      - {name: id, data_type: bigint}',
    '      - {name: name, data_type: string}',
    '  - name: people_view',
    '    config: {contract: {enforced: true}, materialized: view}',
    '    columns:',
    '      - {name: id, data_type: int}',
    '      - {name: name, data_type: string}',
    '',
  ].join('\n');

describe('databricks engine on Spark: model contracts', { timeout: 10 * 60_000 }, () => {
  const root = tempProject({
    'profiles.yml': profiles,
    'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nmodels:\n  p:\n    +materialized: table\n',
    'seeds/people.csv': 'id,name,age\n1,ann,31\n2,bob,45\n',
    'models/people_ok.sql': "select name, age, id from {{ ref('people') }}",
    'models/people_bad_type.sql': "select id, name from {{ ref('people') }}",
    'models/people_view.sql': "select id, name from {{ ref('people') }}",
    'models/schema.yml': yml('age >= 18'),
  });
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

  async function build(): Promise<Record<string, { status: string; message: string }>> {
    const host = new NodeFileHost();
    const s = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env, profilesDirs: [root] });
    assert.equal(s.fatal, undefined);
    return Object.fromEntries(s.results.map((r) => [r.name, { status: r.status, message: r.message }]));
  }

  it('checked with the warehouse\'s types, built in the contract\'s order with a named check', async () => {
    assert.ok(env.DATABRICKS_HOST && env.DATABRICKS_TOKEN, 'run through `npm run test:databricks` (it starts the test warehouse)');
    const results = await build();
    assert.equal(results.people_ok!.status, 'success', results.people_ok!.message);
    assert.equal(results.people_view!.status, 'success', results.people_view!.message);
    assert.equal(results.people_bad_type!.status, 'error');
    assert.equal(
      results.people_bad_type!.message.split('\n').slice(3).join('\n'),
      ['| column_name | definition_type | contract_type | mismatch_reason    |', '| ----------- | --------------- | ------------- | ------------------ |', '| id          | int             | bigint        | data type mismatch |'].join('\n'),
    );
    const columns = await query(`describe table spark_catalog.\`${SCHEMA}\`.people_ok`);
    assert.deepEqual(columns.slice(0, 3).map((r) => r[0]), ['id', 'name', 'age'], 'the contract\'s order, not the SQL\'s');
    const properties = Object.fromEntries((await query(`show tblproperties spark_catalog.\`${SCHEMA}\`.people_ok`)).map((r) => [String(r[0]), String(r[1])]));
    assert.equal(properties['delta.constraints.adult'], 'age >= 18');
  });

  it('rows breaking a constraint fail the model and leave the table as it was', async () => {
    writeFile(root, 'seeds/people.csv', 'id,name,age\n1,ann,31\n2,bob,45\n,cy,50\n');
    writeFile(root, 'models/schema.yml', yml('age >= 40', '[{type: not_null}]'));
    const results = await build();
    assert.equal(results.people_ok!.status, 'error');
    assert.match(results.people_ok!.message, /Constraint violated in people_ok \(the table was not replaced\): NOT NULL constraint on id: 1 row; CHECK constraint adult \(age >= 40\): 1 row/);
    const properties = Object.fromEntries((await query(`show tblproperties spark_catalog.\`${SCHEMA}\`.people_ok`)).map((r) => [String(r[0]), String(r[1])]));
    assert.equal(properties['delta.constraints.adult'], 'age >= 18', 'the previous build is still there');
    assert.equal(Number((await query(`select count(*) from spark_catalog.\`${SCHEMA}\`.people_ok`))[0]![0]), 2);
  });
});
