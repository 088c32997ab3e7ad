/**
 * Editing one model must not rebuild the project. When a model's SQL changes and the file still
 * defines the same single node with the same config() result, that node alone is read again as
 * parse time reads it (re-rendered, or rescanned where the fast path applies) and only its edges
 * and problems are recomputed, in place; cycles are recomputed only when the node is on one
 * before or after the edit, and only around it. A macro file edit that keeps its macro names
 * redefines those macros and names the nodes whose render used them, for the caller to re-render
 * (`reparseNodes`, in slices it can interrupt). Anything else (yml, a config() change, snapshots,
 * macros added or removed) answers false: the caller reloads the project.
 */
import type { Analysis } from './analysis';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { checkNodeLayers, recomputeCyclesThrough, resolveDependencies, type ProjectGraph } from './graph';
import { MAX_FILE_BYTES } from './host';
import { parseTimeOf, type ScanCache } from './loader';
import type { ProjectNode } from './model';
import type { ScanResult } from './scanner';

/** Problems that belong to one node's text and edges, recomputed on an incremental edit. */
const PER_NODE: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>(['unknown-ref', 'unknown-source', 'disabled-ref', 'layer-violation', 'jinja-syntax', 'jinja-render']);

/**
 * Applies a model's new text in place when that is provably what a full load would give; false
 * otherwise. `changed` receives every file whose problems may differ (the edited file, and the
 * files of the cycles that appeared or went away).
 */
export function updateModelText(analysis: Analysis, file: string, text: string, cache: ScanCache, changed?: Set<string>): boolean {
  const { project } = analysis;
  const entry = project.files.get(file);
  if (!entry || (entry.kind !== 'model' && entry.kind !== 'analysis') || entry.nodeIds.length !== 1) return false;
  const node = project.nodes.get(entry.nodeIds[0]!);
  if (!node || node.file !== file) return false;
  if (text.length > MAX_FILE_BYTES || text.includes('\u0000')) return false;
  // A file that was unreadable (binary, huge) had no scan to update: reload.
  if (entry.text === undefined) return false;
  const scanned = cache.scan(file, text);
  if (scanned.blocks.length > 0 || entry.blocks.length > 0) return false;
  const before = entry.text;
  entry.text = text;
  if (!reparseNode(analysis, node, scanned, changed)) {
    entry.text = before;
    return false;
  }
  return true;
}

/**
 * Reads one node again from its file's current text and applies what changed: refs, sources,
 * macros used, its problems and edges. False (nothing applied) when its config() result changed:
 * enabled, materialization or naming may follow, which a reload settles.
 */
