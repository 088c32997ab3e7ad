/** The FileHost over the real file system (CLI, language server, runner). */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
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
    const visited = new Set<string>();
    const walk = (d: string): void => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(d, e.name);
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          // Followed (dbt deps links local packages), but each real folder once: links may loop.
          try {
            const st = statSync(full);
            isDir = st.isDirectory();
            isFile = st.isFile();
            if (isDir) {
              const real = realpathSync(full);
              if (visited.has(real)) continue;
              visited.add(real);
            }
          } catch {
            continue;
          }
        }
        if (isDir) {
          if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(full);
        } else if (isFile) {
          out.push(normalizePath(full));
        }
      }
    };
    walk(dir);
    return out.sort();
  }
}
