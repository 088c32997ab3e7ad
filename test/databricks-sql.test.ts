/**
 * The Databricks engine's SQL text and settings, without a warehouse: what the landing zone and
 * incremental strategies emit (checked against the shapes Databricks documents), how profile keys
 * become driver options, and how server errors become messages. The same engine runs for real
 * against Spark in `npm run test:databricks`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialectFor } from '../server/src/core/compiler';
import { inferCsvColumnType, parseCsv } from '../server/src/core/csv';
import type { ProjectNode } from '../server/src/core/model';
import type { Target } from '../server/src/core/profiles';
import { Relation } from '../server/src/core/compiler/relation';
import { cleanServerMessage, statementError } from '../server/src/engines/databricks/engine';
import { copyIntoStatements, incrementalStatement, landingStatements, readFilesRejectingSql, readFilesViewSql, tableClauses } from '../server/src/engines/databricks/materializations';
import { connectionSettings } from '../server/src/engines/databricks/settings';
import { assertGolden, testPath } from './support/golden';

const dialect = dialectFor('databricks')!;
const orders = new Relation(dialect, 'dbt_project_retail', 'landing', 'orders');
const orderTypes = [
  { name: 'id', type: 'bigint' },
  { name: 'created_at', type: 'timestamp' },
  { name: 'unit_price', type: 'decimal(10,2)' },
];

function target(settings: Record<string, unknown>, extra: Partial<Target> = {}): Target {
  return { name: 'databricks', type: 'databricks', database: 'main', schema: 'analytics', threads: 4, profileName: 'p', settings, ...extra };
}

function node(config: Record<string, unknown>, extra: Partial<ProjectNode> = {}): ProjectNode {
  return { name: 'm', uniqueId: 'model.p.m', resourceType: 'model', config: { meta: {}, ...config }, columns: [], ...extra } as unknown as ProjectNode;
}

describe('databricks: landing SQL as Databricks documents it', () => {
  it('read_files view and COPY INTO match the golden', () => {
    const files = { pattern: 's3://retail-landing/landing/orders/', format: 'csv' as const, types: orderTypes };
    const text = [readFilesViewSql(dialect, orders, files), ...copyIntoStatements(dialect, orders, files), ...readFilesRejectingSql(dialect, orders, { ...files, onBadRows: 'reject' })].join(';\n\n') + ';\n';
    assertGolden(testPath('goldens', 'medallion', 'landing-databricks.sql'), text);
  });

  it('read_files: the location first, then named options with =>, schema hints as one DDL string', () => {
    const sql = readFilesViewSql(dialect, orders, { pattern: 's3://b/landing/orders/', format: 'csv', types: orderTypes });
    const call = /read_files\(\s*([\s\S]*)\)\s*$/.exec(sql)![1]!;
    const args = call.split(/,\s*\n\s*/).map((a) => a.trim());
    assert.equal(args[0], "'s3://b/landing/orders/'");
    for (const named of args.slice(1)) assert.match(named, /^[A-Za-z]+ => ('([^'\\]|\\.)*'|true|false)$/, named);
    assert.deepEqual(args.slice(1).map((a) => a.split(' => ')[0]), ['format', 'header', 'multiLine', 'escape', 'mode', 'schemaHints']);
    assert.match(sql, /schemaHints => '`id` bigint, `created_at` timestamp, `unit_price` decimal\(10,2\)'/);
    assert.match(sql, /^create or replace view `dbt_project_retail`\.`landing`\.`orders` as/);
  });

  it('COPY INTO: FROM location, FILEFORMAT, FORMAT_OPTIONS, COPY_OPTIONS in that order', () => {
    const [create, copy] = copyIntoStatements(dialect, orders, { pattern: "s3://b/it's/", format: 'csv', types: [] });
    assert.equal(create, 'create table if not exists `dbt_project_retail`.`landing`.`orders`');
    assert.match(copy!, /^copy into \S+\nfrom '[^\n]*'\nfileformat = CSV\nformat_options \([^)]*\)\ncopy_options \([^)]*\)$/);
    // A quote in the location is escaped the Databricks way, never closing the literal.
    assert.ok(copy!.includes("from 's3://b/it\\'s/'"));
  });

  it('a local landing folder on a real Databricks warehouse is refused with what to set', async () => {
    const settings = connectionSettings(target({ host: 'h', http_path: 'p', token: 't' }), {});
    const noSession = {} as never;
    await assert.rejects(landingStatements(noSession, dialect, settings, orders, { pattern: '/home/me/landing-data/orders', format: 'csv', types: [] }), /local folder .*set MEDALLION_LANDING_S3/);
    assert.deepEqual((await landingStatements(noSession, dialect, settings, orders, { pattern: 's3://b/orders/', format: 'csv', types: [] })).statements, [readFilesViewSql(dialect, orders, { pattern: 's3://b/orders/', format: 'csv', types: [] })]);
  });

  it('on_bad_rows: reject — PERMISSIVE with the rescued data column; rescued rows leave the view for __rejects', async () => {
    const settings = connectionSettings(target({ host: 'h', http_path: 'p', token: 't' }), {});
    const files = { pattern: 's3://retail-landing/landing/orders/', format: 'csv' as const, types: orderTypes, onBadRows: 'reject' as const };
    const { statements, load } = await landingStatements({} as never, dialect, settings, orders, files);
    assert.deepEqual(statements, readFilesRejectingSql(dialect, orders, files));
    assert.equal(load.rejectsRelation, '`dbt_project_retail`.`landing`.`orders__rejects`');
    const [view, rejects] = statements;
    for (const sql of statements) {
      const call = /read_files\(\s*([\s\S]*?)\n\)/.exec(sql)![1]!;
      const args = call.split(/,\s*\n\s*/).map((a) => a.trim());
      for (const named of args.slice(1)) assert.match(named, /^[A-Za-z]+ => ('([^'\\]|\\.)*'|true|false)$/, named);
      assert.deepEqual(args.slice(1).map((a) => a.split(' => ')[0]), ['format', 'header', 'multiLine', 'escape', 'mode', 'rescuedDataColumn', 'schemaHints']);
      assert.match(sql, /mode => 'PERMISSIVE',\s*rescuedDataColumn => '_rescued_data'/);
    }
    assert.match(view!, /^create or replace view `dbt_project_retail`\.`landing`\.`orders` as\nselect \* except \(_rescued_data\), _metadata\.file_name as _landing_file from read_files\([\s\S]*\)\nwhere _rescued_data is null$/);
    assert.match(rejects!, /^create or replace view `dbt_project_retail`\.`landing`\.`orders__rejects` as\nselect _metadata\.file_path as file, _rescued_data as error, \* except \(_rescued_data\) from read_files\([\s\S]*\)\nwhere _rescued_data is not null$/);
    // COPY INTO and the Spark reader keep failing fast: the opt-in is refused there, never ignored.
    await assert.rejects(landingStatements({} as never, dialect, settings, orders, { ...files, ingest: 'copy_into' }), /on_bad_rows 'reject' needs Databricks' read_files view/);
  });
});

