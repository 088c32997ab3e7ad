/** The FileHost over the real file system (CLI, language server, runner). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_FILE_BYTES, normalizePath, type FileHost, type ReadResult } from '../core/host';

/** Folders never worth walking into inside a dbt project. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'target', 'dbt_packages', 'logs', '.venv', '__pycache__']);

export class NodeFileHost implements FileHost {
  read(path: string): ReadResult {
    try {
      const size = statSync(path).size;
      if (size > MAX_FILE_BYTES) return { kind: 'too-large', size };
      return { kind: 'text', text: readFileSync(path, 'utf8') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
      return { kind: 'error', message: (err as Error).message };
    }
  }

  list(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string): void => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(join(d, e.name));
        } else if (e.isFile()) {
          out.push(normalizePath(join(d, e.name)));
        }
      }
    };
    walk(dir);
    return out.sort();
  }
}
