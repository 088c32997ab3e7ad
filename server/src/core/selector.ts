/**
 * dbt's node selection syntax: `name`, `+name`, `name+`, `2+name+1`, `@name`, `tag:x`,
 * `path:models/gold`, `layer:gold`, `config.materialized:table`, `source:landing.orders`,
 * `resource_type:seed`, unions (space), intersections (comma) and `--exclude`.
 */
import type { ProjectGraph } from './graph';
import type { ProjectNode } from './model';
import { resultMatches, sourceStatusMatches, stateMatches, type CurrentState, type PreviousState } from './state';
import { stateView, type FileReader } from './state-view';

export interface SelectionRequest {
  select?: string[];
  exclude?: string[];
  /** Restrict the result to these resource types (after graph expansion). */
  resourceTypes?: string[];
  /** dbt's indirect selection of tests: eager = tests with any selected parent join. */
  indirectSelection?: 'eager' | 'cautious' | 'empty';
  /** `--state DIR`: what `state:`, `result:` and `source_status:` compare with. */
  state?: PreviousState;
  /** Reads project files the loader does not keep (seed contents, for `state:`). */
  readFile?: FileReader;
}

export interface SelectionResult {
  ids: Set<string>;
  /** Problems with the selector text (unknown method, bad syntax, matches nothing). */
  problems: string[];
}

interface Atom {
  method: string;
  value: string;
  parents: number; // 0 none, Infinity for bare '+'
  children: number;
  at: boolean;
  text: string;
}

const METHODS = new Set(['fqn', 'tag', 'path', 'file', 'layer', 'resource_type', 'source', 'package', 'test_name', 'test_type', 'unit_test', 'config', 'result', 'source_status', 'exposure', 'state']);

/** What the methods read besides the graph. */
interface SelectContext {
  state?: PreviousState;
  /** The project as the state comparison sees it, computed on first use. */
  current?: () => CurrentState;
}

export function selectNodes(graph: ProjectGraph, request: SelectionRequest): SelectionResult {
  const problems: string[] = [];
  let view: CurrentState | undefined;
  const context: SelectContext = request.state ? { state: request.state, current: () => (view ??= stateView(graph.project, request.readFile)) } : {};
  // Hooks are not selectable nodes (dbt does not list or select them), nor are the tests dbt keeps
  // disabled among its nodes (a test of a disabled model: loader/nodes.ts settleTestsOfDisabled).
  const all = [...graph.project.nodes.values()].filter((n) => n.resourceType !== 'operation' && n.config.enabled);
  const selectTerms = (request.select ?? []).flatMap(splitTerms);
  let ids: Set<string>;
  if (selectTerms.length === 0) {
    ids = new Set(all.map((n) => n.uniqueId));
  } else {
    ids = new Set();
    for (const term of selectTerms) for (const id of evaluateTerm(graph, all, term, problems, context)) ids.add(id);
  }
  const mode = request.indirectSelection ?? 'eager';
  if (mode !== 'empty' && selectTerms.length > 0) addIndirectTests(graph, ids, mode);
  for (const term of (request.exclude ?? []).flatMap(splitTerms)) {
    const excluded = evaluateTerm(graph, all, term, problems, context);
    for (const id of excluded) ids.delete(id);
    // Tests of excluded nodes go too, as in dbt.
    if (mode !== 'empty') {
      for (const id of [...ids]) {
        const node = graph.node(id)!;
        if (node.resourceType === 'test' && node.dependsOn.some((p) => excluded.has(p))) ids.delete(id);
      }
    }
  }
  if (request.resourceTypes && request.resourceTypes.length > 0) {
    const types = new Set(request.resourceTypes);
    for (const id of [...ids]) if (!types.has(graph.node(id)!.resourceType)) ids.delete(id);
  }
  return { ids, problems };
}