describe('databricks: table clauses and incremental strategies', () => {
  it('using delta, partitioned by, cluster by, comment (persist_docs) and tblproperties', () => {
    const text = tableClauses(dialect, node({ partition_by: ['day'], tblproperties: { 'delta.appendOnly': 'true' }, persist_docs: { relation: true } }, { description: "Orders' daily totals" }));
    assert.equal(text, "using delta\npartitioned by (`day`)\ncomment 'Orders\\' daily totals'\ntblproperties ('delta.appendOnly' = 'true')");
    assert.equal(tableClauses(dialect, node({ liquid_clustered_by: 'id' })), 'using delta\ncluster by (`id`)');
    // Without persist_docs the description stays out of the warehouse, as in dbt.
    assert.equal(tableClauses(dialect, node({}, { description: 'x' })), 'using delta');
  });

  const cols = ['`id`', '`amount`'];
  it('merge (the default) matches keys null-safely with <=>', () => {
    const st = incrementalStatement(dialect, node({ unique_key: 'id' }), '`c`.`s`.`t`', '`t__dbt_tmp`', cols);
    assert.equal(st.strategy, 'merge');
    assert.equal(
      st.sql,
      'merge into `c`.`s`.`t` as DBT_INTERNAL_DEST\nusing `t__dbt_tmp` as DBT_INTERNAL_SOURCE\non DBT_INTERNAL_SOURCE.`id` <=> DBT_INTERNAL_DEST.`id`\nwhen matched then update set\n    `amount` = DBT_INTERNAL_SOURCE.`amount`\nwhen not matched then insert (`id`, `amount`)\nvalues (DBT_INTERNAL_SOURCE.`id`, DBT_INTERNAL_SOURCE.`amount`)',
    );
    // Without a unique key every row is new (dbt-databricks: `on false`).
    assert.match(incrementalStatement(dialect, node({}), 't', 's', cols).sql, /\non false\nwhen not matched then insert/);
  });

  it('append, insert_overwrite (dynamic partitions), replace_where, and the errors for missing keys', () => {
    assert.equal(incrementalStatement(dialect, node({ incremental_strategy: 'append' }), 't', 's', cols).sql, 'insert into t (`id`, `amount`)\nselect `id`, `amount` from s');
    const overwrite = incrementalStatement(dialect, node({ incremental_strategy: 'insert_overwrite', partition_by: 'day' }), 't', 's', cols);
    assert.deepEqual(overwrite.before, ['set spark.sql.sources.partitionOverwriteMode = DYNAMIC']);
    assert.equal(overwrite.sql, 'insert overwrite table t partition (`day`)\nselect `id`, `amount` from s');
    assert.equal(incrementalStatement(dialect, node({ incremental_strategy: 'replace_where', incremental_predicates: ["day >= '2024-01-01'"] }), 't', 's', cols).sql, "insert into t\nreplace where day >= '2024-01-01'\nselect `id`, `amount` from s");
    assert.throws(() => incrementalStatement(dialect, node({ incremental_strategy: 'replace_where' }), 't', 's', cols), /needs incremental_predicates/);
    assert.throws(() => incrementalStatement(dialect, node({ incremental_strategy: 'delete+insert' }), 't', 's', cols), /needs a unique_key/);
    assert.throws(() => incrementalStatement(dialect, node({ incremental_strategy: 'microbatch' }), 't', 's', cols), /unknown incremental_strategy 'microbatch'/);
  });
});

