/**
 * The column model against a model's yml: columns documented there that the model no longer
 * outputs (a warning, only from exactly bound columns), and the edit that documents the columns
 * it outputs but yml does not list (with their types).
 */
import type { Analysis } from '../analysis';
import type { Diagnostic } from '../diagnostics';
import type { ProjectNode } from '../model';
import { LineIndex } from '../text';
import { get, items, parseYaml, type YNode } from '../yaml-tree';
import type { OutputColumn } from './model';

/** yml columns the model does not output (case-insensitive, as DuckDB and Databricks compare names). */
export function ymlColumnProblems(node: ProjectNode, columns: OutputColumn[] | undefined): Diagnostic[] {
  if (!columns || node.resourceType !== 'model') return [];
  const output = new Set(columns.map((c) => c.name.toLowerCase()));
  return node.columns
    .filter((c) => !output.has(c.name.toLowerCase()) && !output.has(c.name.replace(/^"|"$/g, '').toLowerCase()))
    .map((c) => ({
      code: 'yml-column-missing' as const,
      severity: 'warning' as const,
      file: c.file,
      span: c.span,
      message: `'${node.name}' does not output a column named '${c.name}' (its columns: ${columns.map((o) => o.name).join(', ')})`,
    }));
}

export interface FileEdit {
  file: string;
  /** Offset range replaced; absent with `create` (the whole text of a new file). */
  span?: { start: number; end: number };
  newText: string;
  create?: boolean;
}

/**
 * Documents the model's output columns that its yml does not list, each with its data_type:
 * appended to its `columns:` list, a new `columns:` under its entry, or a new yml entry/file.
 */
export function addMissingColumnsEdit(analysis: Analysis, node: ProjectNode, columns: OutputColumn[]): FileEdit[] {
  const documented = new Set(node.columns.map((c) => c.name.toLowerCase()));
  const missing = columns.filter((c) => !documented.has(c.name.toLowerCase()));
  if (missing.length === 0) return [];
  const itemText = (indent: string): string => missing.map((c) => `${indent}- name: ${yamlScalar(c.name)}\n${c.type ? `${indent}  data_type: ${yamlScalar(c.type.toLowerCase())}\n` : ''}`).join('');
  if (node.yml) {
    const text = analysis.project.files.get(node.yml.file)?.text;
    if (text === undefined) return [];
    const entry = findEntry(parseYaml(text).root, node.yml.span.start);
    if (!entry) return [];
    const lines = new LineIndex(text);
    const list = get(entry, 'columns');
    const append = (end: number, body: string): FileEdit => {
      const at = endOfLine(text, lastContent(text, end));
      return { file: node.yml!.file, span: { start: at, end: at }, newText: (at === text.length && !text.endsWith('\n') ? '\n' : '') + body };
    };
    if (list?.kind === 'seq' && list.items.length > 0) {
      const dash = text.lastIndexOf('-', list.items[0]!.span.start);
      return [append(list.span.end, itemText(' '.repeat(lines.position(dash).character)))];
    }
    // `- name: x`: the entry's other keys sit where `name` starts.
    const nameKey = text.lastIndexOf('name', node.yml.span.start);
    const indent = ' '.repeat(lines.position(nameKey >= 0 ? nameKey : node.yml.span.start).character);
    if (list) {
      // `columns:` with nothing (or `[]`) under it: its value is replaced.
      const keyStart = text.lastIndexOf('columns', list.span.start);
      const lineEnd = text.indexOf('\n', keyStart);
      return [{ file: node.yml.file, span: { start: keyStart, end: lineEnd < 0 ? text.length : lineEnd }, newText: `columns:\n${itemText(`${indent}  `).replace(/\n$/, '')}` }];
    }
    return [append(entry.span.end, `${indent}columns:\n${itemText(`${indent}  `)}`)];
  }
  const dir = node.file.includes('/') ? node.file.slice(0, node.file.lastIndexOf('/') + 1) : '';
  return [{ file: `${dir}${node.name}.yml`, newText: `version: 2\n\nmodels:\n  - name: ${node.name}\n    columns:\n${itemText('      ')}`, create: true }];
}

/** The yml map entry whose `name:` value starts at `offset`. */
function findEntry(root: YNode | undefined, offset: number): YNode | undefined {
  for (const key of ['models', 'seeds', 'snapshots', 'sources']) {
    for (const item of items(get(root, key))) {
      const name = get(item, 'name');
      if (name && name.span.start === offset) return item;
      if (key === 'sources') for (const table of items(get(item, 'tables'))) if (get(table, 'name')?.span.start === offset) return table;
    }
  }
  return undefined;
}

/** The last non-blank character before `end` (spans of block nodes run into the next line's indentation). */
function lastContent(text: string, end: number): number {
  let i = Math.min(end, text.length) - 1;
  while (i > 0 && /\s/.test(text[i]!)) i--;
  return i;
}

function endOfLine(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl + 1;
}

function yamlScalar(value: string): string {
  return /^[A-Za-z_][\w ()',.]*$/.test(value) && !/[:#]/.test(value) && !/^(true|false|null|yes|no|on|off)$/i.test(value) ? value : JSON.stringify(value);
}
