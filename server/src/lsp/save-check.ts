/**
 * On save, the target engine itself checks the compiled SQL: DuckDB's parser, or the Databricks
 * warehouse (`explain`) when one is configured and reachable. No engine judges another's dialect.
 * A check carries the document version it was made for: when the document changed while the
 * engine answered, the answer is about text that is gone and is dropped.
 */
import { nodesInFile } from '../core/ide';
import { mapCompiledLines } from '../core/compiler/source-map';
import type { Diagnostic } from '../core/diagnostics';
import type { Target } from '../core/profiles';
import type { SyntaxProblem } from '../engines/engine';
import type { Lines } from './convert';
import type { Where } from './state';

/** The target engine's verdict on compiled SQL (undefined: it parses, or the engine cannot say). */
export type SyntaxCheck = (target: Target, root: string, sql: string) => Promise<SyntaxProblem | undefined>;

export interface SaveCheckContext {
  check: SyntaxCheck;
  lines: Lines;
  /** The document's version now (undefined once it is closed). */
  currentVersion: () => number | undefined;
  /** Re-publishes the project's problems. */
  schedule: () => void;
}

/** Checks a saved model; true when its result was applied, false when there was nothing to check or the result was stale. */
export async function checkSavedDocument(where: Where, saved: { text: string; version: number }, context: SaveCheckContext): Promise<boolean> {
  const { project, file } = where;
  const node = nodesInFile(project.get(), file).find((n) => n.resourceType === 'model' || n.resourceType === 'snapshot');
  const compiler = project.compilerFor();
  const target = compiler.options.target;
  if (!node || (target.type !== 'duckdb' && target.type !== 'databricks')) return false;
  const result = compiler.compile(node.uniqueId);
  const problems: Diagnostic[] = [];
  if (result.sql !== undefined) {
    const problem = await context.check(target, project.root, result.sql);
    if (context.currentVersion() !== saved.version) return false;
    if (problem) {
      const map = mapCompiledLines(saved.text, result.sql);
      const line = problem.line !== undefined ? (map[problem.line - 1] ?? 0) : 0;
      const index = context.lines.forText(where.path, saved.text);
      const start = index.offset({ line, character: 0 });
      const end = index.offset({ line: line + 1, character: 0 });
      problems.push({ code: 'sql-syntax', severity: 'error', file, span: { start, end: Math.max(start, end - 1) }, message: `${target.type === 'duckdb' ? 'DuckDB' : 'Databricks'} (target ${target.name}) cannot parse the compiled SQL: ${problem.message}` });
    }
  }
  if (problems.length > 0 || project.engineProblems.has(file)) {
    if (problems.length > 0) project.engineProblems.set(file, problems);
    else project.engineProblems.delete(file);
    project.dirty?.add(file);
    context.schedule();
  }
  return true;
}
