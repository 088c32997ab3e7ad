// Smoke check of the local warehouse through the UNMODIFIED `@databricks/sql` driver, as the product uses it.
// Run: node test/databricks/warehouse.mjs check   (exit code 0 when every check passed)
//
// Each check states what it expects. 'error' checks pin down where Apache Spark + Delta OSS differ from
// Databricks SQL (Databricks-only syntax): if one starts passing, the difference is gone and the expectation
// (and whatever the product does about it) should be revisited.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startWarehouse } from './warehouse.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const execFileP = promisify(execFile);

const require = createRequire(import.meta.url);
const { DBSQLClient } = require('@databricks/sql');

const quietLogger = { log() {} };
const ms = (t) => `${Date.now() - t} ms`;

/** First line(s) of a driver error, as the product would show it. */
function describeError(e) {
  const r = e.response || {};
  return {
    name: e.constructor?.name,
    message: e.message,
    errorCode: e.errorCode ?? e.code,
    statusCode: e.statusCode,
    sqlState: r.sqlState,
    errorMessageHead: r.errorMessage ? r.errorMessage.split('\n')[0].slice(0, 300) : undefined,
  };
}

async function query(session, sql, opts) {
  const op = await session.executeStatement(sql, opts);
  try {
    return await op.fetchAll();
  } finally {
    await op.close().catch(() => {});
  }
}

