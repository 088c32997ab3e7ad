/**
 * Time and chance are inputs of the core (core/clock.ts): a parse-time render that reads
 * `run_started_at`, `modules.datetime` or the `random` filter is a function of the clock it was
 * given, so pinning the clock pins the graph; the compiler of the same invocation reads the same
 * clock; and the language server's persisted index records what a load read of it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { analyzeProject, type Analysis } from '../server/src/core/analysis';
import { fixedClock, type Clock } from '../server/src/core/clock';
import { MemoryHost, normalizePath } from '../server/src/core/host';
import { updateModelText } from '../server/src/core/incremental';
import { parse, render } from '../server/src/core/jinja';
import { ScanCache } from '../server/src/core/loader';
import { InputRecorder } from '../server/src/core/persisted-index';
import { createCompiler } from '../server/src/core/session';
import { hashText } from '../server/src/node/index-file';
import { OverlayHost, ProjectState } from '../server/src/lsp/workspace';
import { tempProject } from './support/temp-project';

const PROJECT = [
  'name: p',
  "version: '1.0'",
  'config-version: 2',
  'profile: p',
  'models:',
  '  p:',
  '    +tags: ["y{{ run_started_at.year }}", "now{{ modules.datetime.datetime.now().year }}"]',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'models/past.sql': 'select 1 as id',
  'models/future.sql': 'select 2 as id',
  // Config and parents computed from run_started_at, the live clock and the random filter.
  'models/dated.sql': "{{ config(alias='dated_' ~ run_started_at.strftime('%Y')) }}\nselect * from {{ ref('future' if run_started_at.year >= 2030 else 'past') }}",
  'models/today.sql': "{% if modules.datetime.date.today().year >= 2030 %}select * from {{ ref('future') }}{% else %}select * from {{ ref('past') }}{% endif %}",
  'models/lucky.sql': "select * from {{ ref(['past', 'future'] | random) }}",
  'models/plain.sql': "select * from {{ ref('past') }}",
};

function load(clock?: Clock, files: Record<string, string> = FILES): Analysis {
  return analyzeProject(new MemoryHost(files, '/p'), '/p', clock ? { clock } : {});
}

/** What a parse-time render decided per model: alias, tags, parents. */
function graphOf(analysis: Analysis): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const node of [...analysis.project.nodes.values()].sort((a, b) => a.uniqueId.localeCompare(b.uniqueId))) {
    out[node.name] = { alias: node.config.alias ?? null, tags: node.config.tags, parents: [...node.dependsOn].sort() };
  }
  return out;
}

const at = (iso: string): Date => new Date(iso);

describe('the clock is an input: parse-time renders are a function of it', () => {
  it('one pinned clock gives the same graph on every load; another instant gives the graph that instant means', () => {
    const first = graphOf(load(fixedClock(at('2024-01-01T00:00:00Z'), 7)));
    assert.deepEqual(graphOf(load(fixedClock(at('2024-01-01T00:00:00Z'), 7))), first);
    assert.deepEqual(first.dated, { alias: 'dated_2024', tags: ['y2024', 'now2024'], parents: ['model.p.past'] });
    assert.deepEqual((first.today as { parents: string[] }).parents, ['model.p.past']);
    const later = graphOf(load(fixedClock(at('2031-06-30T12:00:00Z'), 7)));
    assert.deepEqual(later.dated, { alias: 'dated_2031', tags: ['y2031', 'now2031'], parents: ['model.p.future'] });
    assert.deepEqual((later.today as { parents: string[] }).parents, ['model.p.future']);
    assert.deepEqual(later.plain, { alias: null, tags: ['y2031', 'now2031'], parents: ['model.p.past'] });
  });

  it('run_started_at is one instant per invocation while modules.datetime reads the live clock', () => {
    let ticks = 0;
    const clock: Clock = { started: () => at('2024-01-01T00:00:00Z'), now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, ticks++)), random: () => 0 };
    const files = { ...FILES, 'models/times.sql': "select '{{ run_started_at }}|{{ run_started_at }}|{{ modules.datetime.datetime.now().second }}|{{ modules.datetime.datetime.now().second }}' as t" };
    const host = new MemoryHost(files, '/p');
    const analysis = analyzeProject(host, '/p', { clock });
    ticks = 10;
    const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: ['/p'], clock });
    assert.equal(compiler.compile('model.p.times').sql, "select '2024-01-01 00:00:00+00:00|2024-01-01 00:00:00+00:00|10|11' as t");
  });

  it('the random filter draws from the clock: the same seed gives the same choices, seeds differ', () => {
    const pick = (seed: number): string => (graphOf(load(fixedClock(at('2024-01-01T00:00:00Z'), seed))).lucky as { parents: string[] }).parents.join();
    const picks = Array.from({ length: 12 }, (_, seed) => pick(seed));
    assert.deepEqual(Array.from({ length: 12 }, (_, seed) => pick(seed)), picks);
    assert.deepEqual([...new Set(picks)].sort(), ['model.p.future', 'model.p.past']);
  });

  it('without a clock the core renders at a fixed instant (1970-01-01), never the machine time', () => {
    const graph = graphOf(load());
    assert.deepEqual(graph.dated, { alias: 'dated_1970', tags: ['y1970', 'now1970'], parents: ['model.p.past'] });
    assert.deepEqual(graphOf(load()), graph);
  });

  it('an incremental edit renders with the clock of its load', () => {
    const scans = new ScanCache();
    const analysis = analyzeProject(new MemoryHost(FILES, '/p'), '/p', { cache: scans, clock: fixedClock(at('2031-01-01T00:00:00Z')) });
    assert.deepEqual([...analysis.project.nodes.get('model.p.dated')!.dependsOn], ['model.p.future']);
    // The same config (an incremental edit), parents chosen by the year in the other order.
    const edited = "{{ config(alias='dated_' ~ run_started_at.strftime('%Y')) }}\nselect * from {{ ref('past' if run_started_at.year >= 2030 else 'future') }}";
    assert.ok(updateModelText(analysis, 'models/dated.sql', edited, scans, new Set()), 'taken incrementally');
    assert.deepEqual([...analysis.project.nodes.get('model.p.dated')!.dependsOn], ['model.p.past']);
  });
});

