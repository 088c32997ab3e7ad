/** Core → LSP at the edge: files and spans become URIs and ranges; severities and kinds map over. */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Location as LspLocation, type Range } from 'vscode-languageserver/node';
import type { Diagnostic } from '../core/diagnostics';
import { joinPath, type FileHost } from '../core/host';
import type { Location } from '../core/ide';
import { LineIndex, type Span } from '../core/text';

export function uriToPath(uri: string): string {
  return fileURLToPath(uri);
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).toString();
}

/** Line indexes by absolute path, valid for one text. */
export class Lines {
  private readonly cache = new Map<string, LineIndex>();

  constructor(private readonly host: FileHost) {}

  /** The index of a text the caller already holds (the analysis read it): no second read of the file. */
  forText(path: string, text: string): LineIndex {
    const hit = this.cache.get(path);
    if (hit && hit.text === text) return hit;
    const index = new LineIndex(text);
    this.cache.set(path, index);
    return index;
  }

  of(path: string): LineIndex {
    const r = this.host.read(path);
    const text = r.kind === 'text' ? r.text : '';
    const hit = this.cache.get(path);
    if (hit && hit.text === text) return hit;
    const index = new LineIndex(text);
    this.cache.set(path, index);
    return index;
  }

  range(path: string, span: Span | undefined): Range {
    if (!span) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return this.of(path).range(span);
  }
}

export function toLocation(lines: Lines, root: string, loc: Location): LspLocation {
  const path = joinPath(root, loc.file);
  return { uri: pathToUri(path), range: lines.range(path, loc.span) };
}

export function toDiagnostic(lines: Lines, root: string, d: Diagnostic, text?: string): LspDiagnostic {
  const path = joinPath(root, d.file);
  const out: LspDiagnostic = {
    range: text !== undefined && d.span ? lines.forText(path, text).range(d.span) : lines.range(path, d.span),
    message: d.message,
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : d.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    source: 'medallion',
    code: d.code,
  };
  if (d.suggestions?.length) out.data = { suggestions: d.suggestions };
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r) => ({ location: toLocation(lines, root, { file: r.file, ...(r.span ? { span: r.span } : {}) }), message: r.message }));
  }
  return out;
}
