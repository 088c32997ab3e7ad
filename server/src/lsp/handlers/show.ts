/**
 * `medallion/show`: the first rows of a node's compiled SQL (a selection, a CTE, a test's failing
 * rows; see ../preview.ts). The SQL is compiled when the request arrives (the analysis version
 * of that moment); the query runs on the engine shared per database file: with a run's instance
 * while one runs (DuckDB shows each node before or after it was built, never half), else on the
 * file opened read-only and closed when the preview ends.
 */
import type { CancellationToken } from 'vscode-languageserver/node';
import { nodesInFile } from '../../core/ide';
import type { Engine } from '../../engines/engine';
import { explainFailure } from '../../runner/failures';
import { previewQuery } from '../preview';
import type { ShowParams, ShowResult } from '../protocol';
import type { ServerState } from '../state';

export const emptyShow = (error: string, node: string | null = null): ShowResult => ({ node, columns: [], rows: [], seconds: 0, error });

export async function show(state: ServerState, params: ShowParams, token: CancellationToken): Promise<ShowResult> {
  if (!state.workspace.all().length) return emptyShow('No dbt project in this workspace');
  const where = params.uri ? state.at(params.uri) : undefined;
  const project = where?.project ?? state.workspace.all()[0]!;
  const analysis = project.get();
  const node = params.nodeId ? analysis.project.nodes.get(params.nodeId) : where ? nodesInFile(analysis, where.file).find((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test') : undefined;
  if (!node) return emptyShow('Open a model to preview it');
  const compiler = project.compilerFor(params.target);
  const query = previewQuery(compiler, node, params, where ? state.textOf(where.path) : undefined);
  if ('error' in query) return emptyShow(query.error, node.uniqueId);
  const { sql, title } = query;
  let engine: Engine | undefined;
  try {
    engine = await state.engines.acquire(compiler.options.target, project.root, state.env, 'preview');
    const session = await engine.acquire();
    const controller = state.cancellation(token);
    const started = performance.now();
    const limit = Math.max(0, Math.min(params.limit ?? 500, 100_000));
    try {
      const result = await session.execute(`select * from (\n${sql}\n) as medallion_preview limit ${limit}`, { signal: controller.signal });
      return { node: node.uniqueId, sql, title, columns: result.columns, rows: result.rows, seconds: (performance.now() - started) / 1000, error: null };
    } finally {
      engine.release(session);
    }
  } catch (err) {
    // A file another process holds, or a corrupted one: who holds it and what to do, as the CLI says.
    return emptyShow(explainFailure((err as Error).message), node.uniqueId);
  } finally {
    await engine?.close();
  }
}
