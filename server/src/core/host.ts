/**
 * The core's only window on the outside: file reads and listings go through a FileHost,
 * so the core itself does no I/O (the CLI passes a Node fs host; the language server one that
 * overlays open editor buffers; tests an in-memory one).
 */
export type ReadResult =
  | { kind: 'text'; text: string }
  | { kind: 'missing' }
  | { kind: 'too-large'; size: number }
  | { kind: 'error'; message: string };

export interface FileHost {
  /** Reads a UTF-8 text file by absolute path. Never throws. */
  read(path: string): ReadResult;
  /** Absolute paths of all files below `dir` (recursive), sorted. Empty when missing. Never throws. */
  list(dir: string): string[];
  /**
   * The files and folders directly in `dir` (absolute paths, sorted; links followed, what `list`
   * skips skipped), for a caller that needs one level, not the tree below it. Optional: without
   * it, callers read `list`. Never throws.
   */
  listLevel?(dir: string): { files: string[]; folders: string[] };
  /**
   * The physical path of a folder (symbolic links resolved), where the host has links: a project's
   * `../shared` means the folder beside its real location, as dbt (Python) reads it. Never throws.
   */
  realPath?(path: string): string;
  /**
   * A file's bytes, not decoded (optional: a host without it is read as text): for a caller that
   * needs a large file's size and only its start as text (a seed over dbt's checksum limit). Never throws.
   */
  readBytes?(path: string): BytesResult;
}

export type BytesResult = { kind: 'bytes'; bytes: Uint8Array } | Exclude<ReadResult, { kind: 'text' }>;

/** Largest file the core will analyse; larger ones get a diagnostic instead. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** An in-memory host, for tests and for hosts that want to overlay edits. */
export class MemoryHost implements FileHost {
  private readonly files = new Map<string, string>();

  constructor(files: Record<string, string> = {}, root = '/') {
    for (const [p, text] of Object.entries(files)) this.set(joinPath(root, p), text);
  }

  set(path: string, text: string): void {
    this.files.set(normalizePath(path), text);
  }

  delete(path: string): void {
    this.files.delete(normalizePath(path));
  }

  read(path: string): ReadResult {
    const text = this.files.get(normalizePath(path));
    if (text === undefined) return { kind: 'missing' };
    if (text.length > MAX_FILE_BYTES) return { kind: 'too-large', size: text.length };
    return { kind: 'text', text };
  }

  list(dir: string): string[] {
    const prefix = normalizePath(dir).replace(/\/?$/, '/');
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
  }
}

export function normalizePath(p: string): string {
  // Fast path: already absolute and clean (the common case on hot loops).
  if (p.charCodeAt(0) === 47 && !/\\|\/\/|\/\.\.?(\/|$)|\/$/.test(p)) return p;
  const parts: string[] = [];
  for (const part of p.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

export function joinPath(...parts: string[]): string {
  return normalizePath(parts.join('/'));
}

/** `path` relative to `root` with forward slashes (`../shared/x.sql` for a path outside root). */
export function relativePath(root: string, path: string): string {
  const r = normalizePath(root).replace(/\/?$/, '/');
  const p = normalizePath(path);
  if (p.startsWith(r)) return p.slice(r.length);
  const rootParts = r.split('/').filter(Boolean);
  const pathParts = p.split('/').filter(Boolean);
  let common = 0;
  while (common < rootParts.length && common < pathParts.length && rootParts[common] === pathParts[common]) common++;
  return [...rootParts.slice(common).map(() => '..'), ...pathParts.slice(common)].join('/');
}
