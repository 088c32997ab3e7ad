/**
 * Robustness at the protocol level: thousands of random edits and random bytes to models and yml
 * while requests run. The server must never die or fail internally, and once the files are
 * restored its answers must be the same as before the storm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { testPath } from './support/golden';

describe('language server under random edits', () => {
  it('survives 2,000 random edits with requests in flight, then answers as before', async () => {
    const root = mkdtempSync(join(tmpdir(), 'medallion-fuzz-'));
    cpSync(testPath('..', 'models'), root, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
    const server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: '/nonexistent' } });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    const latest = new Map<string, Array<{ message: string }>>();
    const settled: Array<() => void> = [];
    rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Array<{ message: string }> }) => {
      latest.set(p.uri, p.diagnostics);
      for (const check of [...settled]) check();
    });
    rpc.onRequest('client/registerCapability', () => null);
    let internalErrors = 0;
    rpc.onNotification('window/logMessage', (m: { type: number; message: string }) => {
      if (m.type === 1) internalErrors++;
    });
    rpc.listen();
    // Whatever fails below, the server must not outlive the test (it would keep the runner waiting).
    try {
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'fuzz' }] });
    await rpc.sendNotification('initialized', {});

    const files = ['models/silver/silver_orders.sql', 'models/gold/gold_daily_sales.sql', 'models/silver/silver.yml', 'models/sources.yml'];
    const original = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]));
    const uri = (f: string): string => pathToFileURL(join(root, f)).toString();
    const version = new Map(files.map((f) => [f, 1]));
    for (const f of files) await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(f), languageId: f.endsWith('.sql') ? 'jinja-sql' : 'yaml', version: 1, text: original.get(f) } });

    let seed = 99;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const junk = ['{{', '}}', '{%', '%}', '{#', "'", '"', '(', ')', ':', '-', '\n', '  ', '\t', 'ref(', "source('", '\u0000', '\uFFFD', 'ü', '[', ']', '&a', '*a', '!!x'];
    const texts = new Map(original);
    const methods = ['textDocument/definition', 'textDocument/hover', 'textDocument/completion', 'textDocument/codeLens', 'textDocument/documentSymbol', 'textDocument/references', 'medallion/compile', 'medallion/lineage'];
    const inflight: Array<Promise<unknown>> = [];
    let failures = 0;
    const edits = Number(process.env.MEDALLION_FUZZ_EDITS ?? 2000);
    for (let i = 0; i < edits; i++) {
      if (process.env.MEDALLION_FUZZ_TRACE) process.stderr.write(`edit ${i}\n`);
      const f = files[rand(files.length)]!;
      let text = texts.get(f)!;
      const at = rand(text.length + 1);
      if (rand(3) === 0) text = text.slice(0, at) + text.slice(Math.min(text.length, at + rand(20)));
      else text = text.slice(0, at) + junk[rand(junk.length)] + text.slice(at);
      if (rand(50) === 0) text = original.get(f)!;
      texts.set(f, text);
      version.set(f, version.get(f)! + 1);
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(f), version: version.get(f) }, contentChanges: [{ text }] });
      if (i % 4 === 0) {
        const method = methods[rand(methods.length)]!;
        const lines = text.split('\n');
        const line = rand(lines.length);
        const params = method.startsWith('medallion/')
          ? { uri: uri(f) }
          : { textDocument: { uri: uri(f) }, position: { line, character: rand(lines[line]!.length + 1) }, context: { includeDeclaration: true } };
        inflight.push(rpc.sendRequest(method, params).catch(() => failures++));
      }
    }
    await Promise.all(inflight);
    assert.equal(server.exitCode, null, `the server died: ${stderr}`);
    assert.equal(failures, 0, 'no request failed');
    assert.equal(internalErrors, 0, `internal errors were logged: ${stderr}`);

    // Restore every file; answers must be what they were before the storm.
    for (const f of files) {
      version.set(f, version.get(f)! + 1);
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(f), version: version.get(f) }, contentChanges: [{ text: original.get(f) }] });
    }
    const def = await rpc.sendRequest<{ uri: string }>('textDocument/definition', {
      textDocument: { uri: uri('models/silver/silver_orders.sql') },
      position: (() => {
        const t = original.get('models/silver/silver_orders.sql')!;
        const before = t.slice(0, t.indexOf("ref('bronze_orders')") + 6).split('\n');
        return { line: before.length - 1, character: before[before.length - 1]!.length };
      })(),
    });
    assert.equal(def.uri, uri('models/bronze/bronze_orders.sql'));
    // Diagnostics settle to none for the restored files: wait for that condition (bounded, so a
    // stale diagnostic fails the test with its text instead of hanging it).
    const clean = (): boolean => files.every((f) => (latest.get(uri(f)) ?? []).length === 0);
    if (!clean()) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`diagnostics never cleared: ${JSON.stringify(files.map((f) => [f, latest.get(uri(f))]))}`)), 20_000);
        settled.push(() => {
          if (clean()) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }
    await rpc.sendRequest('shutdown');
    await rpc.sendNotification('exit');
    } finally {
      rpc.dispose();
      server.kill();
    }
  });
});
