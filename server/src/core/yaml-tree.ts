/**
 * YAML with positions. dbt's yml files are read into a small tree that keeps the span of every
 * key and value, so diagnostics and go-to-definition can point into the yml text.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { Span } from './text';
import { parseYamlFast } from './yaml-fast';

export type YNode = YMap | YSeq | YScalar;

export interface YMap {
  kind: 'map';
  span: Span;
  entries: Map<string, { keySpan: Span; value: YNode }>;
}

export interface YSeq {
  kind: 'seq';
  span: Span;
  items: YNode[];
}

export interface YScalar {
  kind: 'scalar';
  span: Span;
  value: unknown;
}

export interface YamlProblem {
  message: string;
  span: Span;
}

export interface ParsedYaml {
  root: YNode | undefined;
  problems: YamlProblem[];
}

const EMPTY: Span = { start: 0, end: 0 };

export function parseYaml(text: string): ParsedYaml {
  // The common subset dbt projects use is read ~50x faster by hand; anything else, and every
  // text with a problem, goes to the full library (which explains problems with positions).
  const fast = parseYamlFast(text);
  if (fast) return fast;
  return parseYamlFully(text);
}

/** The `yaml` library's reading, for everything the fast path declines. */
export function parseYamlFully(text: string): ParsedYaml {
  const problems: YamlProblem[] = [];
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false, prettyErrors: false, strict: false });
  } catch (err) {
    return { root: undefined, problems: [{ message: `YAML could not be read: ${(err as Error).message}`, span: EMPTY }] };
  }
  for (const e of doc.errors) {
    problems.push({ message: firstLine(e.message), span: { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) } });
  }
  const root = doc.contents ? convert(doc.contents as YamlNode, problems, 0, doc) : undefined;
  return { root, problems };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  // The yaml library appends " at line L, column C:"; the diagnostic carries the position itself.
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function spanOf(node: { range?: [number, number, number] | null } | null | undefined): Span {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : EMPTY;
}

function convert(node: YamlNode, problems: YamlProblem[], depth: number, doc: Document): YNode {
  if (depth > 200) return { kind: 'scalar', span: spanOf(node), value: null };
  if (isMap(node)) {
    const entries = new Map<string, { keySpan: Span; value: YNode }>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : keyNode ? String(keyNode) : '';
      const keySpan = spanOf(keyNode as never);
      if (entries.has(key)) problems.push({ message: `Duplicate key '${key}'`, span: keySpan });
      const valueNode = pair.value as YamlNode | null;
      if (key === '<<') {
        // YAML merge key (`<<: *defaults`): the referenced map's entries, unless already set.
        const merged = valueNode ? convert(valueNode, problems, depth + 1, doc) : undefined;
        if (merged?.kind === 'map') for (const [k, v] of merged.entries) if (!entries.has(k)) entries.set(k, v);
        continue;
      }
      const value: YNode = valueNode ? convert(valueNode, problems, depth + 1, doc) : { kind: 'scalar', span: { start: keySpan.end, end: keySpan.end }, value: null };
      entries.set(key, { keySpan, value });
    }
    return { kind: 'map', span: spanOf(node), entries };
  }
  if (isSeq(node)) {
    return { kind: 'seq', span: spanOf(node), items: node.items.map((item) => convert(item as YamlNode, problems, depth + 1, doc)) };
  }
  if (isScalar(node)) return { kind: 'scalar', span: spanOf(node), value: node.value };
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target) return convert(target as YamlNode, problems, depth + 1, doc);
    problems.push({ message: `Unknown YAML alias '*${node.source}'`, span: spanOf(node) });
    return { kind: 'scalar', span: spanOf(node), value: null };
  }
  return { kind: 'scalar', span: spanOf(node as never), value: null };
}

/** Plain JS value of a node (maps → objects, seqs → arrays). */
export function toJS(node: YNode | undefined): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toJS);
    case 'map': {
      const obj: Record<string, unknown> = {};
      for (const [k, { value }] of node.entries) obj[k] = toJS(value);
      return obj;
    }
  }
}

export function get(node: YNode | undefined, key: string): YNode | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.value : undefined;
}

export function getString(node: YNode | undefined, key: string): string | undefined {
  const v = get(node, key);
  return v?.kind === 'scalar' && v.value !== null && v.value !== undefined ? String(v.value) : undefined;
}

export function items(node: YNode | undefined): YNode[] {
  return node?.kind === 'seq' ? node.items : [];
}
