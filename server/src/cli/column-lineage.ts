/**
 * `medallion lineage <model> --column <col> [--output json]`: one column traced upstream to the
 * sources and downstream to everything computed from it, from the column model (DuckDB's binder
 * and parse tree for DuckDB targets; for other targets a parser's reading, marked not exact).
 */
import type { Analysis } from '../core/analysis';
import type { ColumnModel } from '../core/columns/model';
import { traceColumn, type TracedColumn } from '../core/columns/trace';
import type { FileHost } from '../core/host';
import type { ProjectNode } from '../core/model';
import { createCompiler, type CompilerRequest } from '../core/session';
import { openColumnService } from '../columns/open';
import { bold, dim } from './output';

export async function columnLineageCommand(analysis: Analysis, host: FileHost, node: ProjectNode, column: string, request: CompilerRequest, output: string | undefined): Promise<number> {
  const { compiler, resolved } = createCompiler(host, analysis, request);
  const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    process.stderr.write(errors.map((d) => `${d.file}: ${d.message}\n`).join(''));
    return 1;
  }
  // Only what the trace can reach: the node's ancestors, its descendants, and their ancestors.
  const { graph } = analysis;
  const scope = new Set<string>([node.uniqueId, ...graph.upstream(node.uniqueId).keys()]);
  for (const id of graph.downstream(node.uniqueId).keys()) {
    scope.add(id);
    for (const up of graph.upstream(id).keys()) scope.add(up);
  }
  const service = await openColumnService(resolved.target, { projectRoot: analysis.project.root, env: request.env });
  let model: ColumnModel;
  try {
    model = await service.submit({ analysis, compiler, version: 1, scope });
  } finally {
    await service.close();
  }
  const trace = traceColumn(analysis, model, node.uniqueId, column);
  if (trace.problem) {
    process.stderr.write(`${trace.problem}\n`);
    return 1;
  }
  const name = (id: string): string => {
    const n = analysis.project.nodes.get(id)!;
    return n.resourceType === 'source' ? `${n.source!.sourceName}.${n.name}` : n.name;
  };
  if (output === 'json') {
    const json = (c: TracedColumn): object => ({ node: c.nodeId, name: name(c.nodeId), column: c.column, type: c.type ?? null, depth: c.depth, exact: c.exact });
    process.stdout.write(JSON.stringify({ target: resolved.target.name, column: json(trace.column), upstream: trace.upstream.map(json), downstream: trace.downstream.map(json), edges: trace.edges }, null, 2) + '\n');
    return 0;
  }
  const row = (c: TracedColumn): string => `  ${String(c.depth).padStart(3)}  ${`${name(c.nodeId)}.${c.column}`.padEnd(44)} ${(c.type ?? '?').padEnd(16)}${c.exact ? '' : ' (not exact)'}`.trimEnd();
  const start = trace.column;
  const how = model.get(node.uniqueId)?.lineage === 'engine' ? `traced by ${resolved.target.type === 'duckdb' ? 'DuckDB' : 'the warehouse'}` : 'not exact: traced by a SQL parser';
  process.stdout.write(`${bold(`${name(node.uniqueId)}.${start.column}`)}  ${dim(`${start.type ?? '?'} · ${node.resourceType} · target ${resolved.target.name} · ${how}`)}\n`);
  process.stdout.write(`upstream (${trace.upstream.length}):\n${trace.upstream.map(row).join('\n')}${trace.upstream.length ? '\n' : ''}`);
  process.stdout.write(`downstream (${trace.downstream.length}):\n${trace.downstream.map(row).join('\n')}${trace.downstream.length ? '\n' : ''}`);
  return 0;
}
