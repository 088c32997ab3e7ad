/** test/fixtures/workflows edited as scripts/dbt-workflow-goldens.sh edits it (test/fixtures/workflows-state-edits.json). */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { testPath } from './golden';

type Edit = { file: string; find?: string; replace?: string; create?: string; ls_only?: boolean };
const edits = (JSON.parse(readFileSync(testPath('fixtures', 'workflows-state-edits.json'), 'utf8')) as { edits: Edit[] }).edits;

/** A copy of the workflows fixture, edited as the golden script edits it. */
export function editedWorkflows(options: { build?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'medallion-state-'));
  cpSync(testPath('fixtures', 'workflows'), root, { recursive: true });
  for (const edit of edits) {
    if (options.build && edit.ls_only) continue;
    const path = join(root, edit.file);
    if (edit.create !== undefined) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, edit.create);
      continue;
    }
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes(edit.find!), `${edit.file}: ${edit.find}`);
    writeFileSync(path, text.replace(edit.find!, edit.replace!));
  }
  return root;
}

