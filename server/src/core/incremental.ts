/**
 * Editing one model must not rebuild the project. When a model's SQL changes and the file still
 * defines the same single node with the same config() result, that node alone is read again as
 * parse time reads it (re-rendered, or rescanned where the fast path applies) and only its edges
 * and problems are recomputed; cycles are recomputed only when the node is on one before or
 * after the edit, and only around it. A macro file edit that keeps its macro names redefines
 * those macros and names the nodes whose render used them, for the caller to re-render
 * (`reparseNodes`, in slices it can interrupt). Anything else (yml, a config() change, snapshots,
 * macros added or removed) answers false: the caller reloads the project.
 *
 * Versions. An analysis a run holds must never change, yet edits keep coming. `nextVersion`
 * makes a new version that shares everything with the held one (nodes, files, macros, the graph's
 * indexes, the parse-time renderer); the edit functions then copy what they write the first time
 * they write it in a version that did not make it: the edited node and file entry and the maps
 * that hold them, the children lists that change, the cycles, the levels. A loaded analysis owns
 * everything and is edited in place. Superseded versions are read, never edited again.
 */
import type { Analysis } from './analysis';
import { configFromLayers, copyConfig } from './config-tree';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { checkNodeLayers, ParentIndex, ProjectGraph, recomputeCyclesThrough, resolveDependencies } from './graph';
import { MAX_FILE_BYTES } from './host';
import { handParseTime, parseTimeOf, sqlCallsOf, type ScanCache } from './loader';
import type { MacroDefinition, ProjectFile, ProjectNode } from './model';
import type { BlockDefinition, ScanResult } from './scanner';

/** What each version made itself and may change in place; a loaded analysis (absent here) owns everything. */
const ownedBy = new WeakMap<Analysis, WeakSet<object>>();

function owns(analysis: Analysis, value: object): boolean {
  const owned = ownedBy.get(analysis);
  return owned === undefined || owned.has(value);
}

function made<T extends object>(analysis: Analysis, value: T): T {
  ownedBy.get(analysis)?.add(value);
  return value;
}

/**
 * A new version of `base` that shares all of it: a few objects, whatever the project's size. The
 * parse-time renderer moves to it (a macro edit redefines macros there), so `base` is from then
 * on only read (what a run holding it does), never edited.
 */
export function nextVersion(base: Analysis): Analysis {
  const project = { ...base.project };
  // Every index shared as it is; the edit functions copy one before they change it.
  const graph: ProjectGraph = Object.assign(Object.create(ProjectGraph.prototype) as ProjectGraph, base.graph, { project, parents: new ParentIndex(project.nodes) });
  const next: Analysis = { ...base, project, graph };
  ownedBy.set(next, new WeakSet<object>([next, project, graph]));
  handParseTime(base.project, project);
  const levels = levelsOf.get(base.graph);
  if (levels) levelsOf.set(graph, levels);
  return next;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** One of the graph's maps, copied first when this version shares it. */
function graphMap<K extends 'children' | 'refTargets' | 'refLookup' | 'versions' | 'cyclic'>(analysis: Analysis, key: K): ProjectGraph[K] {
  const graph = analysis.graph as Writable<ProjectGraph>;
  if (!owns(analysis, graph[key])) graph[key] = made(analysis, new Map(graph[key] as Map<unknown, unknown>)) as ProjectGraph[K];
  return analysis.graph[key];
}

/** A file entry this version may change. */
function writableFile(analysis: Analysis, entry: ProjectFile): ProjectFile {
  if (owns(analysis, entry)) return entry;
  const { project } = analysis;
  if (!owns(analysis, project.files)) project.files = made(analysis, new Map(project.files));
  const copy = made(analysis, { ...entry });
  project.files.set(entry.path, copy);
  return copy;
}

/** A SQL node (model or analysis) this version may change; the graph's name indexes hold the copy too. */
function writableNode(analysis: Analysis, node: ProjectNode): ProjectNode {
  if (owns(analysis, node)) return node;
  const { project, graph } = analysis;
  if (!owns(analysis, project.nodes)) {
    project.nodes = made(analysis, new Map(project.nodes));
    (graph as Writable<ProjectGraph>).parents = new ParentIndex(project.nodes);
  }
  const copy = made(analysis, { ...node });
  project.nodes.set(node.uniqueId, copy);
  if (graph.refTargets.get(node.name) === node) graphMap(analysis, 'refTargets').set(node.name, copy);
  for (const key of node.version === undefined ? [node.name] : [node.name, `${node.name}.v${node.version}`]) {
    const byPackage = graph.refLookup.get(key);
    if (byPackage?.get(node.packageName) === node) graphMap(analysis, 'refLookup').set(key, new Map(byPackage).set(node.packageName, copy));
  }
  const byVersion = node.version === undefined ? undefined : graph.versions.get(node.name);
  if (byVersion?.get(node.version!) === node) graphMap(analysis, 'versions').set(node.name, new Map(byVersion).set(node.version!, copy));
  return copy;
}

/** The graph's cycles, before `recomputeCyclesThrough` changes them. */
function writableCycles(analysis: Analysis): void {
  const graph = analysis.graph as Writable<ProjectGraph>;
  if (!owns(analysis, graph.cycles)) graph.cycles = made(analysis, [...graph.cycles]);
  graphMap(analysis, 'cyclic');
}

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
  const problems = reparseNode(analysis, node, text, scanned, changed);
  if (!problems) return false;
  applyProblems(analysis, [problems]);
  writableFile(analysis, entry).text = text;
  return true;
}

