/**
 * Compile parity with dbt: compiles every node that dbt compiled for a golden project and
 * compares the SQL with dbt's, whitespace aside (the measure the issue asks for).
 */
import { existsSync, readFileSync } from 'node:fs';
import { analyzeProject } from '../../server/src/core/analysis';
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
export const GOLDEN_INVOCATION_ID = '00000000-0000-4000-8000-000000000000';

export function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
}

export function compileParity(goldenName: string, projectRoot: string, env: Record<string, string | undefined> = {}): ParityNode[] {
  const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', goldenName, 'nodes.json'), 'utf8')) as { nodes: GoldenNode[] };
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, projectRoot);
  const { compiler } = createCompiler(host, analysis, {
    env: { HOME: '/nonexistent', ...env },
    profilesDirs: [projectRoot],
    runStartedAt: GOLDEN_RUN_STARTED_AT,
    invocationId: GOLDEN_INVOCATION_ID,
  });
  const results: ParityNode[] = [];
  for (const node of golden.nodes) {
    if (!node.compiled) continue;
    const expectedPath = testPath('goldens', 'dbt', goldenName, node.compiled);
    if (!existsSync(expectedPath)) continue;
    const expected = readFileSync(expectedPath, 'utf8');
    const id = node.unique_id.split('.').length > 3 && node.resource_type === 'test' ? node.unique_id.split('.').slice(0, 3).join('.') : node.unique_id;
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

function firstDifference(actual: string, expected: string): string {
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  return `at ${i}: ours «${actual.slice(Math.max(0, i - 40), i + 60)}» dbt «${expected.slice(Math.max(0, i - 40), i + 60)}»`;
}

/**
 * Graph parity: for every node in dbt's manifest, the same node exists here with the same
 * dependencies and (where dbt names one) the same relation. Returns the differences.
 */
export function graphParity(goldenName: string, projectRoot: string, options: { verifyParse?: boolean } = {}): { compared: number; differences: string[] } {
  const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', goldenName, 'nodes.json'), 'utf8')) as {
    nodes: Array<GoldenNode & { depends_on: string[] }>;
    disabled: Array<{ unique_id: string }>;
  };
  const host = new NodeFileHost();
  const analysis = analyzeProject(host, projectRoot, options.verifyParse ? { verifyParse: true } : {});
  const { compiler } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [projectRoot] });
  // dbt suffixes generic test ids with a hash of their arguments; ours stop at the name.
  const strip = (id: string): string => (id.startsWith('test.') && id.split('.').length > 3 ? id.split('.').slice(0, 3).join('.') : id);
  const differences: string[] = [];
  const goldenIds = new Set(golden.nodes.map((n) => strip(n.unique_id)));
  for (const n of golden.nodes) {
    const id = strip(n.unique_id);
    const ours = analysis.project.nodes.get(id);
    if (!ours) {
      differences.push(`${id}: missing`);
      continue;
    }
    const expected = [...new Set(n.depends_on.map(strip))].sort().join(',');
    const actual = [...new Set(ours.dependsOn)].sort().join(',');
    if (expected !== actual) differences.push(`${id}: depends on [${actual}], dbt says [${expected}]`);
    if (n.relation_name) {
      const relation = compiler.relation(ours).render();
      if (relation !== n.relation_name) differences.push(`${id}: relation ${relation}, dbt says ${n.relation_name}`);
    }
  }
  for (const id of analysis.project.nodes.keys()) if (!goldenIds.has(id)) differences.push(`${id}: not in dbt's manifest`);
  // Disabled nodes: the same set (dbt lists them in manifest.disabled).
  const disabled = new Set([...analysis.project.disabled.values()].flat().map((n) => strip(n.uniqueId)));
  const goldenDisabled = new Set(golden.disabled.map((n) => strip(n.unique_id)));
  for (const id of goldenDisabled) if (!disabled.has(id)) differences.push(`${id}: disabled in dbt, ${analysis.project.nodes.has(id) ? 'enabled' : 'missing'} here`);
  for (const id of disabled) if (!goldenDisabled.has(id)) differences.push(`${id}: disabled here, not in dbt's manifest.disabled`);
  // Parse-time problems (render failures, verify-mode disagreements) are differences too.
  for (const d of analysis.diagnostics) if (d.severity === 'error') differences.push(`${d.file}: ${d.code}: ${d.message}`);
  return { compared: golden.nodes.length, differences };
}
