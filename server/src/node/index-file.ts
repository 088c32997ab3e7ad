/** The persisted index on disk: its hash, the build that writes it, an atomic write and a read that never throws. */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MAX_FILE_BYTES } from '../core/host';

/** sha1 of the UTF-8 text, base64: collisions are not a concern here, speed is (10k files per start). */
export function hashText(text: string | Uint8Array): string {
  return createHash('sha1').update(text).digest('base64');
}

const SMALL = 64 * 1024;
let buffer: Buffer | undefined;

/**
 * A file's `readToken` (core/persisted-index.ts) from its bytes, hashed without decoding them:
 * what `NodeFileHost.read` would return, classified the same way (a file that is not valid UTF-8
 * gets a token its decoded text never has, so its index is ignored: slower, never wrong).
 */
export function fileToken(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    buffer ??= Buffer.allocUnsafe(SMALL);
    const first = readSync(fd, buffer, 0, SMALL, 0);
    if (first < SMALL) return `t${hashText(buffer.subarray(0, first))}`;
    const size = fstatSync(fd).size;
    if (size > MAX_FILE_BYTES) return `L${size}`;
    return `t${hashText(readFileSync(fd))}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'm';
    return `e${(err as Error).message}`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
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
