/**
 * dbt's node selection syntax: `name`, `+name`, `name+`, `2+name+1`, `@name`, `tag:x`,
 * `path:models/gold`, `layer:gold`, `config.materialized:table`, `source:landing.orders`,
 * `resource_type:seed`, unions (space), intersections (comma) and `--exclude`.
 */
import type { ProjectGraph } from './graph';
import type { ProjectNode } from './model';

export interface SelectionRequest {
  select?: string[];
  exclude?: string[];
  /** Restrict the result to these resource types (after graph expansion). */
  resourceTypes?: string[];
  /** dbt's indirect selection of tests: eager = tests with any selected parent join. */
  indirectSelection?: 'eager' | 'cautious' | 'empty';
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

const METHODS = new Set(['fqn', 'tag', 'path', 'file', 'layer', 'resource_type', 'source', 'package', 'test_name', 'test_type', 'unit_test', 'config']);

export function selectNodes(graph: ProjectGraph, request: SelectionRequest): SelectionResult {
  const problems: string[] = [];
  // Hooks are not selectable nodes (dbt does not list or select them).
  const all = [...graph.project.nodes.values()].filter((n) => n.resourceType !== 'operation');
  const selectTerms = (request.select ?? []).flatMap(splitTerms);
  let ids: Set<string>;
  if (selectTerms.length === 0) {
    ids = new Set(all.map((n) => n.uniqueId));
  } else {
    ids = new Set();
    for (const term of selectTerms) for (const id of evaluateTerm(graph, all, term, problems)) ids.add(id);
  }
  const mode = request.indirectSelection ?? 'eager';
  if (mode !== 'empty' && selectTerms.length > 0) addIndirectTests(graph, ids, mode);
  for (const term of (request.exclude ?? []).flatMap(splitTerms)) {
    const excluded = evaluateTerm(graph, all, term, problems);
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

function evaluateTerm(graph: ProjectGraph, all: ProjectNode[], term: string, problems: string[]): Set<string> {
  let result: Set<string> | undefined;
  for (const part of term.split(',').filter(Boolean)) {
    const atom = parseAtom(part, problems);
    const matched = atom ? evaluateAtom(graph, all, atom, problems) : new Set<string>();
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

function evaluateAtom(graph: ProjectGraph, all: ProjectNode[], atom: Atom, problems: string[]): Set<string> {
  const matcher = nodeMatcher(atom);
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

function nodeMatcher(atom: Atom): (node: ProjectNode) => boolean {
  const { method, value } = atom;
  const glob = globMatcher(value);
  switch (method) {
    case 'fqn':
      return (n) => fqnMatches(n, value);
    case 'tag':
      return (n) => n.config.tags.some(glob);
    case 'path': {
      const prefix = value.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '');
      return (n) => n.file === prefix || n.file.startsWith(prefix + '/') || glob(n.file);
    }
    case 'file':
      return (n) => {
        const base = n.file.split('/').pop()!;
        return glob(base) || glob(base.replace(/\.[^.]+$/, ''));
      };
    case 'layer':
      return (n) => n.layer !== undefined && glob(n.layer);
    case 'resource_type':
      return (n) => glob(n.resourceType);
    case 'package':
      return (n) => glob(n.packageName);
    case 'source': {
      const [source, table] = value.split('.', 2);
      const sourceGlob = globMatcher(source ?? '');
      const tableGlob = table === undefined ? () => true : globMatcher(table);
      return (n) => n.resourceType === 'source' && sourceGlob(n.source!.sourceName) && tableGlob(n.name);
    }
    case 'test_name':
      return (n) => n.resourceType === 'test' && glob(n.test?.name ?? '');
    case 'test_type':
      return (n) =>
        (value === 'unit' && n.resourceType === 'unit_test') ||
        (n.resourceType === 'test' && (value === 'data' || (value === 'generic') === Boolean(n.test?.attachedTo)));
    case 'unit_test':
      return (n) => n.resourceType === 'unit_test' && (glob(n.name) || fqnMatches(n, value));
    default: {
      // config.<key>:<value>
      const key = method.slice('config.'.length);
      return (n) => {
        const v = n.config[key];
        if (Array.isArray(v)) return v.some((x) => glob(String(x)));
        if (v === undefined || v === null) return false;
        return glob(typeof v === 'object' ? JSON.stringify(v) : String(v));
      };
    }
  }
}

/** dbt's fqn method: the node name, or a dotted prefix of its fqn with or without the package. */
function fqnMatches(node: ProjectNode, selector: string): boolean {
  if (node.name === selector || globMatcher(selector)(node.name)) return true;
  const flat = node.fqn.flatMap((s) => s.split('.'));
  const tryParts = (parts: string[]): boolean => {
    if (parts.length > flat.length) return false;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '*') return true;
      if (!globMatcher(parts[i]!)(flat[i]!)) return false;
    }
    return true;
  };
  const parts = selector.split('.');
  if (parts[0] === node.packageName && tryParts(parts)) return true;
  return tryParts([node.packageName, ...parts]);
}

function globMatcher(pattern: string): (s: string) => boolean {
  if (!/[*?[]/.test(pattern)) return (s) => s === pattern;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return (s) => re.test(s);
}

function addIndirectTests(graph: ProjectGraph, ids: Set<string>, mode: 'eager' | 'cautious'): void {
  for (const node of graph.project.nodes.values()) {
    if (node.resourceType !== 'test' && node.resourceType !== 'unit_test') continue;
    if (ids.has(node.uniqueId) || node.dependsOn.length === 0) continue;
    const selectedParents = node.dependsOn.filter((p) => ids.has(p)).length;
    if (mode === 'eager' ? selectedParents > 0 : selectedParents === node.dependsOn.length) ids.add(node.uniqueId);
  }
}
