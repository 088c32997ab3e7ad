/** Texts dbt derives from a project's files, shared by manifest.json and the state comparison. */
import { pyStr } from './jinja';
import type { ProjectNode } from './model';

/** dbt hashes a seed's path instead of its contents above this size (MAXIMUM_SEED_SIZE_MIB). */
export const MAX_SEED_BYTES = 1024 * 1024;

/** Whether a UTF-16 code unit is one of Python's str.isspace() characters (the whitespace str.strip() removes). */
function isPySpace(c: number): boolean {
  if (c <= 0x20) return (c >= 0x09 && c <= 0x0d) || c >= 0x1c;
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Python's str.strip(). A loop: a regex for a trailing run (`\s+$`) tries every position of the text. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Python's universal newlines: dbt reads files in text mode, so CRLF and CR read as LF. */
export const universalNewlines = (text: string): string => (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);

/** dbt's raw code of a generic test: the test macro over its kwargs, then its own config as a config() call. */
export function genericTestCode(test: NonNullable<ProjectNode['test']>): string {
  const call = `{{ ${test.namespace ? `${test.namespace}.` : ''}test_${test.name}(**_dbt_generic_test_kwargs) }}`;
  const entries = Object.entries(test.config ?? {});
  if (entries.length === 0) return call;
  const args = entries.map(([k, v]) => `${k}=${typeof v === 'string' ? `"${v.replace(/"/g, '\\"')}"` : pyStr(v)}`);
  return `${call}{{ config(${args.join(',')}) }}`;
}

/**
 * dbt's `raw_code` of a node, given its file's text as read (undefined: unreadable): the file
 * stripped, a snapshot block's body, a yml snapshot's select, a hook's SQL, a generic test's call,
 * nothing for a seed.
 */
export function rawCode(node: ProjectNode, text: string | undefined): string {
  if (node.resourceType === 'seed') return '';
  if (node.resourceType === 'operation') return node.hook?.sql ?? '';
  if (node.resourceType === 'test' && node.test?.attachedTo !== undefined) return genericTestCode(node.test);
  if (node.snapshotRelation !== undefined) return `select * from {{ ${node.snapshotRelation} }}`;
  if (text === undefined) return '';
  if (node.resourceType === 'snapshot' && node.blockSpan) {
    // The block's contents between its opening and closing tags, unstripped.
    const block = text.slice(node.blockSpan.start, node.blockSpan.end);
    const open = /^\{%-?[\s\S]*?-?%\}/.exec(block);
    const close = /\{%-?\s*end\w+\s*-?%\}$/.exec(block);
    return universalNewlines(block.slice(open ? open[0].length : 0, close ? close.index : block.length));
  }
  return pyStrip(universalNewlines(text));
}

/** dbt's `full_block` of a macro ends after the whitespace a closing `-%}` strips, when more follows. */
export function fullBlockEnd(text: string, end: number): number {
  if (!text.startsWith('-%}', end - 3)) return end;
  let i = end;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i < text.length ? i : end;
}
