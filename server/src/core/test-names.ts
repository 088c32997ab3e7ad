/** dbt's names for generic tests (`not_null_silver_orders_id`), so artifacts and selectors match dbt's. */
import { createHash } from 'node:crypto';
import type { ProjectNode } from './model';

/** Mirrors dbt's synthesize_generic_test_names: test name, target, then the sorted argument values. */
export function synthesizeTestName(testName: string, target: Pick<ProjectNode, 'name' | 'resourceType' | 'source'>, kwargs: Record<string, unknown>): string {
  // Built as one string, without intermediate arrays: a big project names tens of thousands of tests.
  const keys = Object.keys(kwargs);
  // The default order (UTF-16 code units) by insertion: tests have a few arguments, and sort() allocates.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  let unique = '';
  let first = true;
  const add = (part: unknown): void => {
    const text = pythonStr(part).replace(/[^0-9a-zA-Z_]+/g, '_');
    unique = first ? text : `${unique}__${text}`;
    first = false;
  };
  for (const key of keys) {
    if (key === 'model') continue;
    const value = kwargs[key];
    if (Array.isArray(value)) for (const part of value) add(part);
    else if (value && typeof value === 'object') for (const part of Object.values(value)) add(part);
    else add(value);
  }
  // Source tests read `source_<test>_<source>_<table>` in dbt.
  const identifier = target.resourceType === 'source' ? `source_${testName}_${target.source!.sourceName}_${target.name}` : `${testName}_${target.name}`;
  return `${identifier}_${unique}`;
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
