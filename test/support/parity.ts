/**
 * Compile parity with dbt: compiles every node that dbt compiled for a golden project and
 * compares the SQL with dbt's, whitespace aside (the measure the issue asks for).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { analyzeProject } from '../../server/src/core/analysis';
import { fixedClock, type Clock } from '../../server/src/core/clock';
import { createCompiler } from '../../server/src/core/session';
import { NodeFileHost } from '../../server/src/node/fs-host';
import { testPath } from './golden';

export interface ParityNode {
  uniqueId: string;
  status: 'match' | 'differs' | 'failed' | 'missing';
  detail?: string;
}

interface GoldenNode {
  unique_id: string;
  resource_type: string;
  compiled: string | null;
  relation_name: string | null;
}

/** Pinned like scripts/dbt_goldens/run_dbt.py pins dbt. */
export const GOLDEN_RUN_STARTED_AT = new Date('2024-01-01T00:00:00Z');
/** The clock dbt ran with for the goldens: parse and compile of one invocation read the same one. */
export function goldenClock(): Clock {
  return fixedClock(GOLDEN_RUN_STARTED_AT);
}
export const GOLDEN_INVOCATION_ID = '00000000-0000-4000-8000-000000000000';

/** Public projects fetched from PyPI sdists by scripts/fetch-public-project.sh (not committed). */
export const PUBLIC_PROJECTS_DIR = testPath('..', '.cache', 'public-projects');
const PUBLIC_PROJECTS = ['jaffle_shop_duckdb', 'sushi_dbt', 'sushi_test', 'dagster_jaffle_shop', 'dagster_asset_checks', 'dagster_model_versions', 'dagster_snapshot', 'dagster_unit_tests'];

/** Every project with dbt goldens, as [golden name, folder]: the sample, xdb, the public projects, the parity fixtures. */
export function goldenProjects(): Array<[string, string]> {
  return [
    ['medallion_retail', testPath('..', 'models')],
    ['xdb', testPath('fixtures', 'xdb')],
    ...PUBLIC_PROJECTS.map((p): [string, string] => [p, `${PUBLIC_PROJECTS_DIR}/${p}`]),
    ...parityFixtures(),
  ];
}

/**
 * The fixture projects under test/fixtures/parity/ as [golden name, folder] (the project is the
 * folder itself or its `project/` subfolder): each has goldens in test/goldens/dbt/<name>/.
 * `duplicate_relation` is left out: dbt refuses to parse it (its golden is dbt's error).
 */
export function parityFixtures(): Array<[string, string]> {
  const root = testPath('fixtures', 'parity');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'duplicate_relation')
    .map((d): [string, string] => [d.name, existsSync(`${root}/${d.name}/dbt_project.yml`) ? `${root}/${d.name}` : `${root}/${d.name}/project`])
    .filter(([, dir]) => existsSync(`${dir}/dbt_project.yml`))
    .sort(([a], [b]) => a.localeCompare(b));
}

export function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
}

export function compileParity(goldenName: string, projectRoot: string, env: Record<string, string | undefined> = {}): ParityNode[] {
  const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', goldenName, 'nodes.json'), 'utf8')) as { nodes: GoldenNode[] };
  const host = new NodeFileHost();
  const clock = goldenClock();
  const analysis = analyzeProject(host, projectRoot, { clock });
  const { compiler } = createCompiler(host, analysis, {
    env: { HOME: '/nonexistent', ...env },
    profilesDirs: [projectRoot],
    clock,
    invocationId: GOLDEN_INVOCATION_ID,
  });
  const results: ParityNode[] = [];
  for (const node of golden.nodes) {
    if (!node.compiled) continue;
    const expectedPath = testPath('goldens', 'dbt', goldenName, node.compiled);
    if (!existsSync(expectedPath)) continue;
    const expected = readFileSync(expectedPath, 'utf8');
    const id = node.unique_id;
    if (!analysis.project.nodes.has(id)) {
      results.push({ uniqueId: node.unique_id, status: 'missing', detail: 'no such node in our graph' });
      continue;
    }
    const result = compiler.compile(id);
    if (result.sql === undefined) {
      results.push({ uniqueId: node.unique_id, status: 'failed', detail: result.diagnostics.map((d) => d.message).join('; ') });
    } else if (normalizeSql(result.sql) === normalizeSql(expected)) {
      results.push({ uniqueId: node.unique_id, status: 'match' });
    } else {
      results.push({ uniqueId: node.unique_id, status: 'differs', detail: firstDifference(normalizeSql(result.sql), normalizeSql(expected)) });
    }
  }
  return results;
}

