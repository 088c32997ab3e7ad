/** The FileHost over the real file system (CLI, language server, runner). */
import { closeSync, type Dirent, fstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { MAX_FILE_BYTES, normalizePath, type BytesResult, type FileHost, type ReadResult } from '../core/host';

/** Folders never worth walking into inside a dbt project. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'target', 'dbt_packages', 'logs', '.venv', '__pycache__']);

/** One read buffer for the common small file: a project load reads thousands of them. */
const SMALL = 64 * 1024;
let buffer: Buffer | undefined;

export class NodeFileHost implements FileHost {
  /** Listings by folder, for a host whose files do not change while it is used (`listsOnce`). */
  private readonly listings: Map<string, string[]> | undefined;

  /**
   * @param options.listsOnce each folder is listed once and the listing reused: for a one-shot
   *   command (`medallion parse`), where the load and the manifest writer list the same folders.
   */
  constructor(options: { listsOnce?: boolean } = {}) {
    if (options.listsOnce) this.listings = new Map();
  }

  read(path: string): ReadResult {
    return withOpenFile(path, (fd): ReadResult => {
      // Open once and read into a shared buffer: a file shorter than the buffer is read whole
      // without a stat. Only a larger file is sized (fstat) before it is read.
      buffer ??= Buffer.allocUnsafe(SMALL);
      const first = readSync(fd, buffer, 0, SMALL, 0);
      if (first < SMALL) return { kind: 'text', text: buffer.toString('utf8', 0, first) };
      const size = fstatSync(fd).size;
      if (size > MAX_FILE_BYTES) return { kind: 'too-large', size };
      return { kind: 'text', text: readFileSync(fd, 'utf8') };
    });
  }

  readBytes(path: string): BytesResult {
    return withOpenFile(path, (fd): BytesResult => {
      const size = fstatSync(fd).size;
      if (size > MAX_FILE_BYTES) return { kind: 'too-large', size };
      return { kind: 'bytes', bytes: readFileSync(fd) };
    });
  }

  realPath(path: string): string {
    try {
      return normalizePath(realpathSync(path));
    } catch {
      return normalizePath(path);
    }
  }

  list(dir: string): string[] {
    if (!this.listings) return this.walk(dir);
    let files = this.listings.get(dir);
    if (!files) this.listings.set(dir, (files = this.walk(dir)));
    // A copy: callers may sort or change what they get.
    return files.slice();
  }

  listLevel(dir: string): { files: string[]; folders: string[] } {
    const files: string[] = [];
    const folders: string[] = [];
    const visited = new Set<string>();
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (const e of entriesOf(dir)) {
      const kind = kindOf(prefix + e.name, e, visited);
      if (kind === 'folder' && !skipsFolder(e.name)) folders.push(normalizePath(prefix + e.name));
      else if (kind === 'file') files.push(normalizePath(prefix + e.name));
    }
    return { files: files.sort(), folders: folders.sort() };
  }

  private walk(dir: string): string[] {
    const out: string[] = [];
    const visited = new Set<string>();
    const walk = (d: string): void => {
      // Appending the name is path.join without its per-character normalization
      // (the listed paths are normalized once, below).
      const prefix = d.endsWith('/') ? d : `${d}/`;
      for (const e of entriesOf(d)) {
        const full = prefix + e.name;
        const kind = kindOf(full, e, visited);
        if (kind === 'folder') {
          if (!skipsFolder(e.name)) walk(full);
        } else if (kind === 'file') {
          out.push(normalizePath(full));
        }
      }
    };
    walk(dir);
    return out.sort();
  }
}

function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function skipsFolder(name: string): boolean {
  return SKIP_DIRS.has(name) || name.startsWith('.');
}

/**
 * A listed entry as a file or folder; a link is followed (dbt deps links local packages), but
 * each real folder once per `visited`: links may loop. Undefined for anything else or a broken link.
 */
function kindOf(full: string, e: Dirent, visited: Set<string>): 'file' | 'folder' | undefined {
  if (!e.isSymbolicLink()) return e.isDirectory() ? 'folder' : e.isFile() ? 'file' : undefined;
  try {
    const st = statSync(full);
    if (st.isFile()) return 'file';
    if (!st.isDirectory()) return undefined;
    const real = realpathSync(full);
    if (visited.has(real)) return undefined;
    visited.add(real);
    return 'folder';
  } catch {
    return undefined;
  }
}

/** Opens a file for `use` and closes it after; a file that cannot be opened or read is missing or an error. */
function withOpenFile<T>(path: string, use: (fd: number) => T): T | { kind: 'missing' } | { kind: 'error'; message: string } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return use(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'error', message: (err as Error).message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
