/**
 * The column model on a warehouse (opted in: `DESCRIBE QUERY`), on Spark through the unmodified
 * driver: a small project is built, the column model's types equal DESCRIBE of the built tables,
 * a misspelled column is reported at its line and column, a column added upstream but not built
 * yet is not reported, and columns come from the cache in target/ when the warehouse is not asked.
 * Run by `npm run test:databricks`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openColumnService } from '../../server/src/columns/open';
import type { ColumnService } from '../../server/src/columns/service';
import { analyzeProject } from '../../server/src/core/analysis';
import type { ColumnModel } from '../../server/src/core/columns/model';
import { createCompiler } from '../../server/src/core/session';
import { LineIndex } from '../../server/src/core/text';
import { DescribeQueryBinder } from '../../server/src/engines/databricks/describe';
import { NodeFileHost } from '../../server/src/node/fs-host';
import { openEngine, runProject } from '../../server/src/runner/project-run';

const env = process.env as Record<string, string | undefined>;
const SCHEMA = `medallion_columns_${process.pid}`;

function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'medallion-spark-columns-'));
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nmodels:\n  p:\n    +materialized: table\n',
    'profiles.yml': [
      'p:',
      '  target: spark',
      '  outputs:',
      '    spark:',
      '      type: databricks',
      "      host: \"{{ env_var('DATABRICKS_HOST') }}\"",
      "      port: \"{{ env_var('DATABRICKS_PORT') }}\"",
      "      http_path: \"{{ env_var('DATABRICKS_HTTP_PATH') }}\"",
      "      token: \"{{ env_var('DATABRICKS_TOKEN') }}\"",
      '      catalog: spark_catalog',
      `      schema: ${SCHEMA}`,
      '      threads: 1',
      '',
    ].join('\n'),
    'seeds/kinds.csv': 'id,name\n1,a\n2,b\n',
    'models/base.sql': "select\n    id,\n    name,\n    cast(id * 10 as decimal(10,2)) as amount\nfrom {{ ref('kinds') }}\n",
    'models/report.sql': "select\n    b.name,\n    sum(b.amount) as total\nfrom {{ ref('base') }} as b\ngroup by b.name\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe('databricks: the column model with DESCRIBE QUERY (opted in)', () => {
  let root: string;
  let service: ColumnService;
  let version = 1;
  const host = new NodeFileHost();

  const refresh = (changed?: string): Promise<ColumnModel> => {
    const analysis = analyzeProject(host, root);
    const { compiler } = createCompiler(host, analysis, { env, profilesDirs: [root] });
    return service.submit({ analysis, compiler, version: ++version, ...(changed ? { changed: new Set([changed]) } : {}) });
  };

  before(async () => {
    root = project();
    const analysis = analyzeProject(host, root);
    const summary = await runProject(host, analysis, { command: 'build', threads: 0, env, profilesDirs: [root] });
    assert.equal(summary.fatal, undefined);
    assert.deepEqual(summary.results.map((r) => [r.name, r.status]), [['kinds', 'success'], ['base', 'success'], ['report', 'success']]);
    const { resolved } = createCompiler(host, analysis, { env, profilesDirs: [root] });
    service = await openColumnService(resolved.target, { projectRoot: root, env, describeQuery: true });
  });

  after(async () => {
    await service?.close();
    const analysis = analyzeProject(host, root);
    const { resolved } = createCompiler(host, analysis, { env, profilesDirs: [root] });
    const engine = await openEngine(resolved.target, root, env);
    const session = await engine.acquire();
    await session.execute(`drop schema if exists spark_catalog.${SCHEMA} cascade`).catch(() => undefined);
    await engine.close();
  });

  it('the columns and types DESCRIBE QUERY gives equal DESCRIBE of the built tables', async () => {
    const model = await refresh();
    const analysis = analyzeProject(host, root);
    const { compiler, resolved } = createCompiler(host, analysis, { env, profilesDirs: [root] });
    const engine = await openEngine(resolved.target, root, env);
    try {
      const session = await engine.acquire();
      for (const name of ['kinds', 'base', 'report']) {
        const node = [...analysis.project.nodes.values()].find((n) => n.name === name)!;
        const built = await session.relationInfo(compiler.relation(node));
        assert.ok(built, name);
        assert.deepEqual(model.columnsOf(node.uniqueId)?.map((c) => `${c.name}: ${c.type}`), built.columns.map((c) => `${c.name}: ${c.type}`), name);
        assert.equal(model.get(node.uniqueId)!.exact, true, name);
      }
    } finally {
      await engine.close();
    }
    assert.deepEqual(model.columnsOf('model.p.report')!.map((c) => c.name), ['name', 'total']);
    // Lineage by DuckDB's parser (not this warehouse's): not exact.
    assert.equal(model.get('model.p.report')!.lineage, 'parser');
    assert.deepEqual(model.columnsOf('model.p.report')![1]!.from, [{ nodeId: 'model.p.base', column: 'amount' }]);
  });

  it('a misspelled column is reported at its line and column', async () => {
    const path = join(root, 'models/report.sql');
    const good = readFileSync(path, 'utf8');
    const bad = good.replace('sum(b.amount)', 'sum(b.amont)');
    writeFileSync(path, bad);
    try {
      const model = await refresh('models/report.sql');
      const problems = model.get('model.p.report')!.problems;
      assert.equal(problems.length, 1, JSON.stringify(model.get('model.p.report')));
      assert.equal(problems[0]!.code, 'column-unknown');
      const lines = new LineIndex(bad);
      assert.equal(lines.position(problems[0]!.span!.start).line, lines.position(bad.indexOf('b.amont')).line);
      assert.match(problems[0]!.message, /^Databricks \(target spark\): .*UNRESOLVED_COLUMN/);
    } finally {
      writeFileSync(path, good);
      await refresh('models/report.sql');
    }
  });

  it('a column added upstream and not built yet is not reported (the warehouse lags behind the project)', async () => {
    const base = join(root, 'models/base.sql');
    const report = join(root, 'models/report.sql');
    const goodBase = readFileSync(base, 'utf8');
    const goodReport = readFileSync(report, 'utf8');
    writeFileSync(base, goodBase.replace('    name,', "    name,\n    'x' as extra,"));
    writeFileSync(report, goodReport.replace('    b.name,', '    b.name,\n    max(b.extra) as extra,'));
    try {
      const model = await refresh();
      assert.ok(model.columnsOf('model.p.base')!.some((c) => c.name === 'extra'));
      assert.deepEqual(model.get('model.p.report')!.problems, []);
      assert.equal(model.get('model.p.report')!.exact, false);
    } finally {
      writeFileSync(base, goodBase);
      writeFileSync(report, goodReport);
      await refresh();
    }
  });

  it('columns are cached in target/ by compiled SQL: a later session answers without the warehouse', async () => {
    await service.close();
    const analysis = analyzeProject(host, root);
    const { compiler, resolved } = createCompiler(host, analysis, { env, profilesDirs: [root] });
    const sql = compiler.compile('model.p.base').sql!;
    const offline = new DescribeQueryBinder({ ...resolved.target, settings: { ...resolved.target.settings, token: 'dapi-wrong' } }, { ...env, DATABRICKS_TOKEN: 'dapi-wrong' }, root);
    try {
      assert.deepEqual((await offline.bind(sql)).columns?.map((c) => c.name), ['id', 'name', 'amount']);
      const unseen = await offline.bind(`${sql}\n-- never described`);
      assert.equal(unseen.problem?.kind, 'unavailable');
    } finally {
      await offline.close();
    }
    service = await openColumnService(resolved.target, { projectRoot: root, env, describeQuery: true });
  });
});