describe('databricks: profile settings', () => {
  it('dbt-databricks keys become driver options; the workspace URL is reduced to its host; telemetry off', () => {
    const s = connectionSettings(target({ host: 'https://dbc-123.cloud.databricks.com/', http_path: '/sql/1.0/warehouses/abc', token: 'dapiSECRET', connect_retries: 2, session_properties: { ansi_mode: true } }), {});
    assert.equal(s.host, 'dbc-123.cloud.databricks.com');
    assert.equal(s.port, 443);
    assert.equal(s.catalog, 'main');
    assert.equal(s.schema, 'analytics');
    assert.deepEqual(s.sessionConfiguration, { ansi_mode: 'true' });
    assert.equal(s.connect.telemetryEnabled, false);
    assert.equal(s.connect.retryMaxAttempts, 3);
    assert.equal(s.connect.token, 'dapiSECRET');
    assert.equal(s.landingReader, 'read_files');
  });

  it('token from DATABRICKS_TOKEN when the profile has none; a missing token names the variable, never a value', () => {
    assert.equal(connectionSettings(target({ host: 'h', http_path: 'p' }), { DATABRICKS_TOKEN: 'dapiENV' }).connect.token, 'dapiENV');
    assert.throws(() => connectionSettings(target({ host: 'h', http_path: 'p', token: '' }), {}), /no token: set it in profiles\.yml .*DATABRICKS_TOKEN/);
    assert.throws(() => connectionSettings(target({ http_path: 'p', token: 't' }), {}), /no host/);
    assert.throws(() => connectionSettings(target({ host: 'h', http_path: 'p', token: 't', landing_reader: 'x' }), {}), /landing_reader must be read_files or spark_csv/);
    const oauth = connectionSettings(target({ host: 'h', http_path: 'p', auth_type: 'oauth', client_id: 'cid' }), { DATABRICKS_CLIENT_SECRET: 'sec' });
    assert.equal(oauth.connect.authType, 'databricks-oauth');
    assert.equal(oauth.connect.oauthClientId, 'cid');
    assert.equal(oauth.connect.token, undefined);
  });
});

describe('databricks: server errors become clear messages', () => {
  it("keeps Spark's message and SQLSTATE, drops the wrapper and the Java stack", () => {
    const raw =
      "org.apache.hive.service.cli.HiveSQLException: Error running query: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14;\n'Project [*]\n\tat org.apache.spark.sql.hive.thriftserver.HiveThriftServerErrors$.runningQueryError(HiveThriftServerErrors.scala:46)\n\tat java.base/java.lang.Thread.run(Thread.java:840)\nCaused by: org.apache.spark.sql.AnalysisException: x\n\t... 16 more";
    const err = statementError({ message: 'The operation failed due to an error', response: { errorMessage: raw, sqlState: '42P01' } }, 'select * from nope');
    assert.equal(err.message, "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14;\n'Project [*]");
    assert.equal(err.code, '42P01');
    assert.equal(err.line, 1);
    assert.equal(cleanServerMessage('plain'), 'plain');
  });

  it('an authentication failure says what to check and never includes the token', () => {
    const s = connectionSettings(target({ host: 'h.example', http_path: 'p', token: 'dapiSECRET' }), {});
    const err = statementError(new Error('Request failed with status code 401'), 'select 1', s);
    assert.match(err.message, /refused the credentials at h\.example \(HTTP 401\)/);
    assert.ok(!err.message.includes('dapiSECRET'));
  });
});

describe('csv: seeds parsed and typed the way dbt infers them', () => {
  it('quoted fields with commas, quotes and newlines; CRLF; BOM', () => {
    assert.deepEqual(parseCsv('\ufeffa,b\r\n1,"x, ""y""\nz"\r\n2,\n'), [['a', 'b'], ['1', 'x, "y"\nz'], ['2', '']]);
  });
  it('boolean, bigint, double, date, timestamp, else string; blanks do not vote', () => {
    assert.equal(inferCsvColumnType(['true', 'False', '']), 'boolean');
    assert.equal(inferCsvColumnType(['1', '-20', '']), 'bigint');
    assert.equal(inferCsvColumnType(['1', '2.5']), 'double');
    assert.equal(inferCsvColumnType(['2024-01-31']), 'date');
    assert.equal(inferCsvColumnType(['2024-01-31 10:00:00', '2024-02-01T00:00']), 'timestamp');
    assert.equal(inferCsvColumnType(['1', 'x']), 'string');
    assert.equal(inferCsvColumnType(['', '']), 'string');
  });
});