function splitTerms(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function evaluateTerm(graph: ProjectGraph, all: ProjectNode[], term: string, problems: string[], context: SelectContext): Set<string> {
  let result: Set<string> | undefined;
  for (const part of term.split(',').filter(Boolean)) {
    const atom = parseAtom(part, problems);
    const matched = atom ? evaluateAtom(graph, all, atom, problems, context) : new Set<string>();
    if (result === undefined) result = matched;
    else for (const id of [...result]) if (!matched.has(id)) result.delete(id);
  }
  return result ?? new Set();
}

export function parseAtom(text: string, problems: string[]): Atom | undefined {
  const m = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/.exec(text);
  if (!m) {
    problems.push(`Cannot read the selector '${text}'`);
    return undefined;
  }
  const [, at, up, body, down] = m;
  const hasUp = up !== undefined;
  const hasDown = down !== undefined;
  let method = 'fqn';
  let value = body!;
  const colon = body!.indexOf(':');
  if (colon > 0) {
    method = body!.slice(0, colon);
    value = body!.slice(colon + 1);
  } else if (/[/\\]/.test(value) || /\.(sql|py|csv|yml|yaml)$/.test(value)) {
    method = 'path';
  }
  const baseMethod = method.startsWith('config.') ? 'config' : method;
  if (!METHODS.has(baseMethod)) {
    problems.push(`Unknown selector method '${method}' in '${text}' (known: ${[...METHODS].join(', ')}, config.<key>)`);
    return undefined;
  }
  if (at && (hasUp || hasDown)) {
    problems.push(`'@' cannot be combined with '+' in '${text}'`);
    return undefined;
  }
  return {
    method,
    value,
    parents: hasUp ? (up ? Number(up) : Infinity) : 0,
    children: hasDown ? (down ? Number(down) : Infinity) : 0,
    at: Boolean(at),
    text,
  };
}

function evaluateAtom(graph: ProjectGraph, all: ProjectNode[], atom: Atom, problems: string[], context: SelectContext): Set<string> {
  const before = problems.length;
  const matcher = nodeMatcher(graph, atom, problems, context);
  if (problems.length > before) return new Set();
  const base = new Set(all.filter(matcher).map((n) => n.uniqueId));
  if (base.size === 0) problems.push(`The selector '${atom.text}' does not match any enabled node`);
  const result = new Set(base);
  for (const id of base) {
    if (atom.parents > 0) for (const up of graph.upstream(id, atom.parents).keys()) result.add(up);
    if (atom.children > 0 || atom.at) for (const down of graph.downstream(id, atom.at ? Infinity : atom.children).keys()) result.add(down);
  }
  if (atom.at) {
    // @x: x, its descendants, and the ancestors of all of those.
    for (const id of [...result]) for (const up of graph.upstream(id).keys()) result.add(up);
  }
  return result;
}

function nodeMatcher(graph: ProjectGraph, atom: Atom, problems: string[], context: SelectContext): (node: ProjectNode) => boolean {
  const { method, value } = atom;
  const glob = (s: string): boolean => fnmatch(s, value);
  const among = (found: Set<string> | string): ((node: ProjectNode) => boolean) => {
    if (typeof found === 'string') {
      problems.push(found);
      return () => false;
    }
    return (n) => found.has(n.uniqueId);
  };
  switch (method) {
    case 'result':
      return among(resultMatches(context.state, value));
    case 'source_status':
      return among(sourceStatusMatches(context.state, value));
    case 'state': {
      const found = stateMatches(context.state?.manifest ? context.current?.() : undefined, context.state, value);
      if (typeof found === 'string') return among(found);
      problems.push(...found.warnings.map((w) => `warning: ${w}`));
      return among(found.ids);
    }
    case 'exposure': {
      // exposure:name or exposure:package.name (each part a pattern).
      const parts = value.split('.');
      if (parts.length > 2) {
        problems.push(`Invalid exposure selector value "${value}". Exposures must be of the form \${exposure_name} or \${exposure_package.exposure_name}`);
        return () => false;
      }
      const [pkg, name] = parts.length === 2 ? parts : ['*', parts[0]!];
      return (n) => n.resourceType === 'exposure' && fnmatch(n.packageName, pkg!) && fnmatch(n.name, name!);
    }
    case 'fqn':
      return (n) => n.resourceType !== 'source' && fqnMatches(n, value);
    case 'tag':
      return (n) => (n.tags ?? n.config.tags).some(glob);
    case 'path': {
      const paths = globPaths(graph, value, atom.text, problems);
      // As dbt: the node's file, or any folder above it, is among what the glob found.
      return (n) => paths.has(n.file) || parentsOf(n.file).some((p) => paths.has(p));
    }
    case 'file':
      return (n) => {
        const base = n.file.split('/').pop()!;
        return glob(base) || glob(base.replace(/\.[^.]+$/, ''));
      };
    case 'layer':
      return (n) => n.layer !== undefined && glob(n.layer);
    case 'resource_type':
      if (!RESOURCE_TYPES.has(value)) {
        problems.push(`Invalid resource_type selector '${value}' in '${atom.text}' (one of: ${[...RESOURCE_TYPES].join(', ')})`);
        return () => false;
      }
      return (n) => n.resourceType === value;
    case 'package':
      return (n) => n.packageName === value || fnmatch(n.packageName, value) || (value === 'this' && n.packageName === graph.project.config.name);
    case 'source': {
      // source:name, source:name.table, source:package.name.table (each part a pattern).
      const parts = value.split('.');
      if (parts.length > 3) {
        problems.push(`Invalid source selector '${value}' in '${atom.text}': expected source, source.table or package.source.table`);
        return () => false;
      }
      const [pkg, source, table] = parts.length === 3 ? parts : [undefined, parts[0]!, parts[1]];
      return (n) => n.resourceType === 'source' && (pkg === undefined || fnmatch(n.packageName, pkg)) && fnmatch(n.source!.sourceName, source ?? '') && (table === undefined || fnmatch(n.name, table));
    }
    case 'test_name':
      // Generic tests (attached to a node) by their test's name (not_null, unique...), unit tests by their own name.
      return (n) => (n.resourceType === 'test' && n.test?.attachedTo !== undefined && fnmatch(n.test.name, value)) || (n.resourceType === 'unit_test' && glob(n.name));
    case 'test_type': {
      const kinds: Record<string, Array<'generic' | 'singular' | 'unit'>> = { generic: ['generic'], schema: ['generic'], data: ['generic', 'singular'], singular: ['singular'], unit: ['unit'] };
      const wanted = kinds[value];
      if (!wanted) {
        problems.push(`Invalid test type selector '${value}' in '${atom.text}': expected generic, singular, unit or data`);
        return () => false;
      }
      return (n) => (n.resourceType === 'unit_test' && wanted.includes('unit')) || (n.resourceType === 'test' && wanted.includes(n.test?.attachedTo !== undefined ? 'generic' : 'singular'));
    }
    case 'unit_test': {
      const parts = value.split('.');
      if (parts.length > 2) {
        problems.push(`Invalid unit test selector '${value}' in '${atom.text}': expected name or package.name`);
        return () => false;
      }
      const [pkg, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
      return (n) => n.resourceType === 'unit_test' && (pkg === undefined || fnmatch(n.packageName, pkg)) && fnmatch(n.name, name!);
    }
    default: {
      // config.<key>:<value> compares values as dbt does: equal text, true/false for booleans, membership in lists.
      const key = method.slice('config.'.length);
      const wanted = key === 'severity' ? value.toLowerCase() : value;
      const equal = (v: unknown): boolean =>
        (typeof v === 'string' && (key === 'severity' ? v.toLowerCase() : v) === wanted) || (v === true && value.toLowerCase() === 'true') || (v === false && value.toLowerCase() === 'false');
      return (n) => {
        // dbt searches configs of project nodes and sources only (not exposures).
        if (n.resourceType === 'exposure') return false;
        const v = key.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), n.config);
        return Array.isArray(v) ? v.some(equal) : equal(v);
      };
    }
  }
}

