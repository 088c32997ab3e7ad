/**
 * Model contracts against the pinned dbt-core + dbt-duckdb: test/fixtures/contracts built twice on
 * the real embedded DuckDB must give every node dbt's status and message (the contract failure
 * with dbt's mismatch table, the engine's constraint error) and leave the same tables (columns in
 * the contract's order, nullability, constraints) as dbt did (test/goldens/dbt/contracts, from
 * scripts/dbt-workflow-goldens.sh). Plus the core pieces: parse-time problems, the editor's
 * problems from known columns, DuckDB type names, and dbt-databricks' constraint statements.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { dialectFor, type Relation } from '../server/src/core/compiler';
import { compareContract, contractEditorProblems, contractFailureMessage, contractOf, contractProblems, duckdbTypeName, projectContractProblems } from '../server/src/core/contracts';
import { readProfile } from '../server/src/core/profiles';
import { constraintStatements } from '../server/src/engines/databricks/materializations';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runProject } from '../server/src/runner/project-run';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

type Results = Record<string, { status: string; message: string }>;
const goldens = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'contracts', 'results.json'), 'utf8')) as Results[];
const goldenTables = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'contracts', 'tables.json'), 'utf8')) as Record<string, unknown>;

/** The part of a message dbt's golden keeps: the contract failure, or the engine's constraint error with the temporary table's name. */
function significant(message: string): string {
  const contract = message.indexOf('This model has an enforced contract');
  if (contract >= 0) return message.slice(contract).trimEnd();
  const constraint = message.indexOf('Constraint Error:');
  if (constraint >= 0) return message.slice(constraint).split('\n')[0]!.replace(/\w+__(?:dbt|medallion)_tmp/g, '<tmp>');
  return message.split('\n')[0]!;
}

async function databaseTables(root: string): Promise<Record<string, unknown>> {
  const { target } = readProfile(readFileSync(join(root, 'profiles.yml'), 'utf8'), 'profiles.yml', 'contracts', undefined, (s) => s);
  const engine = await DuckDbEngine.open(target, { projectRoot: root });
  try {
    const session = await engine.acquire();
    const out: Record<string, unknown> = {};
    const tables = await session.execute("select table_name, table_type from information_schema.tables where table_schema = 'main' order by table_name");
    for (const [name, type] of tables.rows) {
      const lit = `'${String(name)}'`;
      const columns = await session.execute(`select column_name, data_type, is_nullable from information_schema.columns where table_schema = 'main' and table_name = ${lit} order by ordinal_position`);
      const constraints = await session.execute(`select constraint_type, constraint_column_names, expression from duckdb_constraints() where schema_name = 'main' and table_name = ${lit} and constraint_type <> 'NOT NULL' order by constraint_type, constraint_index`);
      out[String(name)] = { type, columns: columns.rows, constraints: constraints.rows };
    }
    return out;
  } finally {
    await engine.close();
  }
}

describe('contracts: the same results and tables as dbt-core on DuckDB (test/fixtures/contracts)', () => {
  it('two builds: every node with dbt\'s status and message; the tables dbt left', async () => {
    const root = mkdtempSync(join(tmpdir(), 'medallion-contracts-'));
    cpSync(testPath('fixtures', 'contracts'), root, { recursive: true });
    const host = new NodeFileHost();
    for (const [i, golden] of goldens.entries()) {
      const analysis = analyzeProject(host, root);
      const summary = await runProject(host, analysis, { command: 'build', threads: 0, env: {}, profilesDirs: [root] });
      assert.equal(summary.fatal, undefined);
      const ours = Object.fromEntries(summary.results.map((r) => [r.uniqueId, { status: r.status, message: significant(r.message) }]));
      for (const [id, expected] of Object.entries(golden)) {
        assert.ok(ours[id], `build ${i + 1}: ${id} has no result`);
        assert.equal(ours[id].status, expected.status, `build ${i + 1}: status of ${id} (${ours[id].message})`);
        if (expected.status === 'error') assert.equal(ours[id].message, expected.message, `build ${i + 1}: message of ${id}`);
      }
    }
    assert.deepEqual(await databaseTables(root), goldenTables);
  });
});