describe('the random filter has no source of its own', () => {
  const { template } = parse("{{ [1, 2, 3, 4] | random }}{{ [] | random }}");
  it('draws from RenderOptions.random; a nested render keeps the outer one; none at all: the first item', () => {
    assert.equal(render(template, {}, { random: () => 0.99 }).output, '4');
    assert.equal(render(template, {}, { random: () => 0.3 }).output, '2');
    assert.equal(render(template, {}).output, '1');
    const inner = parse('{{ [1, 2, 3, 4] | random }}').template;
    const outer = parse('{{ nested() }}').template;
    assert.equal(render(outer, { nested: () => render(inner, {}).output }, { random: () => 0.6 }).output, '3');
  });

  it('an empty sequence is undefined (renders nothing), as in jinja2 3.1', () => {
    assert.equal(render(parse('[{{ [] | random }}]').template, {}, { random: () => 0.5 }).output, '[]');
  });
});

describe('the persisted index records what a load read of the clock', () => {
  const roots: string[] = [];
  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  function stateOf(files: Record<string, string>): ProjectState {
    const root = normalizePath(tempProject(files));
    roots.push(root);
    const project = new ProjectState(root, new OverlayHost(), { HOME: '/nonexistent' });
    project.get();
    return project;
  }
  const fingerprint = (project: ProjectState) => {
    const snapshot = project.snapshot('test-build', hashText);
    assert.ok(!('why' in snapshot), 'why' in snapshot ? snapshot.why : '');
    return snapshot.fingerprint;
  };

  it('a project whose renders read run_started_at, the time or random: each named; one that reads none: nothing', () => {
    assert.deepEqual(fingerprint(stateOf(FILES)).clock, ['run_started_at', 'now', 'random']);
    assert.deepEqual(fingerprint(stateOf({ 'dbt_project.yml': PROJECT.replace(/\s+\+tags:.*\n/, '\n'), 'models/dated.sql': FILES['models/dated.sql']! })).clock, ['run_started_at']);
    // Named in a comment or on the static fast path, nothing reads it.
    assert.equal(fingerprint(stateOf({ 'models/a.sql': '-- run_started_at\nselect 1 as id', 'models/b.sql': "select * from {{ ref('a') }}" })).clock, undefined);
  });

  it('the recorder passes the clock through unchanged', () => {
    const recorder = new InputRecorder(new MemoryHost({}, '/p'));
    const clock = recorder.clock(fixedClock(at('2024-05-06T07:08:09Z'), 3));
    const reference = fixedClock(at('2024-05-06T07:08:09Z'), 3);
    assert.equal(clock.started().toISOString(), '2024-05-06T07:08:09.000Z');
    assert.equal(clock.now().toISOString(), '2024-05-06T07:08:09.000Z');
    assert.equal(clock.random(), reference.random());
    assert.deepEqual(recorder.fingerprint('b', '', hashText).clock, ['run_started_at', 'now', 'random']);
  });
});