/** Where two normalised SQL texts part, with some context on both sides. */
export function firstDifference(actual: string, expected: string): string {
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  return `at ${i}: ours «${actual.slice(Math.max(0, i - 40), i + 60)}» dbt «${expected.slice(Math.max(0, i - 40), i + 60)}»`;
}

/** `config.enabled` of each node in the `nodes` of dbt's manifest.json golden, when the golden has one. */
function goldenEnabledStates(goldenName: string): Map<string, boolean> | undefined {
  const path = testPath('goldens', 'dbt', goldenName, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { nodes?: Record<string, { config?: { enabled?: boolean } }> };
  const states = new Map<string, boolean>();
  for (const [id, node] of Object.entries(manifest.nodes ?? {})) if (typeof node.config?.enabled === 'boolean') states.set(id, node.config.enabled);
  return states;
}

/**
 * Graph parity: for every node in dbt's manifest, the same node (same unique id) exists here with
 * the same enabled state, dependencies, materialization and tags and (where dbt names one) the
 * same relation; nodes dbt disabled are disabled here. Returns the differences, one line each,
 * and how many of dbt's nodes agree on everything.
 */
export function graphParity(goldenName: string, projectRoot: string, options: { verifyParse?: boolean } = {}): { compared: number; agreeing: number; differences: string[] } {
  const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', goldenName, 'nodes.json'), 'utf8')) as {
    nodes: Array<GoldenNode & { depends_on: string[]; materialized: string | null; tags: string[] }>;
    disabled: Array<{ unique_id: string }>;
  };
  const goldenEnabled = goldenEnabledStates(goldenName);
  const host = new NodeFileHost();
  const clock = goldenClock();
  const analysis = analyzeProject(host, projectRoot, { clock, ...(options.verifyParse ? { verifyParse: true } : {}) });
  const { compiler } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [projectRoot], clock });
  const differences: string[] = [];
  const goldenIds = new Set(golden.nodes.map((n) => n.unique_id));
  const ourDisabled = new Set([...analysis.project.disabled.values()].flat().map((n) => n.uniqueId));
  let agreeing = 0;
  for (const n of golden.nodes) {
    const id = n.unique_id;
    const ours = analysis.project.nodes.get(id);
    if (!ours) {
      differences.push(`${id}: ${ourDisabled.has(id) ? 'disabled here, enabled in dbt' : 'missing'}`);
      continue;
    }
    const before = differences.length;
    const expected = [...new Set(n.depends_on)].sort().join(',');
    const actual = [...new Set(ours.dependsOn)].sort().join(',');
    if (expected !== actual) differences.push(`${id}: depends on [${actual}], dbt says [${expected}]`);
    if (n.materialized && ours.config.materialized !== n.materialized) differences.push(`${id}: materialized ${ours.config.materialized}, dbt says ${n.materialized}`);
    const tags = (t: string[]): string => [...t].sort().join(',');
    // dbt's node tags (a generic test's holds its column's tags too, each once), not config.tags.
    const ourTags = ours.tags ?? ours.config.tags;
    if (tags(ourTags) !== tags(n.tags)) differences.push(`${id}: tags [${tags(ourTags)}], dbt says [${tags(n.tags)}]`);
    // dbt keeps some disabled tests among its nodes (a test referring to a disabled model): `enabled: false`.
    const enabled = goldenEnabled?.get(id);
    if (enabled !== undefined && enabled !== ours.config.enabled) differences.push(`${id}: enabled ${ours.config.enabled}, dbt says ${enabled}`);
    if (n.relation_name) {
      const relation = compiler.relation(ours).render();
      if (relation !== n.relation_name) differences.push(`${id}: relation ${relation}, dbt says ${n.relation_name}`);
    }
    if (differences.length === before) agreeing++;
  }
  for (const id of analysis.project.nodes.keys()) if (!goldenIds.has(id)) differences.push(`${id}: not in dbt's manifest`);
  const goldenDisabled = new Set(golden.disabled.map((d) => d.unique_id));
  for (const id of goldenDisabled) if (!ourDisabled.has(id) && !analysis.project.nodes.has(id)) differences.push(`${id}: disabled in dbt, missing here`);
  for (const id of ourDisabled) if (!goldenDisabled.has(id) && !goldenIds.has(id)) differences.push(`${id}: disabled here, not in dbt's manifest`);
  // Parse-time problems (render failures, verify-mode disagreements) are differences too.
  for (const d of analysis.diagnostics) if (d.severity === 'error') differences.push(`${d.file}: ${d.code}: ${d.message}`);
  return { compared: golden.nodes.length, agreeing, differences };
}