describe('contracts: the core', () => {
  it('dbt\'s mismatch table, row for row', () => {
    const rows = compareContract(
      [{ name: 'id', type: 'BIGINT' }, { name: 'name', type: 'VARCHAR' }],
      [{ name: 'id', type: 'INTEGER' }, { name: 'full_name', type: 'VARCHAR' }],
    );
    assert.equal(contractFailureMessage(rows!), goldens[0]!['model.contracts.people_missing_extra']!.message);
    assert.equal(compareContract([{ name: 'a', type: 'INTEGER' }, { name: 'b', type: 'VARCHAR' }], [{ name: 'b', type: 'VARCHAR' }, { name: 'a', type: 'INTEGER' }]), undefined, 'order is not compared');
    assert.ok(compareContract([{ name: 'A', type: 'INTEGER' }], [{ name: 'a', type: 'INTEGER' }]), 'names compare exactly, as dbt');
  });

  it('what dbt refuses at parse time: no columns, unknown constraint, two primary-key columns, both levels, incremental without append_new_columns/fail', () => {
    const analysis = analyzeProject(
      new NodeFileHost(),
      tempProject({
        'models/a.sql': 'select 1 as id',
        'models/b.sql': 'select 1 as id, 2 as k',
        'models/c.sql': "{{ config(materialized='incremental') }}\nselect 1 as id",
        'models/d.sql': 'select 1 as id',
        'models/props.yml': [
          'version: 2',
          'models:',
          '  - name: a',
          '    config: {contract: {enforced: true}}',
          '  - name: b',
          '    config: {contract: {enforced: true}}',
          '    constraints: [{type: primary_key, columns: [id]}, {type: exclusion}]',
          '    columns:',
          '      - {name: id, data_type: int, constraints: [{type: primary_key}]}',
          '      - {name: k, data_type: int, constraints: [{type: primary_key}]}',
          '  - name: c',
          '    config: {contract: {enforced: true}}',
          '    columns: [{name: id, data_type: int}]',
          '  - name: d',
          '    config: {contract: {enforced: false}}',
          '',
        ].join('\n'),
      }),
    );
    const messages = (name: string): string[] => contractProblems(analysis.graph.resolveRef(name)!).map((d) => d.message);
    assert.deepEqual(messages('a'), ['Contract enforcement failed for: (models/a.sql)\nConstraints must be defined in a `yml` schema configuration file like `schema.yml`.']);
    assert.deepEqual(messages('b'), [
      "Invalid constraint type on model b: Type must be one of ['check', 'not_null', 'unique', 'primary_key', 'foreign_key', 'custom']",
      "Found 2 columns (['id', 'k']) with primary key constraints defined. Primary keys for multiple columns must be defined as a model level constraint.",
      'Primary key constraints defined at the model level and the columns level. Primary keys can be defined at the model level or the column level, not both.',
    ]);
    assert.deepEqual(messages('c'), ["Invalid value for on_schema_change: ignore. Models materialized as incremental with contracts enabled must set on_schema_change to 'append_new_columns' or 'fail'"]);
    assert.deepEqual(messages('d'), []);
    assert.ok(analysis.diagnostics.some((d) => d.code === 'contract' && d.file === 'models/props.yml'), 'they are project diagnostics too');
  });

  it('the editor: problems only from exactly known columns; types only where the declared type has a known engine name', () => {
    const analysis = analyzeProject(new NodeFileHost(), testPath('fixtures', 'contracts'));
    const node = analysis.graph.resolveRef('people_missing_extra')!;
    const columns = [{ name: 'id', type: 'INTEGER' }, { name: 'full_name', type: 'VARCHAR' }];
    assert.deepEqual(contractEditorProblems(node, { columns, exact: false }), [], 'not exact: nothing');
    const problems = contractEditorProblems(node, { columns, exact: true }, duckdbTypeName);
    assert.deepEqual(
      problems.map((d) => d.message),
      [
        "Contract: column 'id' of 'people_missing_extra' is INTEGER in its SQL, the contract says bigint (BIGINT)",
        "Contract: 'people_missing_extra' does not produce the contracted column 'name' (missing in definition)",
        "Contract: 'people_missing_extra' produces 'full_name', missing in its contract",
      ],
    );
    const yml = readFileSync(testPath('fixtures', 'contracts', 'models', 'schema.yml'), 'utf8');
    assert.equal(yml.slice(problems[0]!.span!.start, problems[0]!.span!.end), 'id');
    assert.deepEqual(contractEditorProblems(node, { columns, exact: true }).map((d) => d.message).length, 2, 'without a type normalizer, types are not compared');
    const all = (target: string): string[] => projectContractProblems(analysis.project.nodes.values(), (id) => (id === node.uniqueId ? { columns, exact: true } : undefined), target).map((d) => d.message);
    assert.equal(all('duckdb').length, 3);
    assert.equal(all('databricks').length, 2, 'types compared only where the engine names of declared types are known');
  });

  it('DuckDB type names of declared types; unknown spellings give none (never a guess)', () => {
    const cases: Array<[string, string | undefined]> = [
      ['int', 'INTEGER'], ['text', 'VARCHAR'], ['varchar(10)', 'VARCHAR'], ['decimal(10,2)', 'DECIMAL(10,2)'], ['numeric', 'DECIMAL(18,3)'], ['decimal(5)', 'DECIMAL(5,0)'],
      ['timestamp with time zone', 'TIMESTAMP WITH TIME ZONE'], ['BIGINT', 'BIGINT'], ['struct(a int)', undefined], ['int[]', undefined], ['my_type', undefined], ['integer(3)', undefined],
    ];
    for (const [declared, expected] of cases) assert.equal(duckdbTypeName(declared), expected, declared);
  });

  it('dbt-databricks\' constraint statements: not null first, named checks, md5 names where yml gives none, unique skipped', () => {
    const analysis = analyzeProject(
      new NodeFileHost(),
      tempProject({
        'models/orders.sql': 'select 1 as id, 2 as amount',
        'models/props.yml': [
          'version: 2',
          'models:',
          '  - name: orders',
          '    config: {contract: {enforced: true}, materialized: table}',
          '    constraints:',
          '      - {type: primary_key, columns: [id]}',
          '      - {type: check, name: positive, expression: "amount > 0"}',
          '    columns:',
          '      - {name: id, data_type: bigint, constraints: [{type: unique}, {type: not_null}]}',
          '      - {name: amount, data_type: int, constraints: [{type: check, expression: "amount < 1000"}]}',
          '',
        ].join('\n'),
      }),
    );
    const contract = contractOf(analysis.graph.resolveRef('orders')!)!;
    const dialect = dialectFor('databricks')!;
    const relation = { database: 'main', schema: 'gold', identifier: 'orders', render: () => '`main`.`gold`.`orders`' } as unknown as Relation;
    assert.deepEqual(constraintStatements(dialect, contract, relation), [
      'alter table `main`.`gold`.`orders` change column `id` set not null',
      // md5("orders;amount;amount < 1000;") and md5("primary_key;orders;['id'];"), as dbt-databricks' local_md5
      'alter table `main`.`gold`.`orders` add constraint e7b6e0392ae3605e00b7492bca949999 check (amount < 1000)',
      'alter table `main`.`gold`.`orders` add constraint 20950843ac3a84cddd7fa8ba5ee9ed96 primary key(`id`)',
      'alter table `main`.`gold`.`orders` add constraint positive check (amount > 0)',
    ]);
  });
});