/** A re-read node's problems: its own (replacing those of its file) and the cycles' it ended. */
interface NodeProblems {
  file: string;
  fresh: Diagnostic[];
  removed: Set<Diagnostic>;
}

/**
 * Re-read nodes' problems applied at once (one pass over the project's problems, however many
 * nodes a macro edit re-rendered). The result is what applying them one by one would give: a
 * node's own problems are in its own file, and a cycle one node added another may have ended.
 */
function applyProblems(analysis: Analysis, all: NodeProblems[]): void {
  if (all.length === 0) return;
  const files = new Set(all.map((p) => p.file));
  const removed = all.length === 1 ? all[0]!.removed : new Set(all.flatMap((p) => [...p.removed]));
  const kept = analysis.diagnostics.filter((d) => !(files.has(d.file) && PER_NODE.has(d.code)) && !removed.has(d));
  // A new list: an older version may share the old one.
  analysis.diagnostics = kept.concat(all.flatMap((p) => (removed.size === 0 ? p.fresh : p.fresh.filter((d) => !removed.has(d)))));
}

/**
 * Reads one node again from its file's (new) text and applies what changed: refs, sources,
 * macros used and edges; returns its problems for `applyProblems`. Undefined (nothing applied)
 * when its config() result changed: enabled, materialization or naming may follow, which a
 * reload settles.
 */
