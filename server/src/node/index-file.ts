/** The persisted index on disk: its hash, the build that writes it, an atomic write and a read that never throws. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** sha1 of the UTF-8 text, base64: collisions are not a concern here, speed is (10k files per start). */
export function hashText(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

/** The running code's identity: its file's size and modification time (any rebuild or upgrade changes it). */
export function buildId(file: string = __filename): string {
  try {
    const st = statSync(file);
    return `${file}:${st.size}:${st.mtimeMs}`;
  } catch {
    return `${file}:unknown`;
  }
}

/** The index text, or undefined when there is none; a read error is a reason, never a throw. */
export function readIndexFile(path: string): { text?: string; problem?: string } {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? {} : { problem: (err as Error).message };
  }
}

/** Writes `text` to `path` through a temporary file renamed over it: a reader sees the old or the new index, never half of one. */
export function writeIndexFile(path: string, text: string): string | undefined {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, path);
    return undefined;
  } catch (err) {
    rmSync(temp, { force: true });
    return (err as Error).message;
  }
}
