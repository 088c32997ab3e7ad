/**
 * state:modified.configs (and .macros) against the pinned dbt-core after yml edits of meta and test configs
 * (test/fixtures/test_tags_macros-state-edits.json, each applied alone to a copy of
 * test/fixtures/parity/test_tags_macros): the state is dbt's manifest of the unedited fixture, the
 * goldens what `dbt ls -s state:modified.configs` picked (scripts/dbt_goldens/state_configs.py).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { selectNodes } from '../server/src/core/selector';
import { readManifest } from '../server/src/core/state';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';

interface Edit {
  file: string;
  find: string;
  replace: string;
}

/** An edit: its changes (listed with state:modified.configs), or another selector and its changes. */
const edits = (JSON.parse(readFileSync(testPath('fixtures', 'test_tags_macros-state-edits.json'), 'utf8')) as { edits: Record<string, Edit[] | { selector: string; changes: Edit[] }> }).edits;
const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'test_tags_macros', 'state-configs.json'), 'utf8')) as Record<string, string[]>;

describe('state:modified.configs after yml meta and test config edits (and .macros after a get_where_subquery edit), as dbt ls', () => {
  const problems: string[] = [];
  const manifest = readManifest(readFileSync(testPath('goldens', 'dbt', 'test_tags_macros', 'manifest.json'), 'utf8'), 'manifest.json', problems);
  const state = { dir: 'state', manifest: manifest! };

  it('every edit has a golden', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(Object.keys(edits).sort(), Object.keys(golden).sort());
  });

  for (const [name, edit] of Object.entries(edits)) {
    const [selector, changes] = Array.isArray(edit) ? ['state:modified.configs', edit] : [edit.selector, edit.changes];
    it(name, () => {
      const root = mkdtempSync(join(tmpdir(), 'medallion-state-configs-'));
      try {
        cpSync(testPath('fixtures', 'parity', 'test_tags_macros'), root, { recursive: true });
        for (const change of changes) {
          const path = join(root, change.file);
          const text = readFileSync(path, 'utf8');
          assert.equal(text.split(change.find).length, 2, `${change.find} once in ${change.file}`);
          writeFileSync(path, text.replace(change.find, change.replace));
        }
        const { graph } = analyzeProject(new NodeFileHost(), root);
        const readFile = (file: string): string | undefined => {
          try {
            return readFileSync(join(root, file), 'utf8');
          } catch {
            return undefined;
          }
        };
        const selected = selectNodes(graph, { select: [selector], state, readFile });
        assert.deepEqual([...selected.ids].sort(), golden[name], selected.problems.join('\n'));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
