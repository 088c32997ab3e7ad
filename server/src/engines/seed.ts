/**
 * A seed file as every engine loads it: read by the one CSV reader (`core/csv.ts`), so DuckDB and
 * Databricks get the same rows from the same file; column types are the seed's `column_types`
 * where given, else inferred as dbt infers them (agate's order). Empty cells are nulls.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { inferCsvColumnType, readCsv, type CsvColumnType } from '../core/csv';
import type { ProjectNode } from '../core/model';
import { EngineError } from './engine';

export interface SeedRows {
  names: string[];
  /** Per column: the declared type as written (`column_types`), or the inferred one. */
  types: Array<{ declared: string } | { inferred: CsvColumnType }>;
  /** Values as text; null for an empty cell. */
  rows: Array<Array<string | null>>;
}

export function readSeed(node: ProjectNode, projectRoot: string): SeedRows {
  const path = isAbsolute(node.file) ? node.file : join(projectRoot, node.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EngineError(`Cannot read seed file ${node.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const delimiter = typeof node.config.delimiter === 'string' && node.config.delimiter.length === 1 ? node.config.delimiter : ',';
  const csv = readCsv(text, delimiter);
  if (csv.error) throw new EngineError(`${node.file}:${csv.error.line}: ${csv.error.message}`);
  const [header, ...records] = csv.rows;
  if (!header || header.every((h) => h.trim() === '')) throw new EngineError(`Seed ${node.file} is empty: it needs a header row`);
  const names = header.map((h) => h.trim());
  records.forEach((row, i) => {
    if (row.length !== names.length) throw new EngineError(`${node.file}:${csv.lines[i + 1]}: ${row.length} field${row.length === 1 ? '' : 's'} where the header has ${names.length}`);
  });
  const rows = records.map((r) => r.map((v) => (v.trim() === '' ? null : v)));
  const overrides = (node.config.column_types ?? {}) as Record<string, unknown>;
  const types = names.map((name, i) => (overrides[name] !== undefined ? { declared: String(overrides[name]) } : { inferred: inferCsvColumnType(records.map((r) => r[i]!)) }));
  return { names, types, rows };
}