export async function check() {
  const results = [];
  const timings = {};
  let failed = 0;
  const tAll = Date.now();
  const report = (ok, name, detail) => {
    results.push({ ok, name });
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  };

  const t0 = Date.now();
  const wh = await startWarehouse();
  timings.start = wh.timings;
  console.log(`warehouse: https://${wh.host}:${wh.port}${wh.path} (Spark ${wh.versions.spark}, Delta ${wh.versions.delta}); start ${ms(t0)} (install ${wh.timings.installMs} ms, Spark ${wh.timings.sparkStartMs} ms)`);

  const csvDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-csv-'));
  try {
    await runChecks(wh, report, timings, csvDir);
  } catch (e) {
    report(false, 'check aborted', e.stack || e.message);
  }
  const t = Date.now();
  await wh.stop();
  timings.stopMs = Date.now() - t;
  fs.rmSync(csvDir, { recursive: true, force: true });
  timings.totalMs = Date.now() - tAll;
  console.log(`timings: ${JSON.stringify(timings)}`);
  const passed = results.length - failed;
  console.log(`check: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function runChecks(wh, report, timings, csvDir) {
  fs.writeFileSync(path.join(csvDir, 'a.csv'), 'id,name\n1,alpha\n2,beta\n');
  fs.writeFileSync(path.join(csvDir, 'b.csv'), 'id,name\n3,gamma\n');

  const client = new DBSQLClient({ logger: quietLogger });
  try {
    let t = Date.now();
    await client.connect(wh.connectOptions);
    const session = await client.openSession({ initialCatalog: 'spark_catalog', initialSchema: 'default' });
    timings.connectAndOpenSession = Date.now() - t;
    report(true, 'connect + openSession (token, TLS, initialCatalog/initialSchema)', ms(t));

    // Expectation helpers.
    const expectRows = async (name, sql, verify, opts) => {
      const t1 = Date.now();
      try {
        const rows = await query(session, sql, opts);
        const problem = verify ? verify(rows) : null;
        report(!problem, name, problem ? `${problem}; rows: ${JSON.stringify(rows).slice(0, 300)}` : `${ms(t1)} ${JSON.stringify(rows).slice(0, 160)}`);
        return rows;
      } catch (e) {
        report(false, name, `${ms(t1)} unexpected error: ${JSON.stringify(describeError(e))}`);
        return null;
      }
    };
    const expectError = async (name, sql, pattern) => {
      const t1 = Date.now();
      try {
        const rows = await query(session, sql);
        report(false, name, `expected an error on Spark, got rows: ${JSON.stringify(rows).slice(0, 200)}`);
      } catch (e) {
        const d = describeError(e);
        const ok = pattern.test(`${d.message}\n${d.errorMessageHead}`);
        report(ok, name, `${ms(t1)} Spark: ${d.message.split('\n')[0].slice(0, 200)}`);
      }
    };
    const same = (expected) => (rows) => (JSON.stringify(rows) === JSON.stringify(expected) ? null : `expected ${JSON.stringify(expected)}`);

    await expectRows('select 1', 'select 1 as one', same([{ one: 1 }]));
    await expectRows('session namespace from initialCatalog/initialSchema', 'select current_catalog() as c, current_schema() as s', same([{ c: 'spark_catalog', s: 'default' }]));

    await expectRows('create schema if not exists', 'create schema if not exists medallion_smoke', null);
    await expectRows('create or replace table ... using delta as select', "create or replace table medallion_smoke.t using delta as select id, concat('v', id) as v from range(3)", null);
    await expectRows('backtick identifiers, three-part name spark_catalog.schema.table', 'select count(*) as n from `spark_catalog`.`medallion_smoke`.`t`', same([{ n: 3 }]));
    await expectRows(
      'merge into ... on a.id <=> b.id, update set * / insert *',
      `merge into medallion_smoke.t as a
       using (select id, concat('w', id) as v from range(2, 5)) as b
       on a.id <=> b.id
       when matched then update set *
       when not matched then insert *`,
      (rows) => (rows?.[0]?.num_affected_rows === 3 ? null : 'expected num_affected_rows 3'),
    );
    await expectRows('merge result', 'select id, v from medallion_smoke.t order by id', same([
      { id: 0, v: 'v0' }, { id: 1, v: 'v1' }, { id: 2, v: 'w2' }, { id: 3, v: 'w3' }, { id: 4, v: 'w4' },
    ]));
    await expectRows('create or replace view', 'create or replace view medallion_smoke.v as select id from medallion_smoke.t where id > 2', null);
    await expectRows('select from view', 'select count(*) as n from medallion_smoke.v', same([{ n: 2 }]));
    await expectRows('describe table extended', 'describe table extended medallion_smoke.t', (rows) =>
      rows.some((r) => r.col_name === 'Provider' && r.data_type === 'delta') ? null : 'no Provider=delta row');
    await expectRows('show tables in schema', 'show tables in medallion_smoke', (rows) =>
      JSON.stringify(rows.map((r) => r.tableName).sort()) === '["t","v"]' ? null : 'expected t and v');
    await expectRows('create table without USING is Delta (spark.sql.sources.default=delta)', 'create or replace table medallion_smoke.d as select 1 as x', null);
    await expectRows('... provider', 'describe table extended medallion_smoke.d', (rows) =>
      rows.some((r) => r.col_name === 'Provider' && r.data_type === 'delta') ? null : 'not delta');
    await expectRows('tblproperties', "create or replace table medallion_smoke.p (id bigint) using delta tblproperties ('delta.appendOnly' = 'false', 'medallion.model' = 'p')", null);
    await expectRows('alter table set tblproperties', "alter table medallion_smoke.p set tblproperties ('medallion.run' = '1')", null);
    await expectRows('comment on table', "comment on table medallion_smoke.p is 'a comment'", null);
    await expectRows('alter column comment', "alter table medallion_smoke.p alter column id comment 'the id'", null);
    await expectRows('cluster by (liquid clustering, Delta 3.1+)', 'create or replace table medallion_smoke.c (id bigint, day date) using delta cluster by (day)', null);
    await expectRows('partitioned by', 'create or replace table medallion_smoke.pt (id bigint, day date) using delta partitioned by (day)', null);
    await expectRows('insert into ... replace where', "insert into medallion_smoke.pt replace where day = date'2024-01-01' select 1 as id, date'2024-01-01' as day", null);
    await expectRows('insert overwrite ... (whole table)', "insert overwrite medallion_smoke.pt select 2 as id, date'2024-01-02' as day", null);
    await expectError('insert overwrite ... replace where (not Spark syntax; Databricks: INSERT INTO ... REPLACE WHERE)', "insert overwrite medallion_smoke.pt replace where day = date'2024-01-01' select 1, date'2024-01-01'", /PARSE_SYNTAX_ERROR/);
    await expectRows('describe history (Delta)', 'describe history medallion_smoke.t', (rows) => (rows.length >= 2 ? null : 'expected 2+ versions'));
    await expectRows('identifier() clause', "select count(*) as n from identifier('medallion_smoke.t')", same([{ n: 5 }]));
    await expectError('use catalog <name> (Databricks syntax; Spark 4.0 has no USE CATALOG)', 'use catalog spark_catalog', /PARSE_SYNTAX_ERROR/);
    await expectRows('set catalog spark_catalog (Spark and Databricks)', 'set catalog spark_catalog', null);
    await expectError('set catalog <other> (only spark_catalog exists)', 'set catalog main', /CATALOG_NOT_FOUND/);
    await expectRows('use <catalog>.<schema>', 'use spark_catalog.medallion_smoke', null);
    await expectRows('... current schema', 'select current_catalog() as c, current_schema() as s', same([{ c: 'spark_catalog', s: 'medallion_smoke' }]));
    await expectRows('use default', 'use default', null);
    await expectError('hive_metastore.<schema>.<table> (Databricks legacy catalog name)', 'select * from hive_metastore.medallion_smoke.t', /TABLE_OR_VIEW_NOT_FOUND|CATALOG_NOT_FOUND|REQUIRES_SINGLE_PART_NAMESPACE/);
    await expectRows('show catalogs', 'show catalogs', (rows) => (JSON.stringify(rows) === '[{"catalog":"spark_catalog"}]' ? null : 'expected only spark_catalog'));

    // Parameters (the bridge turns the driver's Databricks `parameters` into EXECUTE IMMEDIATE ... USING).
    await expectRows('named parameter markers', 'select :a + 1 as x, :s as s, :n as n', same([{ x: 42, s: "it's", n: null }]), { namedParameters: { a: 41, s: "it's", n: null } });
    await expectRows('ordinal parameter markers', 'select ? as x, ? as b', same([{ x: 1.5, b: true }]), { ordinalParameters: [1.5, true] });
    await expectRows('named parameters in DML', 'insert into medallion_smoke.p (id) values (:id)', null, { namedParameters: { id: 7 } });

    // CSV directory (the Spark path for bronze ingestion; read_files / COPY INTO are Databricks-only).
    await expectRows('create table ... using csv options (path, header)', `create table medallion_smoke.raw_csv using csv options (path '${csvDir}', header 'true')`, null);
    await expectRows('select from the csv table', 'select * from medallion_smoke.raw_csv order by id', same([{ id: '1', name: 'alpha' }, { id: '2', name: 'beta' }, { id: '3', name: 'gamma' }]));
    await expectRows('select * from csv.`/abs/dir` (no header option: _c0.., header rows are data)', `select count(*) as n from csv.\`${csvDir}\``, same([{ n: 5 }]));
    await expectRows('create temporary view ... using csv options (path, header, inferSchema)', `create or replace temporary view raw_csv_v using csv options (path '${csvDir}', header 'true', inferSchema 'true')`, null);
    await expectRows('... typed by inferSchema, into a Delta table', 'create or replace table medallion_smoke.bronze as select *, current_timestamp() as _loaded_at from raw_csv_v', null);
    await expectRows('... bronze rows', 'select id, name from medallion_smoke.bronze order by id', same([{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }, { id: 3, name: 'gamma' }]));
    await expectError('read_files(...) (Databricks-only)', `select * from read_files('${csvDir}', format => 'csv', header => true)`, /UNRESOLVED_ROUTINE|read_files/i);
    await expectError('COPY INTO (Databricks-only)', `copy into medallion_smoke.p from '${csvDir}' fileformat = csv format_options ('header' = 'true')`, /PARSE_SYNTAX_ERROR/);

    // How values come back. Spark only sends column-based row sets, so the driver's JSON path converts them;
    // on Databricks the default is Arrow (Date objects for DATE/TIMESTAMP, etc.).
    await expectRows(
      'value types on the column-based path',
      "select timestamp'2024-01-02 03:04:05' as ts, date'2024-01-02' as d, 1.50bd as dec, 9007199254740993L as big, 42L as small_big, array(1, 2) as arr, map('a', 1) as m, named_struct('x', 1) as st, x'ab' as bin",
      (rows) => {
        const r = rows[0];
        const problems = [];
        if (r.ts !== '2024-01-02 03:04:05') problems.push('ts');
        if (r.d !== '2024-01-02') problems.push('d');
        if (r.dec !== 1.5) problems.push('dec');
        if (r.big !== Infinity) problems.push('big'); // BIGINT beyond 2^53: node-int64 toNumber() gives Infinity
        if (r.small_big !== 42) problems.push('small_big');
        if (JSON.stringify([r.arr, r.m, r.st]) !== '[[1,2],{"a":1},{"x":1}]') problems.push('complex');
        if (!Buffer.isBuffer(r.bin)) problems.push('bin');
        return problems.length ? `unexpected: ${problems.join(', ')}` : null;
      },
    );

    // SQL errors as the product sees them.
    t = Date.now();
    try {
      await query(session, 'select * from medallion_smoke.no_such_table');
      report(false, 'table not found raises OperationStateError');
    } catch (e) {
      const d = describeError(e);
      const ok = d.name === 'OperationStateError' && d.errorCode === 'ERROR' && d.sqlState === '42P01' && /^\[TABLE_OR_VIEW_NOT_FOUND\]/.test(d.message);
      report(ok, 'table not found raises OperationStateError', `${ms(t)} ${JSON.stringify(d)}`);
    }

    // Metadata calls (driver API; Spark runs these on its HTTP threads).
    t = Date.now();
    try {
      const fetch = async (p) => {
        const op = await p;
        const rows = await op.fetchAll();
        await op.close();
        return rows;
      };
      const schemas = await fetch(session.getSchemas({ catalogName: 'spark_catalog' }));
      const tables = await fetch(session.getTables({ catalogName: 'spark_catalog', schemaName: 'medallion_smoke' }));
      const columns = await fetch(session.getColumns({ catalogName: 'spark_catalog', schemaName: 'medallion_smoke', tableName: '%' }));
      const cols = (table) => columns.filter((c) => c.TABLE_NAME === table).map((c) => `${c.COLUMN_NAME}:${c.TYPE_NAME}`).join(',');
      // Spark's GetColumns reads the schema the Hive metastore holds, and Delta tables keep theirs in the
      // Delta log (the metastore has none): no columns for Delta tables, unlike Databricks. Views are fine.
      const ok = schemas.some((r) => r.TABLE_SCHEM === 'medallion_smoke') && tables.some((r) => r.TABLE_NAME === 't') && cols('v') === 'id:BIGINT' && cols('t') === '';
      report(ok, 'getSchemas / getTables / getColumns (no columns for Delta tables on Spark)', `${ms(t)} ${schemas.length} schemas, ${tables.length} tables (${[...new Set(tables.map((r) => r.TABLE_TYPE))].join('/')}), columns of view v: ${cols('v')}, of Delta table t: ${cols('t') || 'none'}, of csv table raw_csv: ${cols('raw_csv') || 'none'}`);
    } catch (e) {
      report(false, 'getSchemas / getTables / getColumns', JSON.stringify(describeError(e)));
    }

    // initialCatalog naming a catalog Spark does not have.
    t = Date.now();
    try {
      const s2 = await client.openSession({ initialCatalog: 'main', initialSchema: 'default' });
      await s2.close();
      report(false, "openSession({ initialCatalog: 'main' }) fails (only spark_catalog exists)");
    } catch (e) {
      const d = describeError(e);
      report(/SCHEMA_NOT_FOUND/.test(d.message), "openSession({ initialCatalog: 'main' }) fails (only spark_catalog exists)", `${ms(t)} ${d.name}: ${d.message.split('\n')[0].slice(0, 200)}`);
    }

    // Concurrent sessions (the product pools one session per thread).
    t = Date.now();
    try {
      const sessions = await Promise.all([1, 2, 3].map(() => client.openSession()));
      const counts = await Promise.all(sessions.map((s, i) => query(s, `select count(*) as n from range(${(i + 1) * 1000})`)));
      await Promise.all(sessions.map((s) => s.close()));
      const ok = JSON.stringify(counts) === '[[{"n":1000}],[{"n":2000}],[{"n":3000}]]';
      report(ok, '3 concurrent sessions', `${ms(t)} ${JSON.stringify(counts)}`);
    } catch (e) {
      report(false, '3 concurrent sessions', JSON.stringify(describeError(e)));
    }

    // Cancel: a query that would run for minutes; operation.cancel() must stop the Spark job. On local[2]
    // a job that kept running would hold both cores, so a small query right after would queue behind it.
    t = Date.now();
    try {
      const op = await session.executeStatement('select count(*) as n from range(0, 100000000000, 1, 2) where id % 7 = 3');
      const fetching = op.fetchAll().then(() => 'finished', (e) => describeError(e));
      await new Promise((r) => setTimeout(r, 3000));
      const tCancel = Date.now();
      await op.cancel();
      const outcome = await fetching;
      const cancelMs = Date.now() - tCancel;
      const other = await client.openSession();
      const tNext = Date.now();
      await query(other, 'select count(*) from range(1000000)');
      const nextMs = Date.now() - tNext;
      await other.close();
      timings.cancel = { cancelMs, nextQueryMs: nextMs };
      const ok = outcome.errorCode === 'CANCELED' && nextMs < 5000;
      report(ok, 'operation.cancel() stops the running Spark job', `cancel→settled ${cancelMs} ms, next query ${nextMs} ms; outcome ${JSON.stringify(outcome)}`);
    } catch (e) {
      report(false, 'operation.cancel() stops the running Spark job', JSON.stringify(describeError(e)));
    }

    await session.close();
  } finally {
    await client.close().catch(() => {});
  }

  // A wrong token is refused with HTTP 403, as Databricks does.
  let t = Date.now();
  const bad = new DBSQLClient({ logger: quietLogger });
  try {
    await bad.connect({ ...wh.connectOptions, token: 'dapi-wrong' });
    await bad.openSession();
    report(false, 'wrong token refused');
  } catch (e) {
    const d = describeError(e);
    report(d.statusCode === 403, 'wrong token refused', `${ms(t)} ${JSON.stringify(d)}`);
  } finally {
    await bad.close().catch(() => {});
  }

  // A child process trusts the warehouse through wh.env (NODE_EXTRA_CA_CERTS), as a language server would.
  t = Date.now();
  {
    const script = `
      const { DBSQLClient } = require('@databricks/sql');
      const o = JSON.parse(process.argv[1]);
      (async () => {
        const c = new DBSQLClient({ logger: { log() {} } });
        await c.connect(o);
        const s = await c.openSession();
        const op = await s.executeStatement('select 2 as two');
        console.log(JSON.stringify(await op.fetchAll()));
        await op.close(); await s.close(); await c.close();
      })().catch((e) => { console.error(e.message); process.exit(1); });`;
    const { customCaCert, ...opts } = wh.connectOptions;
    // Asynchronously: the bridge runs in this process and must keep serving while the child runs.
    const r = await execFileP(process.execPath, ['-e', script, JSON.stringify(opts)], { cwd: here, env: { ...process.env, ...wh.env }, timeout: 60_000 }).catch((e) => e);
    report(String(r.stdout).trim() === '[{"two":2}]', 'child process with wh.env (NODE_EXTRA_CA_CERTS) connects', `${ms(t)} ${String(r.stdout).trim()} ${String(r.stderr).trim().slice(0, 200)}`);
  }

  // The driver's telemetry is on by default (feature-flag GET, then POSTs to /telemetry-ext), but it refuses
  // loopback/private hosts, so against this warehouse nothing is sent even with the defaults.
  t = Date.now();
  const defaults = new DBSQLClient({ logger: quietLogger });
  try {
    const { telemetryEnabled, ...rest } = wh.connectOptions;
    await defaults.connect(rest);
    const s = await defaults.openSession();
    await query(s, 'select 1');
    await s.close();
  } finally {
    await defaults.close().catch(() => {});
  }
  report(wh.requests.length === 0, 'no non-Thrift requests (telemetry, feature flags) reached the warehouse host', JSON.stringify(wh.requests));

}