const RESOURCE_TYPES = new Set(['model', 'analysis', 'test', 'snapshot', 'operation', 'seed', 'rpc', 'sql_operation', 'doc', 'source', 'macro', 'exposure', 'metric', 'group', 'saved_query', 'semantic_model', 'unit_test', 'fixture', 'function']);

/** dbt's fqn method: the node name, or a dotted prefix of its fqn with or without the package; wildcards fnmatch the rest. */
function fqnMatches(node: ProjectNode, selector: string): boolean {
  const versioned = node.version !== undefined;
  return isSelectedNode(node.fqn, selector, versioned) || isSelectedNode(node.fqn.slice(1), selector, versioned);
}

/** dbt-core's `is_selected_node` (graph/selector_methods.py), step by step. */
function isSelectedNode(fqn: string[], selector: string, versioned: boolean): boolean {
  if (fqn.length === 0) return false;
  if (versioned) {
    if (fqn[fqn.length - 2] === selector) return true;
    if (fqn.slice(-2).join('_') === selector.split('.').slice(-2).join('_')) return true;
  } else if (fqn[fqn.length - 1] === selector) return true;
  // Dots in names act as namespace separators.
  const flat = fqn.flatMap((s) => s.split('.'));
  const parts = selector.split('.');
  if (flat.length < parts.length) return false;
  let slurp: number | undefined;
  for (let i = 0; i < parts.length; i++) {
    if (/[*?[\]]/.test(parts[i]!)) {
      slurp = i;
      break;
    }
    if (flat[i] !== parts[i]) return false;
  }
  if (slurp === undefined) return true;
  if (fnmatch(flat.slice(slurp).join('.'), parts.slice(slurp).join('.'))) return true;
  // A bare wildcard also matches the leaf alone (the model name for a versioned model).
  if (!selector.includes('.')) return fnmatch((versioned ? fqn[fqn.length - 2] : fqn[fqn.length - 1]) ?? '', selector);
  return false;
}

