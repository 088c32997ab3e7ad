/**
 * State selection against the pinned dbt-core (test/goldens/dbt/workflows/state/, from
 * scripts/dbt-workflow-goldens.sh): test/fixtures/workflows built for production is the state;
 * after the edits of test/fixtures/workflows-state-edits.json (a model's SQL, a macro, yml and
 * config() configs, a seed, a new model, a source's freshness, an exposure, a contract), every
 * `state:` selector picks what `dbt ls --state` picks. And a manifest Medallion wrote compares the
 * same way: unchanged, nothing is modified; edited, the same nodes as against dbt's.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { selectNodes } from '../server/src/core/selector';
import { createCompiler } from '../server/src/core/session';
import { readManifest, stateMatches, type PreviousState } from '../server/src/core/state';
import { stateView } from '../server/src/core/state-view';
import { NodeFileHost } from '../server/src/node/fs-host';
import { writeManifest } from '../server/src/runner/artifacts';
import { runProject } from '../server/src/runner/project-run';
import { testPath } from './support/golden';
import { editedWorkflows } from './support/workflows';

const goldenDefer = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'state', 'defer.json'), 'utf8')) as Record<string, { status: string; relations: string[] }>;
const goldenLs = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'workflows', 'state', 'ls.json'), 'utf8')) as Record<string, string[]>;
const reader = (root: string) => (file: string): string | undefined => {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch {
    return undefined;
  }
};

function previous(manifestText: string, dir: string): PreviousState {
  const problems: string[] = [];
  const manifest = readManifest(manifestText, 'manifest.json', problems);
  assert.deepEqual(problems, []);
  return { dir, manifest: manifest! };
}

describe('state: selectors, as dbt-core (test/fixtures/workflows)', () => {
  const dbtState = previous(readFileSync(testPath('goldens', 'dbt', 'workflows', 'state', 'manifest.json'), 'utf8'), 'prod-artifacts');
  const root = editedWorkflows();
  const { graph } = analyzeProject(new NodeFileHost(), root);

  for (const [selector, expected] of Object.entries(goldenLs)) {
    it(`${selector} against dbt's production manifest`, () => {
      const { ids, problems } = selectNodes(graph, { select: [selector], state: dbtState, readFile: reader(root) });
      assert.deepEqual([...ids].sort(), expected.sort(), problems.join('\n'));
    });
  }

  it('the unchanged fixture against dbt\'s manifest: nothing modified', () => {
    const fixture = testPath('fixtures', 'workflows');
    const unchanged = analyzeProject(new NodeFileHost(), fixture);
    const found = stateMatches(stateView(unchanged.project, reader(fixture)), dbtState, 'modified');
    assert.ok(typeof found !== 'string');
    assert.deepEqual([...found.ids], []);
  });

  it('a manifest Medallion wrote: unchanged, nothing modified; edited, what dbt\'s manifest gives', () => {
    const fixture = mkdtempSync(join(tmpdir(), 'medallion-state-own-'));
    cpSync(testPath('fixtures', 'workflows'), fixture, { recursive: true });
    const host = new NodeFileHost();
    const analysis = analyzeProject(host, fixture);
    const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [fixture], target: 'prod' });
    const path = writeManifest(join(fixture, 'prod-artifacts'), { analysis, host, compiler, target: resolved.target, invocationId: 'state-test' });
    const own = previous(readFileSync(path, 'utf8'), 'prod-artifacts');
    const unchanged = stateMatches(stateView(analysis.project, reader(fixture)), own, 'modified');
    assert.ok(typeof unchanged !== 'string');
    assert.deepEqual([...unchanged.ids], []);
    for (const selector of ['state:modified', 'state:modified.body', 'state:modified.configs', 'state:modified.relation', 'state:modified.macros', 'state:modified.contract', 'state:new']) {
      const { ids } = selectNodes(graph, { select: [selector], state: own, readFile: reader(root) });
      assert.deepEqual([...ids].sort(), goldenLs[selector]!.sort(), selector);
    }
  });

  it('yml floats (`custom_float: 5.0`, a float box here, a JSON number in a manifest) compare equal: a manifest Medallion wrote, unchanged, has nothing modified', () => {
    const fixture = testPath('fixtures', 'parity', 'yaml_floats');
    const host = new NodeFileHost();
    const analysis = analyzeProject(host, fixture);
    const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [fixture] });
    const dir = mkdtempSync(join(tmpdir(), 'medallion-state-floats-'));
    try {
      const own = previous(readFileSync(writeManifest(dir, { analysis, host, compiler, target: resolved.target, invocationId: 'state-test' }), 'utf8'), dir);
      for (const method of ['modified', 'modified.configs']) {
        const found = stateMatches(stateView(analysis.project, reader(fixture)), own, method);
        assert.ok(typeof found !== 'string', String(found));
        assert.deepEqual([...found.ids], [], method);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a state manifest, or with a sub-selector dbt does not know: a problem, nothing selected', () => {
    assert.match(selectNodes(graph, { select: ['state:modified'] }).problems.join('\n'), /'state:modified' compares with another run's manifest: pass --state DIR/);
    const bad = selectNodes(graph, { select: ['state:modified.colour'], state: dbtState });
    assert.deepEqual([...bad.ids], []);
    assert.match(bad.problems.join('\n'), /Got an invalid selector "modified\.colour", expected one of "new", "old", "modified"/);
  });
});

describe('--defer, as dbt-core (test/fixtures/workflows on the real DuckDB)', () => {
  it('production built, the edits, then a dev build of state:modified+ reading production for what it does not build', async () => {
    const root = editedWorkflows({ build: true });
    // Production is built from the fixture before the edits: build it from an unedited copy sharing the database file.
    const prodRoot = mkdtempSync(join(tmpdir(), 'medallion-prod-'));
    cpSync(testPath('fixtures', 'workflows'), prodRoot, { recursive: true });
    const host = new NodeFileHost();
    const prod = await runProject(host, analyzeProject(host, prodRoot), { command: 'build', threads: 0, env: {}, profilesDirs: [prodRoot], target: 'prod' });
    assert.equal(prod.fatal, undefined);
    mkdirSync(join(root, 'target'), { recursive: true });
    cpSync(join(prodRoot, 'target', 'workflows.duckdb'), join(root, 'target', 'workflows.duckdb'));
    const dbtState = previous(readFileSync(testPath('goldens', 'dbt', 'workflows', 'state', 'manifest.json'), 'utf8'), 'prod-artifacts');
    const dev = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env: {}, profilesDirs: [root], select: ['state:modified+'], state: dbtState, defer: { manifest: dbtState.manifest!, favorState: false } });
    assert.equal(dev.fatal, undefined);
    const ours = Object.fromEntries(
      dev.results
        .filter((r) => !r.uniqueId.startsWith('source.'))
        .map((r) => [r.uniqueId, { status: r.status, relations: [...new Set((r.compiledSql ?? '').match(/"[^"]+"\."[^"]+"\."[^"]+"/g) ?? [])].sort() }]),
    );
    assert.deepEqual(ours, goldenDefer);

    // Once stg_customers exists here, dbt reads it here; with --favor-state, from production all the same.
    const built = await runProject(host, analyzeProject(host, root), { command: 'build', threads: 0, env: {}, profilesDirs: [root], select: ['+stg_customers'], resourceTypes: ['model', 'seed'] });
    assert.deepEqual(built.results.filter((r) => r.resourceType !== 'source').map((r) => [r.name, r.status]), [['segments', 'success'], ['stg_customers', 'success']]);
    const readsOf = async (favorState: boolean): Promise<string[]> => {
      const r = await runProject(host, analyzeProject(host, root), { command: 'run', threads: 0, env: {}, profilesDirs: [root], select: ['new_model'], defer: { manifest: dbtState.manifest!, favorState } });
      return r.results.find((x) => x.name === 'new_model')!.compiledSql!.match(/"[^"]+"\."[^"]+"\."[^"]+"/g) ?? [];
    };
    assert.deepEqual(await readsOf(false), ['"workflows"."main"."stg_customers"']);
    assert.deepEqual(await readsOf(true), ['"workflows"."prod"."stg_customers"']);
  });
});
