/**
 * What `medallion/show` runs: a node's compiled SQL (for a test: its failing rows), a seed's or
 * source's relation, an editor selection compiled in its model's context, or the CTE under the
 * cursor (its `with` chain up to it, from the compiled SQL).
 */
import type { Compiler } from '../core/compiler';
import type { ProjectNode } from '../core/model';
import { cteAt, cteQuery } from '../core/sql-ctes';
import { LineIndex } from '../core/text';
import type { ShowParams } from './protocol';

export type PreviewQuery = { sql: string; title: string } | { error: string };

export function previewQuery(compiler: Compiler, node: ProjectNode, params: ShowParams, documentText?: string): PreviewQuery {
  const problem = (diagnostics: Array<{ message: string }>): PreviewQuery => ({ error: `${node.name} does not compile${diagnostics[0] ? `: ${diagnostics[0].message}` : ''}` });
  if (node.resourceType === 'seed' || node.resourceType === 'source') return { sql: `select * from ${compiler.relation(node).render()}`, title: node.name };
  if (params.text !== undefined && params.text.trim()) {
    const compiled = compiler.compileText(node.uniqueId, params.text);
    return compiled.sql === undefined ? problem(compiled.diagnostics) : { sql: compiled.sql, title: `${node.name} (selection)` };
  }
  const compiled = compiler.compile(node.uniqueId);
  if (compiled.sql === undefined) return problem(compiled.diagnostics);
  if (params.cteAt && documentText !== undefined) {
    const cte = cteAt(documentText, new LineIndex(documentText).offset(params.cteAt));
    const sql = cte && cteQuery(compiled.sql, cte.name);
    if (cte && !sql) return { error: `CTE '${cte.name}' is not in ${node.name}'s compiled SQL` };
    if (cte && sql) return { sql, title: `${node.name} › ${cte.name}` };
  }
  return { sql: compiled.sql, title: node.name };
}