/** The folders above a project-relative path, nearest first (`a/b/c.sql` → `a/b`, `a`). */
function parentsOf(file: string): string[] {
  const parts = file.split('/');
  const out: string[] = [];
  for (let i = parts.length - 1; i > 0; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * pathlib's `Path(project).glob(pattern)` (what dbt's path method runs), over the project's known
 * files and their folders: per-segment fnmatch, `**` for any depth of folders.
 */
function globPaths(graph: ProjectGraph, pattern: string, text: string, problems: string[]): Set<string> {
  const found = new Set<string>();
  const clean = pattern.replace(/\\/g, '/');
  if (clean === '' || clean.startsWith('/')) {
    problems.push(`Invalid path pattern '${pattern}' in '${text}': it must be a non-empty path relative to the project`);
    return found;
  }
  const segments = clean.split('/').filter((s) => s !== '' && s !== '.');
  const known = new Set<string>();
  const folders = new Set<string>();
  for (const node of graph.project.nodes.values()) {
    known.add(node.file);
    for (const p of parentsOf(node.file)) folders.add(p);
  }
  for (const f of graph.project.files.keys()) {
    known.add(f);
    for (const p of parentsOf(f)) folders.add(p);
  }
  for (const path of [...known, ...folders]) if (globMatches(segments, path.split('/'), folders, 0, 0)) found.add(path);
  return found;
}

function globMatches(pattern: string[], path: string[], folders: Set<string>, pi: number, si: number): boolean {
  if (pi === pattern.length) return si === path.length;
  const seg = pattern[pi]!;
  if (seg === '**') {
    // Zero or more folders: the remaining path (up to and including a matched tail) must be folders.
    for (let k = si; k <= path.length; k++) {
      if (k > si && !folders.has(path.slice(0, k).join('/'))) break;
      if (globMatches(pattern, path, folders, pi + 1, k)) return true;
    }
    return false;
  }
  if (si >= path.length) return false;
  if (!fnmatch(path[si]!, seg)) return false;
  // A segment followed by more pattern must be a folder.
  if (pi + 1 < pattern.length && !folders.has(path.slice(0, si + 1).join('/'))) return false;
  return globMatches(pattern, path, folders, pi + 1, si + 1);
}

const FNMATCH_CACHE = new Map<string, RegExp>();

/** Python's `fnmatch.fnmatchcase` (POSIX: case-sensitive): `*`, `?`, `[seq]`, `[!seq]`; never throws. */
export function fnmatch(name: string, pattern: string): boolean {
  if (!/[*?[]/.test(pattern)) return name === pattern;
  let re = FNMATCH_CACHE.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${translate(pattern)})$`, 's');
    if (FNMATCH_CACHE.size > 1000) FNMATCH_CACHE.clear();
    FNMATCH_CACHE.set(pattern, re);
  }
  return re.test(name);
}

/** A port of CPython 3.11's `fnmatch.translate`: the same sets, negations, ranges and literal `[`. */
export function translate(pat: string): string {
  const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  let res = '';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i]!;
    i++;
    if (c === '*') {
      while (pat[i] === '*') i++;
      res += '.*';
    } else if (c === '?') {
      res += '.';
    } else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) {
        res += '\\[';
        continue;
      }
      let stuff = pat.slice(i, j);
      if (!stuff.includes('-')) {
        stuff = stuff.replace(/\\/g, '\\\\');
      } else {
        const chunks: string[] = [];
        let k = pat[i] === '!' ? i + 2 : i + 1;
        for (;;) {
          k = pat.indexOf('-', k);
          if (k < 0 || k >= j) break;
          chunks.push(pat.slice(i, k));
          i = k + 1;
          k = k + 3;
        }
        const chunk = pat.slice(i, j);
        if (chunk) chunks.push(chunk);
        else chunks[chunks.length - 1] += '-';
        // Remove empty ranges (z-a): invalid in a regular expression.
        for (let m = chunks.length - 1; m > 0; m--) {
          const prev = chunks[m - 1]!;
          if (prev[prev.length - 1]! > chunks[m]![0]!) {
            chunks[m - 1] = prev.slice(0, -1) + chunks[m]!.slice(1);
            chunks.splice(m, 1);
          }
        }
        stuff = chunks.map((s) => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-')).join('-');
      }
      // Characters special inside a JavaScript class.
      stuff = stuff.replace(/([&~|[\]])/g, '\\$1');
      i = j + 1;
      if (!stuff) res += '(?!)';
      else if (stuff === '!') res += '.';
      else {
        if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
        else if (stuff[0] === '^') stuff = '\\' + stuff;
        res += `[${stuff}]`;
      }
    } else {
      res += escape(c);
    }
  }
  return res;
}

function addIndirectTests(graph: ProjectGraph, ids: Set<string>, mode: 'eager' | 'cautious'): void {
  for (const node of graph.project.nodes.values()) {
    if ((node.resourceType !== 'test' && node.resourceType !== 'unit_test') || !node.config.enabled) continue;
    if (ids.has(node.uniqueId) || node.dependsOn.length === 0) continue;
    const selectedParents = node.dependsOn.filter((p) => ids.has(p)).length;
    if (mode === 'eager' ? selectedParents > 0 : selectedParents === node.dependsOn.length) ids.add(node.uniqueId);
  }
}
