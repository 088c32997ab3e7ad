/**
 * Engine failures a user can meet and act on, said in their terms, for every front end (the CLI
 * and the language server): a DuckDB file locked by another process (which one, and what to do),
 * a corrupted database file (how to rebuild it). Anything else keeps the engine's own words.
 */
import { readFileSync } from 'node:fs';

/** The command line of a process, where the system tells (Linux's /proc); undefined elsewhere. */
export function processCommand(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 160 ? `${text.slice(0, 157)}...` : text || undefined;
  } catch {
    return undefined;
  }
}

/** The message to print for an engine or run failure, explained when we recognise it. */
export function explainFailure(message: string, describeProcess: (pid: number) => string | undefined = processCommand): string {
  const lock = /Could not set lock on file "([^"]+)": Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(message);
  if (lock) {
    const [, file, program, pid] = lock;
    const command = describeProcess(Number(pid));
    return [
      `The DuckDB database ${file} is in use by another process: PID ${pid} (${command ?? program}).`,
      'A DuckDB file has one writer at a time. Wait for that process to finish, or stop it (another',
      '`medallion build` or `show`, a DuckDB shell, a notebook, or an editor running or previewing this',
      'project), then run this again.',
    ].join('\n');
  }
  // Windows (message localized): 'Cannot open file "X": <reason>. File is already open in <program> (PID n)'.
  const busy = /Cannot open file "([^"]+)":[\s\S]*?File is already open in\s+([\s\S]+?)\s+\(PID (\d+)\)/.exec(message);
  if (busy) {
    const [, file, program, pid] = busy;
    return [
      `The DuckDB database ${file} is in use by another process: PID ${pid} (${describeProcess(Number(pid)) ?? program}).`,
      'A DuckDB file has one writer at a time. Wait for that process to finish, or stop it (another',
      '`medallion build` or `show`, a DuckDB shell, a notebook, or an editor running or previewing this',
      'project), then run this again.',
    ].join('\n');
  }
  const corrupt = /The file "([^"]+)" exists, but it is not a valid DuckDB database file|Corrupt database file|database file .* is corrupt/i.exec(message);
  if (corrupt) {
    const file = corrupt[1] ?? /DuckDB database (\S+?):/.exec(message)?.[1] ?? 'the database file';
    return [
      `${file} is not a usable DuckDB database (${/IO Error: (.*)$/m.exec(message)?.[1] ?? message}).`,
      `Everything in it is built from your project: delete ${file} (and ${file}.wal if it is there) and run`,
      '`medallion build` to rebuild it. (Snapshot history kept only in that file cannot be rebuilt.)',
    ].join('\n');
  }
  return message;
}
