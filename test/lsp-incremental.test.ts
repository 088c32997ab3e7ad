/**
 * The language server's incremental edits: an edit in one project of a multi-project workspace
 * leaves the others alone, and an edit that makes or breaks a cycle republishes every file of it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { normalizePath } from '../server/src/core/host';
import { Workspace } from '../server/src/lsp/workspace';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

const twoProjects = (): string =>
  tempProject({
    'dbt_project.yml': 'name: outer\n',
    'models/base.sql': 'select 1 as id',
    'models/top.sql': "select * from {{ ref('base') }}",
    'inner/dbt_project.yml': 'name: inner\n',
    'inner/models/base.sql': 'select 1 as id',
    'inner/models/top.sql': "select * from {{ ref('base') }}",
  });

describe('language server: incremental edits', () => {
  it('an edit in one project of a workspace touches neither the analysis nor the pending problems of another', () => {
    const folder = normalizePath(twoProjects());
    const workspace = new Workspace({});
    workspace.addFolder(folder);
    const outer = workspace.projectFor(`${folder}/models/top.sql`)!;
    const inner = workspace.projectFor(`${folder}/inner/models/top.sql`)!;
    assert.notEqual(outer, inner);
    const outerAnalysis = outer.get();
    const innerAnalysis = inner.get();
    outer.dirty = new Set();
    inner.dirty = new Set();
    const innerVersion = inner.version;

    const path = `${folder}/inner/models/top.sql`;
    const text = "select * from {{ ref('bse') }}";
    workspace.host.overlays.set(path, text);
    assert.equal(workspace.documentEdited(path, text), inner);
    // Applied in place (no reload), only that file marked for publication.
    assert.equal(inner.get(), innerAnalysis);
    assert.deepEqual([...inner.dirty], ['models/top.sql']);
    assert.deepEqual(
      inner.get().diagnostics.map((d) => [d.file, d.code]),
      [['models/top.sql', 'unknown-ref']],
    );
    assert.ok(inner.version > innerVersion);
    // The other project: same analysis, nothing to publish, no problems.
    assert.equal(outer.get(), outerAnalysis);
    assert.deepEqual([...outer.dirty], []);
    assert.deepEqual(outer.get().diagnostics, []);
  });

  it('over the protocol: closing a cycle publishes it on every member file, breaking it clears them, and the other project hears nothing', async () => {
    const folder = twoProjects();
    const server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent' } });
    const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    const uri = (rel: string): string => pathToFileURL(join(folder, rel)).toString();
    const published: Array<{ uri: string; codes: string[] }> = [];
    const complete: string[] = [];
    let wake: () => void = () => undefined;
    rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Array<{ code: string }> }) => {
      published.push({ uri: p.uri, codes: p.diagnostics.map((d) => d.code) });
      wake();
    });
    rpc.onNotification('medallion/analysisComplete', (p: { root: string }) => {
      complete.push(p.root);
      wake();
    });
    rpc.onRequest('client/registerCapability', () => null);
    rpc.listen();
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise<void>((r) => (wake = r));
    };
    try {
      await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(folder).toString(), name: 'two' }] });
      await rpc.sendNotification('initialized', {});
      const open = async (rel: string): Promise<void> => {
        await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(rel), languageId: 'jinja-sql', version: 1, text: rel.endsWith('base.sql') ? 'select 1 as id' : "select * from {{ ref('base') }}" } });
      };
      await open('models/base.sql');
      await open('inner/models/base.sql');
      await until(() => complete.length >= 2);

      const mark = published.length;
      const completed = complete.length;
      // inner: base now reads top, which reads base.
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri('inner/models/base.sql'), version: 2 }, contentChanges: [{ text: "select * from {{ ref('top') }}" }] });
      const cycleIn = (rel: string): boolean => published.slice(mark).some((p) => p.uri === uri(rel) && p.codes.includes('cycle'));
      await until(() => cycleIn('inner/models/base.sql') && cycleIn('inner/models/top.sql'));
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri('inner/models/base.sql'), version: 3 }, contentChanges: [{ text: 'select 2 as id' }] });
      const last = (rel: string): string[] | undefined => [...published].reverse().find((p) => p.uri === uri(rel))?.codes;
      await until(() => last('inner/models/base.sql')?.length === 0 && last('inner/models/top.sql')?.length === 0);
      // Nothing was published for the outer project, and only the inner one was analysed again.
      assert.deepEqual(published.slice(mark).filter((p) => !p.uri.includes('/inner/')), []);
      assert.ok(complete.slice(completed).every((root) => root.endsWith('/inner')));
    } finally {
      await rpc.sendRequest('shutdown').catch(() => undefined);
      await rpc.sendNotification('exit').catch(() => undefined);
      rpc.dispose();
      server.kill();
    }
  });

  // A test whose refs come through a macro: after the macro is edited, the test is read again.
  const disabledRefProject = (withGenericTest: boolean): string =>
    tempProject({
      'dbt_project.yml': 'name: p\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/p.duckdb\n      threads: 1\n',
      'models/ok.sql': 'select 1 as id',
      'models/off.sql': '{{ config(enabled=false) }}\nselect 1 as id',
      'macros/helper.sql': "{% macro helper() %}{{ return(ref('ok')) }}{% endmacro %}",
      'tests/through_helper.sql': 'select * from {{ helper() }} where id < 0',
      ...(withGenericTest
        ? {
            'macros/tests.sql': '{% test via_helper(model, column_name) %}select * from {{ model }} cross join {{ helper() }} where false{% endtest %}',
            'models/schema.yml': 'version: 2\nmodels:\n  - name: ok\n    columns:\n      - name: id\n        data_tests:\n          - via_helper\n',
          }
        : {}),
    });
  const HELPER_OFF = "{% macro helper() %}{{ return(ref('off')) }}{% endmacro %}";
  const HELPER_OK = "{% macro helper() %}{{ return(ref('ok')) }}{% endmacro %}";

  it('over the protocol: a test re-rendered after a macro edit is settled as a load settles it (disabled and warned about while it refers to a disabled model, enabled again after)', async () => {
    const folder = disabledRefProject(false);
    const server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent' } });
    const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    const uri = (rel: string): string => pathToFileURL(join(folder, rel)).toString();
    const published: Array<{ uri: string; codes: string[]; severities: number[] }> = [];
    let complete = 0;
    let wake: () => void = () => undefined;
    rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Array<{ code: string; severity: number }> }) => {
      published.push({ uri: p.uri, codes: p.diagnostics.map((d) => d.code), severities: p.diagnostics.map((d) => d.severity) });
      wake();
    });
    rpc.onNotification('medallion/analysisComplete', () => {
      complete++;
      wake();
    });
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.listen();
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise<void>((r) => (wake = r));
    };
    const last = (rel: string): { codes: string[]; severities: number[] } | undefined => [...published].reverse().find((p) => p.uri === uri(rel));
    const tested = async (): Promise<string[]> => {
      const r = await rpc.sendRequest<{ results: Array<{ uniqueId: string }>; fatal: string | null }>('medallion/run', { command: 'build' });
      assert.equal(r.fatal, null);
      return r.results.map((x) => x.uniqueId).filter((id) => id.startsWith('test.')).sort();
    };
    try {
      await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(folder).toString(), name: 'p' }], initializationOptions: {} });
      await rpc.sendNotification('initialized', {});
      await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri('macros/helper.sql'), languageId: 'jinja-sql', version: 1, text: HELPER_OK } });
      await until(() => complete >= 1);
      assert.deepEqual(await tested(), ['test.p.through_helper']);

      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri('macros/helper.sql'), version: 2 }, contentChanges: [{ text: HELPER_OFF }] });
      await until(() => last('tests/through_helper.sql')?.codes.includes('disabled-ref') === true);
      // Information (severity 3): dbt disables the test and says so only at debug level; the test is no longer run.
      const warned = last('tests/through_helper.sql')!;
      assert.deepEqual([warned.codes, warned.severities], [['disabled-ref'], [3]]);
      assert.deepEqual(await tested(), []);

      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri('macros/helper.sql'), version: 3 }, contentChanges: [{ text: HELPER_OK }] });
      await until(() => last('tests/through_helper.sql')?.codes.length === 0);
      assert.deepEqual(await tested(), ['test.p.through_helper']);
    } finally {
      await rpc.sendRequest('shutdown').catch(() => undefined);
      await rpc.sendNotification('exit').catch(() => undefined);
      rpc.dispose();
      server.kill();
    }
  });

  it('a macro edit re-renders a singular test in place and a generic test\'s through a reload: both settled as a load settles them', () => {
    for (const withGenericTest of [false, true]) {
      const folder = normalizePath(disabledRefProject(withGenericTest));
      const workspace = new Workspace({});
      workspace.addFolder(folder);
      const project = workspace.projectFor(`${folder}/macros/helper.sql`)!;
      const settled = (): Array<[string, unknown, boolean]> => {
        const a = project.get();
        return [...a.project.nodes.values()]
          .filter((n) => n.resourceType === 'test')
          .map((n): [string, unknown, boolean] => [n.name, n.config.enabled, a.diagnostics.some((d) => d.file === n.file && d.code === 'disabled-ref' && d.severity === 'info')])
          .sort();
      };
      const names = withGenericTest ? ['through_helper', 'via_helper_ok_id'] : ['through_helper'];
      assert.deepEqual(settled(), names.map((n) => [n, true, false]));
      for (const [text, enabled] of [
        [HELPER_OFF, false],
        [HELPER_OK, true],
      ] as const) {
        const before = project.get();
        workspace.host.overlays.set(`${folder}/macros/helper.sql`, text);
        workspace.documentEdited(`${folder}/macros/helper.sql`, text);
        while (project.renderPending(1000));
        // In place unless a generic test's macro reaches the edited macro (its render records no uses).
        assert.equal(project.get() === before, !withGenericTest);
        assert.deepEqual(settled(), names.map((n) => [n, enabled, !enabled]), `with a generic test: ${withGenericTest}`);
      }
    }
  });
});