function reparseNode(analysis: Analysis, read: ProjectNode, text: string, scanned: ScanResult, changed?: Set<string>): NodeProblems | undefined {
  const { project, graph } = analysis;
  const file = read.file;
  const parser = parseTimeOf(project);
  const fresh: Diagnostic[] = scanned.problems.map((p) => ({ code: 'jinja-syntax', severity: 'error', file, span: p.span, message: p.message }));
  let node: ProjectNode;
  if (read.parsed) {
    // A superseded version has no renderer: it is never edited.
    if (!parser) return undefined;
    const parsed = parser.reparse(read, text, scanned);
    if (configKey(parsed.call) !== configKey(read.configLayers?.call ?? {})) return undefined;
    node = writableNode(analysis, read);
    node.refs = parsed.refs;
    node.sources = parsed.sources;
    node.parsed = { by: parsed.by, macros: parsed.macros, uses: parsed.uses };
    fresh.push(...parsed.diagnostics);
  } else {
    const call: Record<string, unknown> = {};
    for (const c of scanned.configs) Object.assign(call, c.values);
    // The file still holds the text the node was read from: its calls are read again from it.
    const readCalls = sqlCallsOf(project, read).configs;
    if (configKey(call) !== configKey(Object.assign({}, ...readCalls.map((c) => c.values)) as Record<string, unknown>)) return undefined;
    if (JSON.stringify(scanned.configs.map((c) => c.dynamicKeys)) !== JSON.stringify(readCalls.map((c) => c.dynamicKeys))) return undefined;
    node = writableNode(analysis, read);
    node.refs = scanned.refs;
    node.sources = scanned.sources;
  }
  node.dynamic = scanned.dynamic;

  const id = node.uniqueId;
  const before = node.dependsOn;
  const after = resolveDependencies(graph, node, () => graph.refNames(), fresh);
  // A data test whose refs now find only a disabled model is disabled (and warned about), one whose
  // refs no longer do is enabled again as configured: what a load settles (loader/nodes.ts settleTestsOfDisabled).
  if (node.resourceType === 'test') {
    const enabled = (node.configLayers ? configFromLayers(node.configLayers) : node.config).enabled !== false && !fresh.some((d) => d.code === 'disabled-ref');
    // A new config: an older version may share the node's.
    if (node.config.enabled !== enabled) node.config = { ...copyConfig(node.config), enabled };
  }
  const added = after.filter((p) => !before.includes(p));
  const edgesChanged = added.length > 0 || before.some((p) => !after.includes(p));
  if (edgesChanged) {
    // New lists, never changed in place: an older version may share them.
    const children = graphMap(analysis, 'children');
    for (const parent of before) {
      const list = children.get(parent);
      if (list) children.set(parent, list.filter((c) => c !== id));
    }
    for (const parent of after) children.set(parent, [...(children.get(parent) ?? []), id]);
    node.dependsOn = after;
  }
  // Cycles can change only through this node: when it was on one (its spans moved, its edges may
  // have broken it), or when a new parent is reachable from it (the new edge closes one).
  // Removing edges from a node on no cycle never makes one.
  const removed = new Set<Diagnostic>();
  if (graph.cyclic.has(id) || (added.length > 0 && closesCycle(analysis, id, added))) {
    levelsOf.delete(graph);
    writableCycles(analysis);
    const cycles = recomputeCyclesThrough(graph, id);
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
  changed?.add(file);
  return { file, fresh, removed };
}

function configKey(call: Record<string, unknown>): string {
  // Any fixed order will do (both sides are keyed the same way): code units, no collator.
  return JSON.stringify(Object.entries(call).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
  const blockOf = (d: MacroDefinition): BlockDefinition | undefined => scanned.blocks.find((b) => b.name === d.block.name && b.kind === d.block.kind);
  const edited = defs.filter((d) => {
    const after = blockOf(d);
    return !after || blockText(entry.text!, d.block.span) !== blockText(text, after.span);
  });
  // A call to a macro of the same file is not recorded in a node's uses (the template resolves it
  // itself), so a macro of this file that mentions an edited one counts as edited too, transitively.
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of defs) {
      if (edited.includes(d)) continue;
      const body = blockText(text, (blockOf(d) ?? d.block).span);
      if (edited.some((e) => mentionsCall(body, e.name))) {
        edited.push(d);
        grew = true;
      }
    }
  }
  // Generic tests render their test macro at parse time when it reaches ref/source/config
  // (loader/parse-time.ts) and record no uses: a macro edit their macro may reach is read by a reload.
  if (genericTestsMayReach(analysis, edited.map((d) => d.name))) return undefined;
  const written = writableFile(analysis, entry);
  written.text = text;
  written.blocks = scanned.blocks;
  // The file's definitions are replaced, not changed: an older version may hold them.
  if (!owns(analysis, project.macros)) project.macros = made(analysis, new Map(project.macros));
  for (const [name, list] of project.macros) if (list.some((d) => d.file === file)) project.macros.set(name, list.map((d) => (d.file === file ? { ...d, block: blockOf(d) ?? d.block } : d)));
  const problems: Diagnostic[] = scanned.problems.map((p) => ({ code: 'jinja-syntax', severity: 'error', file, span: p.span, message: p.message }));
  const syntax = parser.ctx.redefineFile(file, pkg, text);
  if (problems.length === 0) problems.push(...syntax);
  analysis.diagnostics = [...analysis.diagnostics.filter((d) => !(d.file === file && d.code === 'jinja-syntax')), ...problems];
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
  const problems: NodeProblems[] = [];
  try {
    return reparseEach(analysis, ids, cache, shouldStop, problems, changed);
  } finally {
    applyProblems(analysis, problems);
  }
}

