/**
 * The language server's persisted index (target/medallion/index-v1.bin). In process: the
 * fingerprint's invariant — whenever it says nothing changed, a fresh load publishes exactly the
 * stored diagnostics — against named inputs and a seeded fuzz of edits, new files, deleted files,
 * environment variables and folders outside the project. Over the protocol: a restart on an
 * unchanged project publishes the index's diagnostics before the load's; a changed file, var,
 * env var read at parse time or macro, and a corrupt, truncated or foreign index are ignored; the
 * final diagnostics always equal a fresh load's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { analyzeProject, type Analysis } from '../server/src/core/analysis';
import { normalizePath } from '../server/src/core/host';
import { decodeIndex, fingerprintDiffers, indexPath, readToken, type Fingerprint } from '../server/src/core/persisted-index';
import { NodeFileHost } from '../server/src/node/fs-host';
import { fileToken, hashText } from '../server/src/node/index-file';
import { OverlayHost, ProjectState } from '../server/src/lsp/workspace';
import { testPath } from './support/golden';
import { tempProject, writeFile } from './support/temp-project';

/** A small project whose diagnostics depend on every kind of input: models, a macro, a var, an env var, the profile's target, a package, a folder outside it. */
function fixture(): { root: string; shared: string } {
  const outer = mkdtempSync(join(tmpdir(), 'medallion-index-'));
  const shared = join(outer, 'shared');
  writeFile(shared, 'shared_model.sql', "select * from {{ ref('a') }}");
  const root = join(outer, 'project');
  mkdirSync(root);
  const files: Record<string, string> = {
    'dbt_project.yml': "name: p\nprofile: p\nconfig-version: 2\nmodel-paths: ['models', '../shared']\nvars:\n  flag: false\n",
    'models/a.sql': "{% set token = env_var('MEDALLION_INDEX_TEST_TOKEN', 'none') %}\nselect 1 as id",
    'models/b.sql': "select * from {{ ref('a') }} join {{ ref('nope') }} using (id)",
    'models/c.sql': "{{ config(enabled = var('flag', false)) }}\nselect * from {{ ref('missing_when_enabled') }}",
    'models/d.sql': "select * from {{ ref(env_var('MEDALLION_INDEX_TEST_REF', 'a')) }}",
    'models/e.sql': 'select * from {{ pick() }}',
    'models/f.sql': "{{ config(enabled = target.type == 'duckdb') }}\nselect * from {{ ref('only_on_duckdb') }}",
    'models/g.sql': "select * from {{ ref('pkg_model') }}",
    'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n',
    'macros/pick.sql': "{% macro pick() %}{{ ref('a') }}{% endmacro %}",
    'seeds/s.csv': 'id,name\n1,x\n',
    'dbt_packages/pkg/dbt_project.yml': 'name: pkg\nconfig-version: 2\n',
    'dbt_packages/pkg/models/pkg_model.sql': 'select 1 as id',
  };
  for (const [rel, text] of Object.entries(tempFiles(files))) writeFile(root, rel, text);
  return { root: normalizePath(root), shared: normalizePath(shared) };
}

/** The temp-project defaults (profiles.yml) plus `files`. */
function tempFiles(files: Record<string, string>): Record<string, string> {
  const defaults = tempProject({});
  const profile = readFileSync(join(defaults, 'profiles.yml'), 'utf8');
  rmSync(defaults, { recursive: true, force: true });
  return { 'profiles.yml': profile, ...files };
}

const BUILD = 'test-build';

function load(root: string, env: Record<string, string | undefined>, overlays: Record<string, string> = {}): { project: ProjectState; analysis: Analysis } {
  const host = new OverlayHost();
  for (const [path, text] of Object.entries(overlays)) host.overlays.set(normalizePath(path), text);
  const project = new ProjectState(root, host, env);
  return { project, analysis: project.get() };
}

function problems(analysis: Analysis): string {
  return JSON.stringify(analysis.diagnostics.map((d) => [d.file, d.code, d.severity, d.message, d.span?.start, d.span?.end]));
}

