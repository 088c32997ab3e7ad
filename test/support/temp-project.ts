/** Writes a small dbt project into a fresh temp folder; returns its path. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tempProject(files: Record<string, string>, name = 'medallion-test-'): string {
  const root = mkdtempSync(join(tmpdir(), name));
  const all: Record<string, string> = {
    'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/test.duckdb\n      schema: main\n      threads: 2\n',
    ...files,
  };
  if (!('dbt_project.yml' in all)) all['dbt_project.yml'] = 'name: p\nprofile: p\nconfig-version: 2\n';
  for (const [rel, text] of Object.entries(all)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return root;
}

export function writeFile(root: string, rel: string, text: string): void {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
