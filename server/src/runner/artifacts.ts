/**
 * dbt-compatible artifacts in the target folder: `manifest.json` (schema v12) and
 * `run_results.json` (schema v6), the fields tools that read dbt artifacts rely on.
 * Written to a temp file and renamed: a reader never sees half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Analysis } from '../core/analysis';
import type { Compiler } from '../core/compiler';
import type { Target } from '../core/profiles';
import { exposureManifestEntry } from '../core/loader/exposures';
import { stateView } from '../core/state-view';
import type { RunSummary } from './types';

const DBT_VERSION = '1.12.6';

function writeAtomic(path: string, value: unknown): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(value, null, 2));
  renameSync(temp, path);
}

function metadata(schema: string, invocationId: string, generatedAt: string): Record<string, unknown> {
  return { dbt_schema_version: `https://schemas.getdbt.com/dbt/${schema}`, dbt_version: DBT_VERSION, generated_at: generatedAt, invocation_id: invocationId, env: {} };
}

export function writeManifest(dir: string, analysis: Analysis, compiler: Compiler, target: Target, invocationId: string): string {
  mkdirSync(dir, { recursive: true });
  const nodes: Record<string, unknown> = {};
  const sources: Record<string, unknown> = {};
  const parentMap: Record<string, string[]> = {};
  const childMap: Record<string, string[]> = {};
  const exposures: Record<string, unknown> = {};
  // The fields dbt's state comparison reads, computed as dbt computes them: `--state` on this manifest compares as on dbt's.
  const view = stateView(analysis.project, (file) => {
    try {
      return readFileSync(join(analysis.project.root, file), 'utf8');
    } catch {
      return undefined;
    }
  });
  for (const node of analysis.project.nodes.values()) {
    parentMap[node.uniqueId] = [...node.dependsOn].sort();
    childMap[node.uniqueId] = [...(analysis.graph.children.get(node.uniqueId) ?? [])].sort();
    if (node.resourceType === 'exposure') {
      const folder = analysis.project.config.modelPaths.find((p) => node.file.startsWith(`${p}/`));
      exposures[node.uniqueId] = exposureManifestEntry(node, folder ? node.file.slice(folder.length + 1) : node.file, Date.now() / 1000);
      continue;
    }
    const relation = node.resourceType === 'operation' ? undefined : compiler.relation(node);
    const common = {
      unique_id: node.uniqueId,
      resource_type: node.resourceType,
      package_name: node.packageName,
      name: node.name,
      path: node.file,
      original_file_path: node.file,
      fqn: node.fqn,
      description: node.description ?? '',
      columns: Object.fromEntries(node.columns.map((c) => [c.name, { name: c.name, description: c.description ?? '', data_type: c.dataType ?? null, meta: {}, tags: [] }])),
      meta: node.config.meta,
      tags: node.config.tags,
      config: node.config,
      database: relation?.database ?? null,
      schema: relation?.schema ?? null,
      relation_name: relation && relation.type !== 'cte' ? relation.render() : null,
    };
    const { config: _config, columns: stateColumns, depends_on: stateDepends, description: _d, fqn: _f, ...state } = view.nodes.get(node.uniqueId) ?? { unique_id: node.uniqueId, resource_type: node.resourceType };
    for (const [name, column] of Object.entries((stateColumns ?? {}) as Record<string, object>)) Object.assign((common.columns as Record<string, object>)[name] ?? {}, column);
    if (node.resourceType === 'source') {
      sources[node.uniqueId] = { ...common, source_name: node.source!.sourceName, source_description: node.source!.sourceDescription ?? '', identifier: node.source!.identifier, loader: node.source!.loader ?? '', ...state };
      continue;
    }
    nodes[node.uniqueId] = {
      ...common,
      alias: relation?.identifier ?? node.name,
      version: node.version ?? null,
      latest_version: node.latestVersion ?? null,
      depends_on: { nodes: [...node.dependsOn].sort(), macros: ((stateDepends as { macros?: string[] } | undefined)?.macros ?? []) },
      refs: node.refs.map((r) => ({ name: r.name, package: r.packageName ?? null, version: r.version ?? null })),
      sources: node.sources.map((s) => [s.source, s.table]),
      raw_code: node.resourceType === 'operation' ? node.hook!.sql : (analysis.project.files.get(node.file)?.text ?? ''),
      language: node.file.endsWith('.py') ? 'python' : 'sql',
      ...(node.test ? { test_metadata: { name: node.test.name, kwargs: node.test.kwargs, namespace: node.test.namespace ?? null }, column_name: node.test.columnName ?? null, attached_node: node.test.attachedTo ?? null } : {}),
      ...state,
    };
  }
  const macros: Record<string, unknown> = {};
  for (const list of analysis.project.macros.values()) {
    for (const m of list) macros[`macro.${m.packageName}.${m.name}`] = { path: m.file, original_file_path: m.file, ...view.macros.get(`macro.${m.packageName}.${m.name}`) };
  }
  const path = join(dir, 'manifest.json');
  writeAtomic(path, {
    metadata: { ...metadata('manifest/v12.json', invocationId, new Date().toISOString()), project_name: analysis.project.config.name, adapter_type: target.type },
    nodes,
    sources,
    macros,
    docs: {},
    exposures,
    metrics: {},
    groups: {},
    selectors: {},
    disabled: {},
    parent_map: parentMap,
    child_map: childMap,
    group_map: {},
    saved_queries: {},
    semantic_models: {},
    unit_tests: {},
  });
  return path;
}

const STATUS: Record<string, string> = { success: 'success', error: 'error', pass: 'pass', warn: 'warn', fail: 'fail', skipped: 'skipped', cancelled: 'error', 'no-op': 'no-op' };

export function writeRunResults(dir: string, summary: RunSummary, invocationId: string, args: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'run_results.json');
  writeAtomic(path, {
    metadata: metadata('run-results/v6.json', invocationId, new Date().toISOString()),
    results: summary.results.map((r) => ({
      unique_id: r.uniqueId,
      status: STATUS[r.status],
      timing: [
        { name: 'compile', started_at: r.startedAt, completed_at: r.startedAt },
        { name: 'execute', started_at: r.startedAt, completed_at: r.completedAt },
      ],
      thread_id: r.thread,
      execution_time: r.seconds,
      adapter_response: r.rows !== undefined ? { _message: r.message, rows_affected: r.rows } : {},
      message: r.message,
      failures: r.failures ?? null,
      compiled: r.compiledSql !== undefined,
      compiled_code: r.compiledSql ?? null,
      relation_name: r.relation ?? null,
    })),
    elapsed_time: summary.elapsedSeconds,
    args,
  });
  return path;
}
