/** Seeds: one node per CSV file under a seed path, with the columns of its header. */
import { parseCsv } from '../csv';
import { MAX_SEED_BYTES } from '../dbt-text';
import { relativePath, type FileHost } from '../host';
import type { ProjectFile } from '../model';
import type { PackageContext } from './context';
import { addNode } from './nodes';

export function loadSeeds(ctx: PackageContext, dir: string): void {
  const state = ctx.state;
  for (const abs of ctx.list(ctx.dirOf(dir))) {
    if (!abs.endsWith('.csv')) continue;
    const rel = relativePath(state.root, abs);
    const parts = relativePath(ctx.dirOf(dir), abs).split('/');
    const stem = parts.pop()!.replace(/\.csv$/, '');
    const file: ProjectFile = { path: rel, kind: 'seed', blocks: [], nodeIds: [] };
    state.files.set(rel, file);
    const node = addNode(ctx, file, 'seed', stem, parts, undefined);
    const large = largeSeedHeader(state.host, abs);
    if (large) {
      if (node) node.seedColumns = large;
      if (state.manifestInputs) (state.manifestInputs.largeSeeds ??= new Set()).add(rel);
      continue;
    }
    // Only the header is needed here; the runner reads the data.
    const text = state.readText(rel);
    if (node && text !== undefined) node.seedColumns = parseCsvHeader(text);
    if (text !== undefined) state.manifestInputs?.seedTexts.set(rel, text);
  }
}

/** The first line of a CSV (a seed's header), BOM and surrounding spaces removed. */
export function parseCsvHeader(text: string): string[] {
  const end = text.search(/\r?\n/);
  // Only the first line is parsed: a large seed is not read through for its header.
  return (parseCsv(end === -1 ? text : text.slice(0, end))[0] ?? []).map((c) => c.trim());
}

/** What is decoded of a large seed: its header line must end within it. */
const HEAD_BYTES = 64 * 1024;
/** What a text read probes for NUL bytes (a binary file): the first characters (loader/context.ts). */
const BINARY_PROBE = 8192;
const CR = 13;
const LF = 10;

/**
 * The header of a seed over dbt's checksum limit, decoded from its first bytes: dbt checksums such
 * a seed by its path, so its text is never needed whole (decoding a 1.65 MB seed and measuring its
 * UTF-8 length took ~7 ms). Undefined (read it as text, as any seed) where the host has no bytes,
 * the seed may be within the limit, or its start is not a plain text header: the text read then
 * reports what is wrong with the file.
 */
function largeSeedHeader(host: FileHost, abs: string): string[] | undefined {
  const read = host.readBytes?.(abs);
  if (read?.kind !== 'bytes') return undefined;
  const bytes = read.bytes;
  // The limit is on the text with universal newlines, in UTF-8 (core/state-view.ts): each CRLF loses a
  // byte, an invalid sequence decodes longer. Over the limit without its CRLFs, the text is over it.
  let crlf = 0;
  for (let i = bytes.indexOf(CR); i !== -1; i = bytes.indexOf(CR, i + 1)) if (bytes[i + 1] === LF) crlf++;
  if (bytes.length - crlf <= MAX_SEED_BYTES) return undefined;
  // 64 KiB decode to at least 16 Ki characters: the binary probe sees what it sees in the whole text.
  // Decoded as the host decodes a text read (invalid sequences replaced alike, a BOM kept for parseCsv).
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, HEAD_BYTES)).toString('utf8');
  if (head.slice(0, BINARY_PROBE).includes('\u0000') || head.search(/\r?\n/) === -1) return undefined;
  return parseCsvHeader(head);
}