function fingerprintOf(project: ProjectState): Fingerprint {
  const snapshot = project.snapshot(BUILD, hashText);
  assert.ok(!('why' in snapshot), 'why' in snapshot ? snapshot.why : '');
  return snapshot.fingerprint;
}

function differs(stored: Fingerprint, root: string, env: Record<string, string | undefined>, overlays: Record<string, string> = {}): string | undefined {
  const host = new OverlayHost();
  for (const [path, text] of Object.entries(overlays)) host.overlays.set(normalizePath(path), text);
  const project = new ProjectState(root, host, env);
  const overlaid = new Set(Object.keys(overlays).map(normalizePath));
  return fingerprintDiffers(stored, { build: BUILD, settings: project.settingsToken(), host, env: project.environments(), hash: hashText, fileToken: (path) => (overlaid.has(path) ? undefined : fileToken(path)) });
}

/** A seeded generator (mulberry32): the fuzz is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('persisted index: the fingerprint', () => {
  it('an unchanged project matches, and files the load never reads (target/, .git, a README) do not matter', () => {
    const { root } = fixture();
    const env = { HOME: '/nonexistent' };
    const { project, analysis } = load(root, env);
    assert.ok(analysis.diagnostics.length >= 2, problems(analysis));
    const stored = fingerprintOf(project);
    assert.equal(differs(stored, root, env), undefined);
    writeFile(root, 'target/run_results.json', '{}');
    writeFile(root, '.git/HEAD', 'ref: refs/heads/x');
    assert.equal(differs(stored, root, env), undefined);
    // An environment variable nothing read.
    assert.equal(differs(stored, root, { ...env, UNRELATED: 'x' }), undefined);
  });

  it('each named input that changes the diagnostics is caught (file, new file, deleted file, var, env var, macro, profile, package, outside folder, open buffer)', () => {
    const env: Record<string, string | undefined> = { HOME: '/nonexistent' };
    const cases: Array<[string, (root: string, shared: string) => { env?: Record<string, string | undefined>; overlays?: Record<string, string> } | void]> = [
      ['a model edited', (root) => writeFile(root, 'models/a.sql', "select * from {{ ref('zzz') }}")],
      ['a model added that a ref was missing', (root) => writeFile(root, 'models/nope.sql', 'select 1 as id')],
      ['a model deleted', (root) => rmSync(join(root, 'models/a.sql'))],
      ['a var in dbt_project.yml', (root) => writeFile(root, 'dbt_project.yml', "name: p\nprofile: p\nconfig-version: 2\nmodel-paths: ['models', '../shared']\nvars:\n  flag: true\n")],
      ['an env var read at parse time', () => ({ env: { ...env, MEDALLION_INDEX_TEST_REF: 'zzz' } })],
      ['a macro', (root) => writeFile(root, 'macros/pick.sql', "{% macro pick() %}{{ ref('gone') }}{% endmacro %}")],
      ["the profile's adapter", (root) => writeFile(root, 'profiles.yml', 'p:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n      schema: main\n')],
      ['a profiles folder named by DBT_PROFILES_DIR', () => {
        const dir = mkdtempSync(join(tmpdir(), 'medallion-profiles-'));
        writeFileSync(join(dir, 'profiles.yml'), 'p:\n  target: dev\n  outputs:\n    dev:\n      type: bigquery\n      schema: main\n');
        return { env: { ...env, DBT_PROFILES_DIR: dir } };
      }],
      ['an installed package removed', (root) => rmSync(join(root, 'dbt_packages'), { recursive: true })],
      ['a model in a folder outside the project', (_, shared) => writeFile(shared, 'shared_model.sql', "select * from {{ ref('not_here') }}")],
      ['a yml file', (root) => writeFile(root, 'models/schema.yml', 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n  - name: a\n')],
      ['an open buffer unlike the disk', (root) => ({ overlays: { [join(root, 'models/b.sql')]: 'select 1 as id' } })],
    ];
    for (const [name, change] of cases) {
      const { root, shared } = fixture();
      const before = load(root, env);
      const stored = fingerprintOf(before.project);
      const now = change(root, shared) ?? {};
      const after = load(root, now.env ?? env, now.overlays);
      assert.notEqual(problems(after.analysis), problems(before.analysis), `${name}: the case must change the diagnostics`);
      assert.ok(differs(stored, root, now.env ?? env, now.overlays), `${name}: the fingerprint missed it`);
    }
  });

  it('seeded fuzz: whenever the fingerprint matches, a fresh load has exactly the stored diagnostics', () => {
    const next = random(20261207);
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
    const snippets = ["{{ ref('a') }}", "{{ ref('zz') }}", "{{ config(enabled=false) }}", '{% if', ' ', '\n', "{{ env_var('MEDALLION_INDEX_TEST_REF', 'a') }}", "{{ var('flag') }}", '--', 'models:', '  - name: b'];
    const files = ['models/a.sql', 'models/b.sql', 'models/c.sql', 'models/d.sql', 'models/e.sql', 'models/f.sql', 'models/g.sql', 'models/schema.yml', 'macros/pick.sql', 'dbt_project.yml', 'seeds/s.csv', 'dbt_packages/pkg/models/pkg_model.sql', 'profiles.yml'];
    let matched = 0;
    let changedDiagnostics = 0;
    // Each round: a fresh copy of the fixture, one random change, then the invariant.
    for (let round = 0; round < 100; round++) {
      const { root } = fixture();
      let env: Record<string, string | undefined> = { HOME: '/nonexistent' };
      const before = load(root, env);
      const stored = fingerprintOf(before.project);
      const kind = next();
      if (kind < 0.5) {
        const file = pick(files);
        const path = join(root, file);
        const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
        const at = Math.floor(next() * (text.length + 1));
        const cut = next() < 0.3 ? Math.floor(next() * 5) : 0;
        writeFileSync(path, text.slice(0, at) + (next() < 0.8 ? pick(snippets) : '') + text.slice(at + cut));
      } else if (kind < 0.7) {
        writeFile(root, `${pick(['models', 'models/sub', 'macros', 'seeds', 'target', 'logs', 'dbt_packages/pkg/models'])}/${pick(['nope', 'zz', 'x'])}.${pick(['sql', 'sql', 'yml', 'csv', 'md'])}`, `select * from ${pick(snippets)}`);
      } else if (kind < 0.78) {
        const path = join(root, pick(files.filter((f) => f.startsWith('models/'))));
        if (existsSync(path)) rmSync(path);
      } else if (kind < 0.87) {
        env = { ...env, MEDALLION_INDEX_TEST_REF: pick(['a', 'zz', 'b', 'c']) };
      } else if (kind < 0.9) {
        env = { ...env, UNRELATED: String(round) };
      } else {
        // Nothing changes.
      }
      const why = differs(stored, root, env);
      const after = load(root, env);
      if (problems(after.analysis) !== problems(before.analysis)) changedDiagnostics++;
      if (why === undefined) {
        matched++;
        assert.equal(problems(after.analysis), problems(before.analysis), `round ${round}: the fingerprint matched but the diagnostics differ`);
      }
    }
    // The fuzz exercised both sides of the invariant.
    assert.ok(matched >= 5, `only ${matched} rounds matched`);
    assert.ok(changedDiagnostics >= 10, `only ${changedDiagnostics} rounds changed the diagnostics`);
  });

  it('a symlinked folder that now points elsewhere is caught', () => {
    const { root } = fixture();
    const a = mkdtempSync(join(tmpdir(), 'medallion-link-a-'));
    const b = mkdtempSync(join(tmpdir(), 'medallion-link-b-'));
    writeFileSync(join(a, 'linked.sql'), 'select 1 as id');
    writeFileSync(join(b, 'linked.sql'), "select * from {{ ref('missing_b') }}");
    symlinkSync(a, join(root, 'models', 'linked'));
    const env = { HOME: '/nonexistent' };
    const before = load(root, env);
    const stored = fingerprintOf(before.project);
    rmSync(join(root, 'models', 'linked'));
    symlinkSync(b, join(root, 'models', 'linked'));
    assert.notEqual(problems(load(root, env).analysis), problems(before.analysis));
    assert.ok(differs(stored, root, env));
  });

  it("a project opened through a symlink reads its '../' paths from its physical folder, as the CLI does", () => {
    const { root } = fixture();
    const link = join(mkdtempSync(join(tmpdir(), 'medallion-link-project-')), 'project');
    symlinkSync(root, link);
    const env = { HOME: '/nonexistent' };
    const cli = analyzeProject(new NodeFileHost(), normalizePath(link), { env });
    const { analysis } = load(normalizePath(link), env);
    // '../shared' next to the physical project holds shared_model; next to the link there is nothing.
    assert.ok(analysis.project.nodes.has('model.p.shared_model'));
    assert.deepEqual([...analysis.project.nodes.keys()].sort(), [...cli.project.nodes.keys()].sort());
    assert.equal(problems(analysis), problems(cli));
  });

  it('an edit applied incrementally is what the fingerprint records (not the disk)', () => {
    const { root } = fixture();
    const env = { HOME: '/nonexistent' };
    const { project } = load(root, env);
    const path = join(root, 'models/b.sql');
    const text = 'select 1 as id';
    project.host.overlays.set(normalizePath(path), text);
    project.edit(normalizePath(path), text);
    const stored = fingerprintOf(project);
    // Matches the buffer's text, not the disk's.
    assert.ok(differs(stored, root, env));
    assert.equal(differs(stored, root, env, { [path]: text }), undefined);
    assert.equal(problems(project.get()), problems(load(root, env, { [path]: text }).analysis));
  });

  it("a file's token from its raw bytes equals the token of what the host reads, except for text that is not UTF-8 (then it never matches)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-token-'));
    const host = new NodeFileHost();
    const cases: Record<string, string | Buffer> = {
      'ascii.sql': 'select 1',
      'utf8.sql': "select 'Zürich — 東京 🦆' as city",
      'bom.sql': '\ufeffselect 1',
      'empty.sql': '',
      'big.sql': 'x'.repeat(64 * 1024) + 'é'.repeat(40_000),
      'exact.sql': 'y'.repeat(64 * 1024),
    };
    for (const [name, content] of Object.entries(cases)) writeFileSync(join(dir, name), content);
    mkdirSync(join(dir, 'folder'));
    for (const name of [...Object.keys(cases), 'missing.sql', 'folder']) assert.equal(fileToken(join(dir, name)), readToken(host.read(join(dir, name)), hashText), name);
    writeFileSync(join(dir, 'latin1.sql'), Buffer.from([0x73, 0xe9, 0x6c]));
    assert.notEqual(fileToken(join(dir, 'latin1.sql')), readToken(host.read(join(dir, 'latin1.sql')), hashText));
  });

  it('index files: the location follows target-path, and foreign, truncated or corrupt texts are refused with a reason', () => {
    assert.equal(indexPath('/p', undefined), '/p/target/medallion/index-v1.bin');
    assert.equal(indexPath('/p', 'name: p\ntarget-path: build/out\n'), '/p/build/out/medallion/index-v1.bin');
    assert.equal(indexPath('/p', 'name: [broken'), '/p/target/medallion/index-v1.bin');
    const good = { format: 1, root: '/p', fingerprint: { build: 'b', settings: 's', files: [], lists: [], real: [], env: [] }, diagnostics: [['models/a.sql', '[]']] };
    const text = `medallion-index 1\n${JSON.stringify(good)}`;
    assert.ok('index' in decodeIndex(text, '/p'));
    for (const [bad, why] of [
      [text.slice(0, text.length - 7), /unreadable/],
      ['medallion-index 2\n{}', /another index format/],
      ['\u0000\u0001garbage', /not a Medallion index/],
      [text, /another project/],
      [`medallion-index 1\n${JSON.stringify({ ...good, diagnostics: [['a', 1]] })}`, /malformed/],
      ['medallion-index 1\nnull', /not a Medallion index/],
    ] as const) {
      const decoded = decodeIndex(bad, bad === text ? '/other' : '/p');
      assert.ok('problem' in decoded && why.test(decoded.problem), JSON.stringify(decoded));
    }
  });
});

interface Published {
  /** Latest diagnostics per uri (JSON). */
  latest: Map<string, string>;
  /** `latest` as it was when the index's diagnostics had gone out (undefined: the index was not used). */
  atIndex: Map<string, string> | undefined;
  /** Whether the index notification came before the load's analysisComplete. */
  indexFirst: boolean;
  logs: string[];
}

