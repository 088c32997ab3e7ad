/**
 * A macro's `depends_on.macros` in manifest.json: dbt's static reading of its calls
 * (`statically_extract_macro_calls`: every Call node of the macro's Jinja in jinja2's
 * `find_all` order, first occurrence kept), for calls in every construct a macro can hold.
 * The golden is dbt's own: `dbt parse` of test/fixtures/macro-calls (dbt-core 1.10.23,
 * dbt-duckdb 1.11.1), each project macro's depends_on.macros.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { createCompiler } from '../server/src/core/session';
import { NodeFileHost } from '../server/src/node/fs-host';
import { writeManifest } from '../server/src/runner/artifacts';
import { testPath } from './support/golden';
import { GOLDEN_INVOCATION_ID, GOLDEN_RUN_STARTED_AT, goldenClock } from './support/parity';

const root = testPath('fixtures', 'macro-calls');
const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'macro-calls', 'depends_on.json'), 'utf8')) as Record<string, string[]>;

function macroDependencies(): Record<string, string[]> {
  const host = new NodeFileHost();
  const clock = goldenClock();
  // As `medallion parse` loads: the writer reads the macro templates the load parsed.
  const analysis = analyzeProject(host, root, { clock, keepManifestInputs: true });
  const { compiler, resolved } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [root], clock, invocationId: GOLDEN_INVOCATION_ID });
  const dir = mkdtempSync(join(tmpdir(), 'medallion-macro-calls-'));
  try {
    const path = writeManifest(dir, { analysis, host, compiler, target: resolved.target, invocationId: GOLDEN_INVOCATION_ID, runStartedAt: GOLDEN_RUN_STARTED_AT });
    const macros = (JSON.parse(readFileSync(path, 'utf8')) as { macros: Record<string, { depends_on: { macros: string[] } }> }).macros;
    return Object.fromEntries(Object.entries(macros).filter(([id]) => id.startsWith('macro.macro_calls.')).map(([id, m]) => [id, m.depends_on.macros]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('manifest.json: depends_on.macros of a macro, as dbt reads its calls', () => {
  const ours = macroDependencies();
  for (const [id, expected] of Object.entries(golden)) {
    it(id.slice('macro.macro_calls.'.length), () => {
      assert.deepEqual(ours[id], expected);
    });
  }
  it('every macro of the fixture is in the golden', () => {
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(golden).sort());
  });
});
