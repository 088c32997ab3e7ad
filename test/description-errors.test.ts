/**
 * Descriptions dbt fails the parse on (issue 10, "Bad input"): each is a `jinja-render` error at its
 * yml value naming the cause, the rest of the project still loads. One fixture project per case
 * under test/fixtures/parity/yml_errors/ (dbt stops at the first failure); dbt-core 1.12.6's own
 * error for each is its golden (test/goldens/dbt/yml_errors/<case>/error.txt, scripts/dbt-goldens.sh
 * yml_errors), and the cause it names must be in ours. Descriptions dbt renders without failing
 * (test/fixtures/parity/yml_descriptions: no macros, ref, source or config; disabled nodes and
 * patches of nothing not rendered) give no diagnostic; their manifest is checked by manifest.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { LineIndex } from '../server/src/core/text';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';

/** case → where the failing description's value starts (line:column, 1-based) and the cause dbt's error and ours both name. */
const CASES: Record<string, { at: string; cause: string }> = {
  missing_var: { at: '4:18', cause: "Required var 'region' not found in config" },
  missing_env_var: { at: '6:22', cause: "Env var required but not provided: 'MEDALLION_DESCRIBE_UNSET'" },
  undefined_macro: { at: '6:22', cause: "'shout' is undefined" },
  undefined_attribute: { at: '4:18', cause: "'settings' is undefined" },
  syntax_error: { at: '4:18', cause: "expected ')'" },
  ref_call: { at: '4:18', cause: "'ref' is undefined" },
  source_call: { at: '8:26', cause: "'source' is undefined" },
  config_call: { at: '4:18', cause: "'config' is undefined" },
  missing_doc: { at: '8:22', cause: "doc 'shout_arg'" },
  exposure_var: { at: '7:18', cause: "Required var 'team' not found in config" },
  seed_desc: { at: '4:18', cause: "Required var 'seed_owner' not found in config" },
  top_level_if: { at: '6:22', cause: "'If' object has no attribute 'nodes'" },
};

function errorsOf(root: string, env: Record<string, string> = {}): string[] {
  const analysis = analyzeProject(new NodeFileHost(), root, { env });
  return analysis.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => {
      const text = analysis.project.files.get(d.file)?.text ?? '';
      const p = d.span ? new LineIndex(text).position(d.span.start) : { line: -1, character: -1 };
      return `${d.file}:${p.line + 1}:${p.character + 1}: ${d.code}: ${d.message}`;
    });
}

describe('descriptions dbt fails the parse on', () => {
  for (const [name, { at, cause }] of Object.entries(CASES)) {
    it(name, () => {
      const golden = readFileSync(testPath('goldens', 'dbt', 'yml_errors', name, 'error.txt'), 'utf8');
      assert.ok(golden.includes('Encountered an error') && golden.includes(cause), `dbt's error names ${cause}:\n${golden}`);
      const errors = errorsOf(testPath('fixtures', 'parity', 'yml_errors', name));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.ok(errors[0]!.startsWith(`models/schema.yml:${at}: jinja-render: Cannot render '`), errors[0]);
      assert.ok(errors[0]!.includes(cause), errors[0]);
    });
  }

  it('a set environment variable renders', () => {
    assert.deepEqual(errorsOf(testPath('fixtures', 'parity', 'yml_errors', 'missing_env_var'), { MEDALLION_DESCRIBE_UNSET: 'set' }), []);
  });
});

describe('descriptions dbt renders', () => {
  it('undefined names printed, tests of what the docs context lacks, block tags where dbt allows them, disabled nodes and patches of nothing', () => {
    assert.deepEqual(errorsOf(testPath('fixtures', 'parity', 'yml_descriptions')), []);
  });

  const project = (schema: string, extra: Record<string, string> = {}): MemoryHost =>
    new MemoryHost({ 'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\n', 'models/a.sql': 'select 1 as id', 'models/schema.yml': schema, ...extra }, '/p');
  const errors = (host: MemoryHost): string[] =>
    analyzeProject(host, '/p')
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => `${d.file}:${d.span?.start}: ${d.message}`);

  it('the same failing text twice is an error at each place', () => {
    const schema = 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        description: "{{ var(\'x\') }}"\n      - name: id2\n        description: "{{ var(\'x\') }}"\n';
    const first = schema.indexOf('"{{');
    assert.deepEqual(errors(project(schema)), [
      `models/schema.yml:${first}: Cannot render '{{ var('x') }}': Required var 'x' not found in config`,
      `models/schema.yml:${schema.indexOf('"{{', first + 1)}: Cannot render '{{ var('x') }}': Required var 'x' not found in config`,
    ]);
  });

  it("a source's own description is checked once, however many tables it has", () => {
    const schema = 'version: 2\nsources:\n  - name: raw\n    description: "{{ ref(\'a\') }}"\n    tables:\n      - name: t1\n      - name: t2\n';
    assert.deepEqual(errors(project(schema)), [`models/schema.yml:${schema.indexOf('"{{')}: Cannot render '{{ ref('a') }}': 'ref' is undefined`]);
  });

  it("a missing doc is no error in a project with docs-paths (doc blocks there are not read)", () => {
    const schema = 'version: 2\nmodels:\n  - name: a\n    description: "{{ doc(\'elsewhere\') }}"\n';
    assert.deepEqual(errors(project(schema, { 'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\ndocs-paths: ["docs"]\n', 'docs/a.md': '{% docs elsewhere %}x{% enddocs %}' })), []);
    assert.deepEqual(errors(project(schema)), [`models/schema.yml:${schema.indexOf('"{{')}: Cannot render '{{ doc('elsewhere') }}': depends on doc 'elsewhere' which was not found`]);
  });

  it("a generic test's description", () => {
    const schema = 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              description: "{{ source(\'s\', \'t\') }}"\n';
    assert.deepEqual(errors(project(schema)), [`models/schema.yml:${schema.indexOf('"{{')}: Cannot render '{{ source('s', 't') }}': 'source' is undefined`]);
  });
});
