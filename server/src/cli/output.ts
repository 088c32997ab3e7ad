/** Terminal rendering shared by the commands: diagnostics as `file:line:col`, colours only on a TTY. */
import { joinPath } from '../core/host';
import type { Diagnostic } from '../core/diagnostics';
import type { Project } from '../core/model';
import { LineIndex } from '../core/text';
import type { FileHost } from '../core/host';

/** Colours only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colourWanted(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return isTTY === true && !env.NO_COLOR;
}

const useColour = colourWanted(process.stdout.isTTY, process.env);
const paint = (code: string) => (s: string): string => (useColour ? `\u001b[${code}m${s}\u001b[0m` : s);
export const red = paint('31');
export const yellow = paint('33');
export const green = paint('32');
export const dim = paint('2');
export const bold = paint('1');

/** `models/x.sql:3:14: error unknown-ref: ...` (1-based line and column, like compilers print). */
export function formatDiagnostic(d: Diagnostic, project: Project, host: FileHost, lines = new Map<string, LineIndex | undefined>()): string {
  let where = d.file;
  if (d.span) {
    if (!lines.has(d.file)) {
      // Project files are relative to the root; profiles.yml and other outside files are absolute.
      const absolute = /^([a-zA-Z]:)?[\\/]/.test(d.file);
      const text = project.files.get(d.file)?.text ?? readText(host, absolute ? d.file : joinPath(project.root, d.file));
      lines.set(d.file, text === undefined ? undefined : new LineIndex(text));
    }
    const p = lines.get(d.file)?.position(d.span.start);
    if (p) where = `${d.file}:${p.line + 1}:${p.character + 1}`;
  }
  const severity = d.severity === 'error' ? red('error') : d.severity === 'warning' ? yellow('warning') : 'info';
  return `${where}: ${severity} ${dim(d.code)}: ${d.message}`;
}

function readText(host: FileHost, path: string): string | undefined {
  const r = host.read(path);
  return r.kind === 'text' ? r.text : undefined;
}

export function printDiagnostics(diagnostics: Diagnostic[], project: Project, host: FileHost, stream: NodeJS.WriteStream = process.stderr): void {
  if (diagnostics.length === 0) return;
  // Each file read and indexed once, however many diagnostics it has; one write for them all.
  const lines = new Map<string, LineIndex | undefined>();
  stream.write(diagnostics.map((d) => `${formatDiagnostic(d, project, host, lines)}\n`).join(''));
}