/** One server start on `root`: opens one model, waits for the load's diagnostics, shuts down (the index is written by then). */
async function session(root: string, env: Record<string, string | undefined>, initializationOptions: { trusted?: boolean } = {}): Promise<Published> {
  const server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env } });
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const out: Published = { latest: new Map(), atIndex: undefined, indexFirst: false, logs: [] };
  let complete = false;
  let wake: () => void = () => undefined;
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
    if (p.diagnostics.length === 0) out.latest.delete(p.uri);
    else out.latest.set(p.uri, JSON.stringify(p.diagnostics));
  });
  rpc.onNotification('medallion/indexServed', () => {
    out.atIndex = new Map(out.latest);
    out.indexFirst = !complete;
  });
  rpc.onNotification('medallion/analysisComplete', () => {
    complete = true;
    wake();
  });
  rpc.onNotification('window/logMessage', (m: { message: string }) => void out.logs.push(m.message));
  rpc.onRequest('client/registerCapability', () => null);
  rpc.listen();
  try {
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'p' }] });
    await rpc.sendNotification('initialized', {});
    const file = join(root, 'models', 'a.sql');
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(file).toString(), languageId: 'jinja-sql', version: 1, text: readFileSync(file, 'utf8') } });
    while (!complete) await new Promise<void>((r) => (wake = r));
    await rpc.sendRequest('shutdown');
    await rpc.sendNotification('exit');
    await new Promise<void>((r) => (server.exitCode !== null ? r() : server.once('exit', () => r())));
  } finally {
    rpc.dispose();
    server.kill();
  }
  return out;
}