function reparseEach(analysis: Analysis, ids: string[], cache: ScanCache, shouldStop: () => boolean, problems: NodeProblems[], changed?: Set<string>): string[] | undefined {
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && shouldStop()) return ids.slice(i);
    const node = analysis.project.nodes.get(ids[i]!);
    const text = node && analysis.project.files.get(node.file)?.text;
    if (!node || text === undefined) continue;
    const entry = analysis.project.files.get(node.file)!;
    // Snapshot blocks and multi-node files are read by a reload.
    if (entry.nodeIds.length !== 1 || node.blockSpan) return undefined;
    const found = reparseNode(analysis, node, text, cache.scan(node.file, text), changed);
    if (!found) return undefined;
    problems.push(found);
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

/** Computes the levels a graph's incremental edits will use, and readies "did you mean" for unknown refs (idle-time work for the language server). */
export function prepareIncremental(analysis: Analysis): void {
  levels(analysis);
  analysis.graph.refNames().warm();
}

function isLeafKind(id: string): boolean {
  return id.startsWith('test.') || id.startsWith('unit_test.');
}

function levels(analysis: Analysis): Map<string, number> | undefined {
  const { graph } = analysis;
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
  levelsOf.set(graph, made(analysis, levels));
  return levels;
}

/** Whether the (already added) edges from `parents` into `id` close a cycle; keeps the levels valid when they do not. */
function closesCycle(analysis: Analysis, id: string, parents: string[]): boolean {
  const { graph } = analysis;
  const shared = levels(analysis);
  if (!shared) return reachesAny(graph, id, parents);
  let level = shared;
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
  // No cycle: raise `id` above its new parents, and whatever is below it that is no longer above it
  // (in a copy when an older version shares the levels).
  if (!owns(analysis, level)) levelsOf.set(graph, (level = made(analysis, new Map(level))));
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

/** Whether `body` mentions `name` as a whole word: it may call that macro (over-approximate: a comment counts too). */
/**
 * Whether a test macro of the project or its packages (`test_x`, or a dispatched `y__test_x`)
 * is one of `names` or mentions one, directly or through the macros it mentions (a dispatched
 * `x__name` counts as `name` too). (Test macros no generic test uses count too: listing the
 * tests would cost every macro edit a walk over every node.)
 */
function genericTestsMayReach(analysis: Analysis, names: string[]): boolean {
  const reach = testMacroReach(analysis);
  for (const name of names) {
    if (reach.has(name)) return true;
    const at = name.indexOf('__');
    if (at > 0 && reach.has(name.slice(at + 2))) return true;
  }
  return false;
}

/**
 * The names the test macros mention, directly or through the macros they mention (themselves
 * included), by parse-time renderer: a load's. An in-place macro edit leaves it valid: a macro
 * edited in place is not in it (else the edit reloads), so no body it walks has changed.
 */
const testMacroReaches = new WeakMap<object, Set<string>>();

function testMacroReach(analysis: Analysis): Set<string> {
  const { project } = analysis;
  const parser = parseTimeOf(project);
  const known = parser && testMacroReaches.get(parser);
  if (known) return known;
  const reach = new Set<string>();
  const pending: string[] = [];
  for (const name of project.macros.keys()) if (name.startsWith('test_') || name.includes('__test_')) pending.push(name);
  const walked = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    reach.add(name);
    if (walked.has(name)) continue;
    walked.add(name);
    for (const def of project.macros.get(name) ?? []) {
      const body = project.files.get(def.file)?.text?.slice(def.block.span.start, def.block.span.end) ?? '';
      for (const m of body.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
        reach.add(m[0]);
        if (!walked.has(m[0]) && project.macros.has(m[0])) pending.push(m[0]);
      }
    }
  }
  if (parser) testMacroReaches.set(parser, reach);
  return reach;
}

function mentionsCall(body: string, name: string): boolean {
  for (let at = body.indexOf(name); at >= 0; at = body.indexOf(name, at + 1)) {
    if (!isNameChar(body.charCodeAt(at - 1)) && !isNameChar(body.charCodeAt(at + name.length))) return true;
  }
  return false;
}

/** ASCII letters, digits and `_` (NaN, past either end, is not). */
function isNameChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
