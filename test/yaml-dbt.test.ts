/**
 * YAML read as dbt-core reads a properties file (PyYAML SafeLoader + dbt's duplicate-key check):
 * values and duplicate-key warnings against goldens that dbt's own loader produced
 * (scripts/dbt_goldens/yaml_goldens.py over test/fixtures/yaml-dbt/*.yml). Both of our readers,
 * the fast path and the library path, must give exactly dbt's answer.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { PyFloat, pyRepr } from '../server/src/core/jinja';
import { LineIndex } from '../server/src/core/text';
import { NodeFileHost } from '../server/src/node/fs-host';
import { parseYamlFast } from '../server/src/core/yaml-fast';
import { parseYaml, parseYamlFully, toJS, type ParsedYaml } from '../server/src/core/yaml-tree';
import { testPath } from './support/golden';

interface Golden {
  value: unknown;
  warnings: Array<{ key: string; line: number; column: number }>;
}

/**
 * Our value in the golden's terms: Python floats and dates are tagged there (a float as its repr).
 * A float must be one here too — a non-integral number, or an integral one boxed (`PyFloat`) — with
 * the same repr; an int must be a plain integral number.
 */
function matches(ours: unknown, golden: unknown, path: string): void {
  if (golden && typeof golden === 'object' && !Array.isArray(golden)) {
    const tag = golden as Record<string, unknown>;
    if ('$float' in tag) {
      const float = ours instanceof PyFloat || (typeof ours === 'number' && !Number.isInteger(ours));
      assert.ok(float && pyRepr(ours) === tag.$float, `${path}: ${pyRepr(ours)} (${ours instanceof PyFloat ? 'float' : typeof ours}) is not the float ${String(tag.$float)}`);
      return;
    }
    if ('$date' in tag) {
      assert.equal(ours, tag.$date, path);
      return;
    }
    assert.ok(ours && typeof ours === 'object' && !Array.isArray(ours), `${path}: expected a mapping`);
    assert.deepEqual(Object.keys(ours), Object.keys(tag), `${path}: keys (and their order) differ`);
    for (const k of Object.keys(tag)) matches((ours as Record<string, unknown>)[k], tag[k], `${path}.${k}`);
    return;
  }
  if (Array.isArray(golden)) {
    assert.ok(Array.isArray(ours) && ours.length === golden.length, `${path}: expected ${golden.length} items`);
    golden.forEach((g, i) => matches(ours[i], g, `${path}[${i}]`));
    return;
  }
  assert.equal(ours, golden, path);
}

function warningsOf(parsed: ParsedYaml, text: string): Golden['warnings'] {
  const index = new LineIndex(text);
  return parsed.problems
    .filter((p) => p.severity === 'warning')
    .map((p) => {
      const at = index.position(p.span.start);
      return { key: /Duplicate key '(.*)':/.exec(p.message)![1]!, line: at.line + 1, column: at.character + 1 };
    });
}

const cases = readdirSync(testPath('fixtures', 'yaml-dbt')).filter((f) => f.endsWith('.yml')).sort();

describe('YAML as dbt-core reads it (goldens from dbt.clients.checked_load)', () => {
  it('has cases', () => assert.ok(cases.length >= 3));
  for (const file of cases) {
    const text = readFileSync(testPath('fixtures', 'yaml-dbt', file), 'utf8');
    const golden = JSON.parse(readFileSync(testPath('goldens', 'yaml-dbt', file.replace(/\.yml$/, '.json')), 'utf8')) as Golden;
    for (const [reader, parse] of [
      ['fast path', parseYamlFast],
      ['library path', parseYamlFully],
    ] as const) {
      it(`${file}: ${reader}`, () => {
        const parsed = parse(text);
        assert.ok(parsed, `the fast path declined ${file}`);
        assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
        matches(toJS(parsed.root), golden.value, '$');
        assert.deepEqual(warningsOf(parsed, text), golden.warnings);
      });
    }
  }

  it('a duplicate key is a warning naming the key; the file still loads', () => {
    const parsed = parseYaml('models:\n  - name: a\n    name: b\n');
    assert.deepEqual(parsed.problems.map((p) => [p.severity, p.message]), [['warning', "Duplicate key 'name': the last one wins (dbt warns: DuplicateYAMLKeysDeprecation)"]]);
    assert.deepEqual(toJS(parsed.root), { models: [{ name: 'b' }] });
  });

  it('a project whose yml uses anchors: one warning (the duplicate key dbt warns about), no error, the anchor holder silent', () => {
    const root = testPath('fixtures', 'parity', 'yaml_anchors');
    const { diagnostics, project } = analyzeProject(new NodeFileHost(), root);
    const text = readFileSync(`${root}/models/_models.yml`, 'utf8');
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.file, new LineIndex(text).position(d.span!.start).line + 1, d.message.split(':')[0]]),
      [['warning', 'yaml-syntax', 'models/_models.yml', 31, "Duplicate key 'description'"]],
    );
    // Merged tests and configs are there (the rest is compared with dbt's manifest by the parity tests).
    assert.equal(project.nodes.get('model.yaml_anchors.orders')!.config.materialized, 'table');
    assert.deepEqual(project.nodes.get('model.yaml_anchors.orders')!.config.tags, ['orders']);
  });

  it('what PyYAML refuses is an error: a merge of a scalar, a repeated anchor, an unknown alias', () => {
    for (const text of ['a: &x 1\nb:\n  <<: *x\n', 'a: &x 1\nb: &x 2\n', 'a: *nope\n']) {
      const parsed = parseYaml(text);
      assert.ok(parsed.problems.some((p) => p.severity === 'error'), JSON.stringify(text));
    }
  });
});

describe('the library path resolves aliases as the library does', () => {
  it('each alias to the last node anchored so before it, a redefinition reported', () => {
    // The fast path declines a second anchor of a name: this text is read by the library path.
    const text = 'a: &x 1\nb: *x\nc: &x {k: [2]}\nd: *x\ne: [*x, {m: *x}]\n';
    const parsed = parseYamlFully(text);
    assert.deepEqual(toJS(parsed.root), { a: 1, b: 1, c: { k: [2] }, d: { k: [2] }, e: [{ k: [2] }, { m: { k: [2] } }] });
    assert.deepEqual(
      parsed.problems.map((p) => [p.severity, p.span.start]),
      [['error', text.indexOf('{k')]],
    );
  });
  it('an alias before its anchor is an error, read as null', () => {
    const parsed = parseYamlFully('a: *y\nb: &y 1\n');
    assert.deepEqual(toJS(parsed.root), { a: null, b: 1 });
    assert.equal(parsed.problems.filter((p) => p.severity === 'error').length > 0, true);
  });
});