/** What a server with no index publishes for `root` in `env`: the reference every start must end at. */
async function fresh(root: string, env: Record<string, string | undefined>): Promise<Map<string, string>> {
  const path = indexPath(root, readFileSync(join(root, 'dbt_project.yml'), 'utf8'));
  const kept = existsSync(path) ? readFileSync(path) : undefined;
  rmSync(path, { force: true });
  const s = await session(root, env);
  assert.equal(s.atIndex, undefined);
  if (kept) writeFileSync(path, kept);
  else rmSync(path, { force: true });
  return s.latest;
}

describe('persisted index: over the protocol', () => {
  it('a restart on an unchanged project publishes the index before the load, and the load ends where a fresh load does', async () => {
    const { root } = fixture();
    const env = { MEDALLION_INDEX_TEST_TOKEN: 'hunter2-secret-value' };
    const first = await session(root, env);
    assert.equal(first.atIndex, undefined, 'no index yet');
    const path = indexPath(root, undefined);
    assert.ok(existsSync(path), 'the index is written under target/medallion');
    assert.ok(first.latest.size >= 2);
    const second = await session(root, env);
    assert.ok(second.atIndex, `the index was not used: ${second.logs.join('\n')}`);
    assert.ok(second.indexFirst, 'the index went out before the load completed');
    assert.deepEqual([...second.atIndex].sort(), [...first.latest].sort());
    assert.deepEqual([...second.latest].sort(), [...first.latest].sort());
    assert.deepEqual([...second.latest].sort(), [...(await fresh(root, env))].sort());
    // An environment variable's value is never written, only its hash; and no source text is.
    const written = readFileSync(path, 'utf8');
    assert.ok(!written.includes('hunter2'));
    assert.ok(!written.includes('select 1 as id'));
    // A changed value of that variable (read at parse time, changing no diagnostic) still makes the index ignored.
    const third = await session(root, { MEDALLION_INDEX_TEST_TOKEN: 'another' });
    assert.equal(third.atIndex, undefined);
    assert.deepEqual([...third.latest].sort(), [...first.latest].sort());
  });

  it('a load that read the clock (run_started_at) records it: the index is used, the log names the read, the load ends where a fresh load does', async () => {
    const { root } = fixture();
    writeFile(root, 'models/h.sql', "select '{{ run_started_at }}' as loaded_at, * from {{ ref('a') }} join {{ ref('gone') }} using (id)");
    const env = {};
    const first = await session(root, env);
    assert.equal(first.atIndex, undefined, 'no index yet');
    assert.deepEqual(JSON.parse(readFileSync(indexPath(root, undefined), 'utf8').replace(/^[^\n]*\n/, '')).fingerprint.clock, ['run_started_at']);
    const second = await session(root, env);
    assert.ok(second.atIndex, `the index was not used: ${second.logs.join('\n')}`);
    assert.ok(second.logs.some((l) => l.includes('read the clock (run_started_at)')), second.logs.join('\n'));
    assert.deepEqual([...second.latest].sort(), [...(await fresh(root, env))].sort());
  });

  it('a changed file, var, env var read at parse time or macro makes the index ignored; the final diagnostics are a fresh load\'s', async () => {
    const changes: Array<[string, (root: string) => Record<string, string>]> = [
      ['file', (root) => (writeFile(root, 'models/b.sql', "select * from {{ ref('a') }} join {{ ref('other') }} using (id)"), {})],
      ['var', (root) => (writeFile(root, 'dbt_project.yml', "name: p\nprofile: p\nconfig-version: 2\nmodel-paths: ['models', '../shared']\nvars:\n  flag: true\n"), {})],
      ['env var', () => ({ MEDALLION_INDEX_TEST_REF: 'zzz' })],
      ['macro', (root) => (writeFile(root, 'macros/pick.sql', "{% macro pick() %}{{ ref('gone') }}{% endmacro %}"), {})],
    ];
    for (const [name, change] of changes) {
      const { root } = fixture();
      const before = await session(root, {});
      const env = change(root);
      const after = await session(root, env);
      assert.equal(after.atIndex, undefined, `${name}: the index was used`);
      assert.ok(after.logs.some((l) => l.includes('ignored')), `${name}: no log line says why: ${after.logs.join('\n')}`);
      assert.notDeepEqual([...after.latest].sort(), [...before.latest].sort(), `${name}: the change must change the diagnostics`);
      assert.deepEqual([...after.latest].sort(), [...(await fresh(root, env))].sort(), name);
    }
  });

  it('an untrusted workspace reads the index (never writes it), and uses it only where the environment it cannot read made no difference', async () => {
    const { root } = fixture();
    const path = indexPath(root, undefined);
    const untrustedFirst = await session(root, {}, { trusted: false });
    assert.ok(!existsSync(path), 'an untrusted workspace wrote the index');
    await session(root, {});
    const untrusted = await session(root, {}, { trusted: false });
    assert.ok(untrusted.atIndex && untrusted.indexFirst, untrusted.logs.join('\n'));
    assert.deepEqual([...untrusted.latest].sort(), [...untrustedFirst.latest].sort());
    // Written by a trusted session whose render read a variable with a value: not the untrusted render's inputs.
    await session(root, { MEDALLION_INDEX_TEST_REF: 'zzz' });
    const differs = await session(root, { MEDALLION_INDEX_TEST_REF: 'zzz' }, { trusted: false });
    assert.equal(differs.atIndex, undefined);
    assert.deepEqual([...differs.latest].sort(), [...untrustedFirst.latest].sort());
  });

  it('a corrupt, truncated or foreign-version index is ignored with a log line, never a crash', async () => {
    const { root } = fixture();
    const reference = (await session(root, {})).latest;
    const path = indexPath(root, undefined);
    const good = readFileSync(path, 'utf8');
    for (const bad of [good.slice(0, Math.floor(good.length / 2)), 'medallion-index 999\n{}', '\u0000\u00ff\u0010binary', good.replace(/"diagnostics":\[\["/, '"diagnostics":[["x'), '']) {
      writeFileSync(path, bad);
      const s = await session(root, {});
      assert.deepEqual([...s.latest].sort(), [...reference].sort());
      // A file named in the index that is not the project's still gets its diagnostics cleared by the load.
      if (s.atIndex) assert.ok(!s.latest.has(pathToFileURL(join(root, 'x')).toString()));
      else if (bad !== '') assert.ok(s.logs.some((l) => l.includes('ignored')), s.logs.join('\n'));
    }
  });
});
