/** dbt's names for generic tests (`not_null_silver_orders_id`), so artifacts and selectors match dbt's. */
import { createHash } from 'node:crypto';
import type { ProjectNode } from './model';

/** Mirrors dbt's synthesize_generic_test_names: test name, target, then the sorted argument values. */
export function synthesizeTestName(testName: string, target: Pick<ProjectNode, 'name' | 'resourceType' | 'source'>, kwargs: Record<string, unknown>): string {
  const flat: string[] = [];
  for (const key of Object.keys(kwargs).sort()) {
    if (key === 'model') continue;
    const value = kwargs[key];
    const parts = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [value];
    flat.push(...parts.map(pythonStr));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  // Source tests read `source_<test>_<source>_<table>` in dbt.
  const identifier = target.resourceType === 'source' ? `source_${testName}_${target.source!.sourceName}_${target.name}` : `${testName}_${target.name}`;
  const full = `${identifier}_${unique}`;
  return full;
}

/** The short name dbt uses for the compiled file and alias when the full name is 64+ characters. */
export function shortTestName(fullName: string, testName: string, targetName: string): string {
  if (fullName.length < 64) return fullName;
  return `${`${testName}_${targetName}`.slice(0, 30)}_${createHash('md5').update(fullName).digest('hex')}`;
}

function pythonStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pythonRepr(k)}: ${pythonRepr(x)}`).join(', ')}}`;
  return String(v);
}

function pythonRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pythonStr(v);
}
