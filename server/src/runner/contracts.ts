/**
 * Enforced model contracts before a model builds, as dbt does: the contract itself must be valid,
 * every column needs a data_type, and the engine's own types of the model's SQL and of the
 * contract's `cast(null as <data_type>)` columns must agree (dbt's `assert_columns_equivalent`).
 */
import type { Compiler } from '../core/compiler';
import { compareContract, contractFailureMessage, contractProblems, emptySchemaSql, emptySubquerySql, missingDataTypes, type Contract } from '../core/contracts';
import type { ProjectGraph } from '../core/graph';
import type { ProjectNode } from '../core/model';
import type { Engine, EngineSession } from '../engines/engine';

/** dbt's message when the contract fails, or undefined when the model may build. */
export async function checkContract(engine: Engine, session: EngineSession, node: ProjectNode, contract: Contract, sql: string, signal?: AbortSignal): Promise<string | undefined> {
  const invalid = contractProblems(node);
  if (invalid.length > 0) return invalid.map((d) => d.message).join('\n');
  const missing = missingDataTypes(contract);
  if (missing) return missing;
  const sqlColumns = await engine.describeQuery(session, emptySubquerySql(sql), signal);
  const contractColumns = await engine.describeQuery(session, emptySubquerySql(emptySchemaSql(contract, engine.dialect.quoteIdentifier)), signal);
  const mismatches = compareContract(contractColumns, sqlColumns);
  return mismatches ? contractFailureMessage(mismatches) : undefined;
}

/** Foreign-key parents written as `ref('x')` or `source('s', 't')`, as the relations they name. */
export function contractReferences(graph: ProjectGraph, compiler: Compiler, contract: Contract): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of [...contract.constraints, ...contract.columns.flatMap((c) => c.constraints)]) {
    if (k.type !== 'foreign_key' || !k.to || out.has(k.to)) continue;
    const ref = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(k.to);
    const source = /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(k.to);
    const parent = ref ? graph.resolveRef(ref[1]!) : source ? graph.resolveSource(source[1]!, source[2]!) : undefined;
    if (parent) out.set(k.to, compiler.relation(parent).render());
  }
  return out;
}
