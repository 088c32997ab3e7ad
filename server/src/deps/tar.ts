/**
 * Reads .tar.gz archives as the dbt hub serves them (GitHub's `git archive` tarballs: ustar with a
 * pax global header; GNU tar's long names too). Files and folders only: links and devices are
 * skipped, and no entry may leave the destination (dbt's safe_extract refuses those as well).
 */
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
  data: Buffer;
  mode: number;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  // GNU base-256 for large sizes: high bit set.
  if ((block[offset]! & 0x80) !== 0) {
    let n = 0;
    for (let i = offset + 1; i < offset + length; i++) n = n * 256 + block[i]!;
    return n;
  }
  const text = field(block, offset, length).trim();
  return text ? parseInt(text, 8) : 0;
}

/** pax records: "<len> key=value\n". */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const length = Number(data.subarray(i, space).toString('ascii'));
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, i + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += length;
  }
  return out;
}

export function readTarGz(archive: Buffer): TarEntry[] {
  const tar = gunzipSync(archive);
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const typeflag = String.fromCharCode(header[156] || 0x30);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (typeflag === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (typeflag === 'g' || typeflag === 'K') continue;
    const prefix = header.subarray(257, 263).toString('ascii').startsWith('ustar') ? field(header, 345, 155) : '';
    const base = field(header, 0, 100);
    // Python's tarfile drops a folder's trailing slash (its names feed dbt's common prefix).
    const name = (pax.get('path') ?? longName ?? (prefix ? `${prefix}/${base}` : base)).replace(/\/+$/, '');
    longName = undefined;
    pax = new Map();
    const type = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'dir' : 'other';
    entries.push({ name, type, data: Buffer.from(data), mode: octal(header, 100, 8) });
  }
  return entries;
}

/** Python's os.path.commonprefix: character by character (dbt names the package folder from it). */
export function commonPrefix(names: string[]): string {
  if (names.length === 0) return '';
  let prefix = names[0]!;
  for (const n of names) {
    let i = 0;
    while (i < prefix.length && i < n.length && prefix[i] === n[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}
