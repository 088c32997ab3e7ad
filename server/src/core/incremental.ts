/**
 * Editing one model must not rebuild the project. When a model's SQL changes and the file still
 * defines the same single node with the same literal config, only that file is rescanned and only
 * that node's edges and problems are recomputed, in place. Anything else (yml, macros, snapshots,
 * config() changes, edits that touch a cycle) answers false: the caller reloads the project.
 */
import type { Analysis } from './analysis';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { checkNodeLayers, resolveDependencies } from './graph';
import { MAX_FILE_BYTES } from './host';
import type { ScanCache } from './loader';

/** Problems that belong to one node's text and edges, recomputed on an incremental edit. */
const PER_NODE: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>(['unknown-ref', 'unknown-source', 'disabled-ref', 'layer-violation', 'jinja-syntax']);

export function updateModelText(analysis: Analysis, file: string, text: string, cache: ScanCache): boolean {
  const { project, graph } = analysis;
  const entry = project.files.get(file);
  if (!entry || (entry.kind !== 'model' && entry.kind !== 'analysis') || entry.nodeIds.length !== 1) return false;
  const node = project.nodes.get(entry.nodeIds[0]!);
  if (!node || node.file !== file) return false;
  if (text.length > MAX_FILE_BYTES || text.includes('\u0000')) return false;
  // A file that was unreadable (binary, huge) had no scan to update: reload.
  if (entry.text === undefined) return false;
  if (graph.cycles.some((cycle) => cycle.includes(node.uniqueId))) return false;
  const scanned = cache.scan(file, text);
  if (scanned.blocks.length > 0 || entry.blocks.length > 0) return false;
  const configKey = (calls: typeof scanned.configs): string => JSON.stringify(calls.map((c) => [c.values, c.dynamicKeys]));
  if (configKey(scanned.configs) !== configKey(node.configCalls)) return false;

  entry.text = text;
  node.refs = scanned.refs;
  node.sources = scanned.sources;
  node.dynamic = scanned.dynamic;
  node.configCalls = scanned.configs;
  node.macroCalls = scanned.macroCalls;

  const fresh: Diagnostic[] = scanned.problems.map((p) => ({ code: 'jinja-syntax', severity: 'error', file, span: p.span, message: p.message }));
  const before = [...node.dependsOn].sort();
  const after = resolveDependencies(graph, node, () => [...graph.refTargets.keys()], fresh);
  if (before.join('\n') !== [...after].sort().join('\n')) {
    // A new parent that already depends on this node closes a cycle: let a full load report it.
    // Search upward from the new parents only (removing edges never makes a cycle).
    const added = after.filter((p) => !before.includes(p));
    if (added.some((p) => p === node.uniqueId || dependsOnTransitively(graph, p, node.uniqueId))) return false;
    for (const parent of before) {
      const children = graph.children.get(parent);
      if (children) graph.children.set(parent, children.filter((c) => c !== node.uniqueId));
    }
    for (const parent of after) {
      const children = graph.children.get(parent);
      if (children) children.push(node.uniqueId);
      else graph.children.set(parent, [node.uniqueId]);
    }
    node.dependsOn = after;
    graph.parents.set(node.uniqueId, after);
  }
  checkNodeLayers(graph, node, fresh);
  const kept = analysis.diagnostics.filter((d) => !(d.file === file && PER_NODE.has(d.code)));
  analysis.diagnostics.length = 0;
  analysis.diagnostics.push(...kept, ...fresh);
  return true;
}

/** Whether `from` reaches `target` through parent edges (early exit when found). */
function dependsOnTransitively(graph: Analysis['graph'], from: string, target: string): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    for (const parent of graph.parents.get(stack.pop()!) ?? []) {
      if (parent === target) return true;
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return false;
}