function reparseNode(analysis: Analysis, node: ProjectNode, scanned: ScanResult, changed?: Set<string>): boolean {
  const { project, graph } = analysis;
  const file = node.file;
  const text = project.files.get(file)?.text ?? '';
  const parser = parseTimeOf(project);
  const fresh: Diagnostic[] = scanned.problems.map((p) => ({ code: 'jinja-syntax', severity: 'error', file, span: p.span, message: p.message }));
  if (parser && node.parsed) {
    const parsed = parser.reparse(node, text, scanned);
    if (configKey(parsed.call) !== configKey(node.configLayers?.call ?? {})) return false;
    node.refs = parsed.refs;
    node.sources = parsed.sources;
    node.parsed = { by: parsed.by, macros: parsed.macros, uses: parsed.uses };
    fresh.push(...parsed.diagnostics);
  } else {
    const call: Record<string, unknown> = {};
    for (const c of scanned.configs) Object.assign(call, c.values);
    if (configKey(call) !== configKey(Object.assign({}, ...node.configCalls.map((c) => c.values)) as Record<string, unknown>)) return false;
    if (JSON.stringify(scanned.configs.map((c) => c.dynamicKeys)) !== JSON.stringify(node.configCalls.map((c) => c.dynamicKeys))) return false;
    node.refs = scanned.refs;
    node.sources = scanned.sources;
  }
  node.dynamic = scanned.dynamic;
  node.configCalls = scanned.configs;
  node.macroCalls = scanned.macroCalls;

  const before = node.dependsOn;
  const after = resolveDependencies(graph, node, () => graph.refNames(), fresh);
  const added = after.filter((p) => !before.includes(p));
  const edgesChanged = added.length > 0 || before.some((p) => !after.includes(p));
  if (edgesChanged) {
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
  // Cycles can change only through this node: when it was on one (its spans moved, its edges may
  // have broken it), or when a new parent is reachable from it (the new edge closes one).
  // Removing edges from a node on no cycle never makes one.
  const removed = new Set<Diagnostic>();
  if (graph.cyclic.has(node.uniqueId) || (added.length > 0 && closesCycle(graph, node.uniqueId, added))) {
    levelsOf.delete(graph);
    const cycles = recomputeCyclesThrough(graph, node.uniqueId);
    for (const d of cycles.removed) {
      removed.add(d);
      changed?.add(d.file);
    }
    for (const d of cycles.added) {
      fresh.push(d);
      changed?.add(d.file);
    }
  }
  checkNodeLayers(graph, node, fresh);
  const kept = analysis.diagnostics.filter((d) => !(d.file === file && PER_NODE.has(d.code)) && !removed.has(d));
  analysis.diagnostics.length = 0;
  analysis.diagnostics.push(...kept, ...fresh);
  changed?.add(file);
  return true;
}

function configKey(call: Record<string, unknown>): string {
  return JSON.stringify(Object.entries(call).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * A macro file's new text applied in place when it defines the same macros as before: they are
 * defined again and the nodes whose render used any of them are returned, to be re-rendered
 * (`reparseNodes`). Undefined when that cannot be done in place (macros added, removed or
 * renamed change what every name means): the caller reloads.
 */
export function updateMacroText(analysis: Analysis, file: string, text: string, cache: ScanCache, changed?: Set<string>): string[] | undefined {
  const { project } = analysis;
  const entry = project.files.get(file);
  const parser = parseTimeOf(project);
  if (!entry || !parser || (entry.kind !== 'macro' && entry.kind !== 'test') || entry.nodeIds.length > 0 || entry.text === undefined) return undefined;
  if (text.length > MAX_FILE_BYTES || text.includes('\u0000')) return undefined;
  const scanned = cache.scan(file, text);
  const names = (blocks: ScanResult['blocks']): string => blocks.map((b) => `${b.kind} ${b.name}`).join('\n');
  if (names(scanned.blocks) !== names(entry.blocks)) return undefined;
  const defs = [...project.macros.values()].flat().filter((m) => m.file === file);
  const pkg = defs[0]?.packageName;
  if (pkg === undefined) return undefined;
  // Only the macros whose own text changed affect the nodes that used them.
  const blockText = (source: string, span: { start: number; end: number }): string => source.slice(span.start, span.end);
  const edited = defs.filter((d) => {
    const after = scanned.blocks.find((b) => b.name === d.block.name && b.kind === d.block.kind);
    return !after || blockText(entry.text!, d.block.span) !== blockText(text, after.span);
  });
  entry.text = text;
  entry.blocks = scanned.blocks;
  for (const def of defs) def.block = scanned.blocks.find((b) => b.name === def.block.name && b.kind === def.block.kind) ?? def.block;
  const problems: Diagnostic[] = scanned.problems.map((p) => ({ code: 'jinja-syntax', severity: 'error', file, span: p.span, message: p.message }));
  const syntax = parser.ctx.redefineFile(file, pkg);
  if (problems.length === 0) problems.push(...syntax);
  const kept = analysis.diagnostics.filter((d) => !(d.file === file && d.code === 'jinja-syntax'));
  analysis.diagnostics.length = 0;
  analysis.diagnostics.push(...kept, ...problems);
  changed?.add(file);
  const ids = new Set(edited.map((d) => `macro.${pkg}.${d.name}`));
  const affected: string[] = [];
  for (const node of project.nodes.values()) if (node.parsed?.uses.some((id) => ids.has(id))) affected.push(node.uniqueId);
  return affected;
}

/**
 * Re-renders nodes (after a macro edit) and applies what changed, node by node; `shouldStop` is
 * asked between nodes so the caller can stop (a newer edit) and resume with what is left. Returns
 * the ids not done, or undefined when a node's config() result changed (the caller reloads).
 */
export function reparseNodes(analysis: Analysis, ids: string[], cache: ScanCache, shouldStop: () => boolean, changed?: Set<string>): string[] | undefined {
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && shouldStop()) return ids.slice(i);
    const node = analysis.project.nodes.get(ids[i]!);
    const text = node && analysis.project.files.get(node.file)?.text;
    if (!node || text === undefined) continue;
    const entry = analysis.project.files.get(node.file)!;
    // Snapshot blocks and multi-node files are read by a reload.
    if (entry.nodeIds.length !== 1 || node.blockSpan) return undefined;
    if (!reparseNode(analysis, node, cache.scan(node.file, text), changed)) return undefined;
  }
  return [];
}

/**
 * Levels of an acyclic graph (sources 0, every other node above all its parents), kept per graph
 * between edits. A node reaches only nodes of higher levels, so most new parents (those at or
 * below the edited node's level) provably close no cycle at once; otherwise the search from the
 * edited node stops at nodes at or above the highest new parent's level. Adding an edge raises
 * levels where needed; removing one leaves them valid. Tests are leaves and have no level.
 */
const levelsOf = new WeakMap<ProjectGraph, Map<string, number>>();

/** Computes the levels a graph's incremental edits will use (idle-time work for the language server). */
export function prepareIncremental(analysis: Analysis): void {
  levels(analysis.graph);
  analysis.graph.refNames();
}

function isLeafKind(id: string): boolean {
  return id.startsWith('test.') || id.startsWith('unit_test.');
}

function levels(graph: ProjectGraph): Map<string, number> | undefined {
  if (graph.cyclic.size > 0) {
    levelsOf.delete(graph);
    return undefined;
  }
  let levels = levelsOf.get(graph);
  if (levels) return levels;
  // Kahn's order over the nodes that can have children.
  levels = new Map<string, number>();
  const waiting = new Map<string, number>();
  const ready: string[] = [];
  for (const node of graph.project.nodes.values()) {
    if (node.resourceType === 'test' || node.resourceType === 'unit_test') continue;
    if (node.dependsOn.length === 0) {
      levels.set(node.uniqueId, 0);
      ready.push(node.uniqueId);
    } else waiting.set(node.uniqueId, node.dependsOn.length);
  }
  while (ready.length > 0) {
    const id = ready.pop()!;
    const level = levels.get(id)! + 1;
    for (const child of graph.children.get(id) ?? []) {
      const left = waiting.get(child);
      if (left === undefined) continue;
      if ((levels.get(child) ?? 0) < level) levels.set(child, level);
      if (left === 1) {
        waiting.delete(child);
        ready.push(child);
      } else waiting.set(child, left - 1);
    }
  }
  // Something is still waiting: a cycle the graph does not know about. No levels, plain searches.
  if (waiting.size > 0) return undefined;
  levelsOf.set(graph, levels);
  return levels;
}

/** Whether the (already added) edges from `parents` into `id` close a cycle; keeps the levels valid when they do not. */
function closesCycle(graph: ProjectGraph, id: string, parents: string[]): boolean {
  const level = levels(graph);
  if (!level) return reachesAny(graph, id, parents);
  const own = level.get(id)!;
  const above = parents.filter((p) => level.get(p)! >= own);
  if (above.length === 0) return false;
  if (above.includes(id)) return true;
  const targets = new Set(above);
  let limit = 0;
  for (const p of above) limit = Math.max(limit, level.get(p)!);
  const seen = new Set<string>([id]);
  const stack = [id];
  while (stack.length > 0) {
    for (const child of graph.children.get(stack.pop()!) ?? []) {
      if (targets.has(child)) return true;
      if (seen.has(child) || isLeafKind(child) || level.get(child)! >= limit) continue;
      seen.add(child);
      stack.push(child);
    }
  }
  // No cycle: raise `id` above its new parents, and whatever is below it that is no longer above it.
  level.set(id, limit + 1);
  const raise = [id];
  while (raise.length > 0) {
    const at = raise.pop()!;
    const next = level.get(at)! + 1;
    for (const child of graph.children.get(at) ?? []) {
      if (isLeafKind(child) || level.get(child)! >= next) continue;
      level.set(child, next);
      raise.push(child);
    }
  }
  return false;
}

/**
 * Whether `from` reaches one of `targets` through child edges. Searches from both ends at once
 * (down from `from`, up from the targets) and stops when either side runs out, so it costs about
 * the smaller of the two neighbourhoods: a leaf's few descendants, or a source's few ancestors.
 */
function reachesAny(graph: ProjectGraph, from: string, targets: string[]): boolean {
  const down = new Set<string>([from]);
  const up = new Set<string>(targets);
  if (up.has(from)) return true;
  const downStack = [from];
  const upStack = [...targets];
  while (downStack.length > 0 && upStack.length > 0) {
    for (const child of graph.children.get(downStack.pop()!) ?? []) {
      if (up.has(child)) return true;
      if (!down.has(child)) {
        down.add(child);
        downStack.push(child);
      }
    }
    for (const parent of graph.parents.get(upStack.pop()!) ?? []) {
      if (down.has(parent)) return true;
      if (!up.has(parent)) {
        up.add(parent);
        upStack.push(parent);
      }
    }
  }
  return false;
}
