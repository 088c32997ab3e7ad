/**
 * `medallion source freshness` against the pinned dbt-core (test/goldens/dbt/workflows/freshness.json
 * from scripts/dbt-workflow-goldens.sh): on test/fixtures/workflows every source dbt measures gets
 * dbt's status, max_loaded_at and criteria, and sources.json has dbt's shape. Where dbt cannot
 * measure a landing source (no loaded_at_field: "does not support metadata-based freshness"),
 * Medallion measures its landing files' arrival times: tested with pinned file times and clock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { fixedClock } from '../server/src/core/clock';
import { freshnessOf, freshnessStatus, parseTimestamp } from '../server/src/core/freshness';
import { NodeFileHost } from '../server/src/node/fs-host';
import { runFreshness } from '../server/src/runner/freshness';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

type Entry = Record<string, unknown> & { unique_id: string; status: string };
const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'freshness.json'), 'utf8')) as { statuses: Record<string, string>; sources_json: { metadata: Record<string, unknown>; results: Entry[] } & Record<string, unknown> };

function fixtureCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'medallion-freshness-'));
  cpSync(testPath('fixtures', 'workflows'), root, { recursive: true });
  return root;
}

const NOW = new Date('2025-06-01T12:00:00Z');

describe('source freshness, as dbt-core (test/fixtures/workflows)', () => {
  it('every source dbt measures: its status, max_loaded_at and criteria; sources.json in dbt\'s shape', async () => {
    const root = fixtureCopy();
    // The customers' landing file arrived two days before the check (the only source dbt cannot measure).
    const arrived = new Date(NOW.getTime() - 2 * 86400_000);
    for (const f of readdirSync(join(root, 'landing-data', 'customers'))) utimesSync(join(root, 'landing-data', 'customers', f), arrived, arrived);
    const host = new NodeFileHost();
    const run = await runFreshness(host, analyzeProject(host, root), { env: {}, profilesDirs: [root], clock: fixedClock(NOW) });
    assert.equal(run.fatal, undefined);
    const ours = Object.fromEntries(run.outcomes.map((o) => [o.uniqueId, o.status]));
    for (const [id, status] of Object.entries(golden.statuses)) {
      if (id === 'source.workflows.landing.customers') {
        assert.equal(status, 'runtime error', 'dbt cannot measure it');
        assert.equal(ours[id], 'warn', 'Medallion measures its files: two days old, warn_after one day');
      } else {
        assert.equal(ours[id], status, id);
      }
    }
    assert.deepEqual(run.skipped, ['source.workflows.landing.countries'], 'freshness: null');
    const written = JSON.parse(readFileSync(join(root, 'target', 'sources.json'), 'utf8')) as typeof golden.sources_json;
    assert.deepEqual(Object.keys(written).sort(), Object.keys(golden.sources_json).sort());
    assert.deepEqual(Object.keys(written.metadata).sort(), Object.keys(golden.sources_json.metadata).sort());
    assert.equal(written.metadata.dbt_schema_version, golden.sources_json.metadata.dbt_schema_version);
    for (const expected of golden.sources_json.results) {
      const entry = written.results.find((r) => r.unique_id === expected.unique_id);
      assert.ok(entry, expected.unique_id);
      assert.deepEqual(Object.keys(entry).sort(), Object.keys(expected).sort(), `keys of ${expected.unique_id}`);
      for (const key of ['status', 'max_loaded_at', 'criteria']) assert.deepEqual(entry[key], expected[key], `${key} of ${expected.unique_id}`);
      assert.equal(entry.snapshotted_at, '2025-06-01T12:00:00+00:00');
    }
    const customers = written.results.find((r) => r.unique_id === 'source.workflows.landing.customers')!;
    assert.equal(customers.max_loaded_at, '2025-05-30T12:00:00+00:00');
    assert.equal(customers.max_loaded_at_time_ago_in_s, 172800);
  });

  it('the command: a selection, exit 1 on error, 0 on warn; a landing folder without files is a runtime error naming it', () => {
    const root = fixtureCopy();
    const bin = testPath('..', 'bin', 'medallion.js');
    const run = (args: string[]): { code: number; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, [bin, 'source', 'freshness', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent' } });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const warn = run(['-s', 'source:landing.orders']);
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stdout, /^1 of 1 WARN freshness of landing\.orders: newest row 2024-01-03T10:45:00\.000Z, \d+d ago$/m);
    const strict = run(['-s', 'source:landing.orders_strict', '--output', 'json']);
    assert.equal(strict.code, 1);
    assert.equal((JSON.parse(strict.stdout) as { results: Array<{ status: string }> }).results[0]!.status, 'error');
    rmSync(join(root, 'landing-data', 'customers'), { recursive: true });
    const none = run(['-s', 'source:landing.customers']);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /ERROR freshness of landing\.customers: Could not compute freshness for source landing\.customers: no \.csv files have landed in landing-data\/customers\//);
  });

  it('thresholds merged as dbt merges them: source, source config, table, table config, then dbt_project.yml; null resets', () => {
    const root = tempProject({
      'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nsources:\n  p:\n    +freshness: {warn_after: {count: 3, period: hour}}\n',
      'models/sources.yml': [
        'version: 2',
        'sources:',
        '  - name: s',
        '    freshness: {warn_after: {count: 1, period: day}, error_after: {count: 2, period: day}}',
        '    loaded_at_field: at',
        '    tables:',
        '      - name: inherits',
        '      - name: overrides',
        '        config: {freshness: {warn_after: {count: 6}}, loaded_at_field: other_at}',
        '      - name: nulled',
        '        freshness: null',
        '      - name: nulled_then_set',
        '        freshness: null',
        '        config: {freshness: {error_after: {count: 5, period: minute}}}',
        '  - name: bare',
        '    tables: [{name: from_project}]',
        '',
      ].join('\n'),
    });
    const analysis = analyzeProject(new NodeFileHost(), root);
    const spec = (id: string): unknown => {
      const s = freshnessOf(analysis.project, analysis.graph.node(id)!);
      return s && { warn: s.criteria.warn_after, error: s.criteria.error_after, field: s.loadedAtField };
    };
    assert.deepEqual(spec('source.p.s.inherits'), { warn: { count: 1, period: 'day' }, error: { count: 2, period: 'day' }, field: 'at' });
    assert.deepEqual(spec('source.p.s.overrides'), { warn: { count: 6, period: 'day' }, error: { count: 2, period: 'day' }, field: 'other_at' });
    assert.equal(spec('source.p.s.nulled'), undefined);
    assert.deepEqual(spec('source.p.s.nulled_then_set'), { warn: { count: null, period: null }, error: { count: 5, period: 'minute' }, field: 'at' });
    assert.deepEqual(spec('source.p.bare.from_project'), { warn: { count: 3, period: 'hour' }, error: { count: null, period: null }, field: undefined });
  });

  it('status and timestamps: error before warn, strictly greater than the threshold; warehouse timestamp texts', () => {
    const criteria = { warn_after: { count: 1, period: 'hour' as const }, error_after: { count: 2, period: 'hour' as const }, filter: null };
    assert.equal(freshnessStatus(criteria, 3600), 'pass');
    assert.equal(freshnessStatus(criteria, 3601), 'warn');
    assert.equal(freshnessStatus(criteria, 7201), 'error');
    assert.equal(parseTimestamp('2024-01-03 10:45:00')?.toISOString(), '2024-01-03T10:45:00.000Z');
    assert.equal(parseTimestamp('2024-01-03 10:45:00.123456')?.toISOString(), '2024-01-03T10:45:00.123Z');
    assert.equal(parseTimestamp('2024-01-03 10:45:00+02')?.toISOString(), '2024-01-03T08:45:00.000Z');
    assert.equal(parseTimestamp('2024-01-03T10:45:00-0130')?.toISOString(), '2024-01-03T12:15:00.000Z');
    assert.equal(parseTimestamp('2024-01-03')?.toISOString(), '2024-01-03T00:00:00.000Z');
    assert.equal(parseTimestamp('yesterday'), undefined);
    assert.equal(parseTimestamp(42), undefined);
  });
});
