/**
 * YAML with positions. dbt's yml files are read into a small tree that keeps the span of every
 * key and value, so diagnostics and go-to-definition can point into the yml text.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node as YamlNode, type Scalar } from 'yaml';
import type { Span } from './text';
import { parseYamlFast } from './yaml-fast';
import { duplicateKeyProblem, mergeEntries, mergeProblem, resolvePlainScalar, type MapEntry } from './yaml-dbt';

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
  /** Errors stop dbt; warnings (a duplicate key) are what dbt only warns about. */
  severity: 'error' | 'warning';
}

export interface ParsedYaml {
  root: YNode | undefined;
  problems: YamlProblem[];
}

const EMPTY: Span = { start: 0, end: 0 };

/**
 * A yml file as dbt (PyYAML) reads it: anchors, aliases and merge keys resolve (an alias is the
 * anchored node itself, spans included), and a repeated key is a warning.
 */
export function parseYaml(text: string): ParsedYaml {
  // The common subset dbt projects use is read ~50x faster by hand; anything else, and every
  // text with an error, goes to the full library (which explains problems with positions).
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
    return { root: undefined, problems: [{ message: `YAML could not be read: ${(err as Error).message}`, span: EMPTY, severity: 'error' }] };
  }
  for (const e of doc.errors) {
    problems.push({ message: firstLine(e.message), span: { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }, severity: 'error' });
  }
  // PyYAML (and so dbt) refuses a second anchor of the same name; the library lets it redefine.
  // Each alias is resolved here, in the same pass, to the last node anchored so before it (the
  // library's rule): its own `resolve` visits the whole document per alias, quadratic in the file
  // (a 400 KB yml with ~1,000 aliases took 3.6 s).
  const anchored = new Map<string, YamlNode>();
  const aliasTargets = new Map<YamlNode, YamlNode | undefined>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        aliasTargets.set(node, anchored.get(node.source));
        return;
      }
      const anchor = (node as { anchor?: string }).anchor;
      if (!anchor) return;
      if (anchored.has(anchor)) problems.push({ message: `Duplicate anchor '&${anchor}' (dbt's YAML reader refuses a second anchor of the same name)`, span: spanOf(node), severity: 'error' });
      anchored.set(anchor, node as YamlNode);
    },
  });
  const root = doc.contents ? convert(doc.contents as YamlNode, { problems, aliasTargets, converted: new Map() }, 0) : undefined;
  return { root, problems: problems.sort((a, b) => a.span.start - b.span.start) };
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

interface Conversion {
  problems: YamlProblem[];
  /** Each alias's anchored node (undefined: no such anchor before it). */
  aliasTargets: Map<YamlNode, YamlNode | undefined>;
  /** Each anchored node converted once: its aliases share the result (and its warnings are not repeated). */
  converted: Map<YamlNode, YNode>;
}

function convert(node: YamlNode, c: Conversion, depth: number): YNode {
  if (depth > 200) return { kind: 'scalar', span: spanOf(node), value: null };
  if (isAlias(node)) {
    const target = c.aliasTargets.get(node);
    if (target) return convert(target as YamlNode, c, depth + 1);
    c.problems.push({ message: `Unknown YAML alias '*${node.source}'`, span: spanOf(node), severity: 'error' });
    return { kind: 'scalar', span: spanOf(node), value: null };
  }
  const done = c.converted.get(node);
  if (done) return done;
  const result = convertNode(node, c, depth);
  if ((node as { anchor?: string }).anchor) c.converted.set(node, result);
  return result;
}

function convertNode(node: YamlNode, c: Conversion, depth: number): YNode {
  if (isMap(node)) {
    const entries = new Map<string, MapEntry>();
    const merges: Array<{ keySpan: Span; value: YNode }> = [];
    let override = false;
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = isScalar(keyNode) ? String(scalarValue(keyNode)) : keyNode ? String(keyNode) : '';
      const keySpan = spanOf(keyNode as never);
      if (pair === node.items[0] && key === '<<') override = true;
      const valueNode = pair.value as YamlNode | null;
      if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
        const merged = valueNode ? convert(valueNode, c, depth + 1) : undefined;
        if (merged) merges.push({ keySpan, value: merged });
        else c.problems.push(mergeProblem(keySpan));
        continue;
      }
      if (entries.has(key) && !override) c.problems.push(duplicateKeyProblem(key, keySpan));
      const value: YNode = valueNode ? convert(valueNode, c, depth + 1) : { kind: 'scalar', span: { start: keySpan.end, end: keySpan.end }, value: null };
      entries.set(key, { keySpan, value });
    }
    if (merges.length === 0) return { kind: 'map', span: spanOf(node), entries };
    const merged = mergeEntries(merges, entries, !override, c.problems);
    if (!merged) c.problems.push(mergeProblem(merges[0]!.keySpan));
    return { kind: 'map', span: spanOf(node), entries: merged ?? entries };
  }
  if (isSeq(node)) {
    return { kind: 'seq', span: spanOf(node), items: node.items.map((item) => convert(item as YamlNode, c, depth + 1)) };
  }
  if (isScalar(node)) return { kind: 'scalar', span: spanOf(node), value: scalarValue(node) };
  return { kind: 'scalar', span: spanOf(node as never), value: null };
}

/** Plain scalars as PyYAML resolves them (the library resolves by YAML 1.2); quoted ones are text. */
function scalarValue(node: Scalar): unknown {
  const source = (node as Scalar & { source?: unknown }).source;
  return node.type === 'PLAIN' && typeof source === 'string' && !node.tag ? resolvePlainScalar(source) : node.value;
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

/** What `items` answers for anything but a sequence: one shared empty list (never changed). */
const NO_ITEMS = Object.freeze([]) as unknown as YNode[];

export function items(node: YNode | undefined): YNode[] {
  return node?.kind === 'seq' ? node.items : NO_ITEMS;
}
