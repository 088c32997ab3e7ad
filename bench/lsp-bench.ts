/**
 * `npm run bench:lsp`: the language server as an editor uses it, on generated projects of 1k and
 * 10k models (and 20 projects of 500 in one workspace): time from initialize to the first complete
 * diagnostics, p50/p99 of definition, references, hover and completion, didChange → diagnostics
 * for that file, and the server's peak RSS. Nothing here asserts; it prints what it measured.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { generateProject } from './generate-project';
import { percentile } from './percentile';
import { OverlayHost, ProjectState } from '../server/src/lsp/workspace';

const repo = resolve(__dirname, '..', '..');
/** Column-model versions the server announced (monotonic time): background work the edit samples may overlap. */
const columnVersions: Array<{ atNs: string; version: number; analysisVersion: number; nodes: number; millis: number }> = [];
const cache = join(repo, '.cache', 'bench');


function ensureProject(dir: string, models: number, name = 'bench_project'): void {
  if (existsSync(join(dir, '.complete'))) return;
  generateProject(dir, models, name);
  writeFileSync(join(dir, '.complete'), '');
}

function sqlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (f.endsWith('.sql') && !f.includes('/macros/')) out.push(f);
    }
  };
  walk(join(dir, 'models'));
  return out.sort();
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

interface Server {
  rpc: MessageConnection;
  pid: number;
  firstDiagnosticsMs: number;
  /** From the clock's start: initialize answered, the persisted index's diagnostics out (if it was used), the load's analysis time. */
  phases: { initializedMs: number; firstPublishedMs?: number; indexServedMs?: number; indexServerMs?: number; loadMs: number };
  stop: () => Promise<void>;
  onDiagnostics: (uri: string) => Promise<void>;
  /** Resolves when `holds` is true of what each of `uris` was last sent (each publication checks only its own uri). */
  whenPublished: (uris: string[], holds: (diagnostics: unknown[]) => boolean) => Promise<void>;
}

async function startServer(folders: string[], expectProjects: number, touch: string[]): Promise<Server> {
  const nodeArgs = (process.env.MEDALLION_BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...nodeArgs, join(repo, 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const waiting = new Map<string, () => void>();
  const latest = new Map<string, unknown[]>();
  let watcher: { pending: Set<string>; holds: (diagnostics: unknown[]) => boolean; resolve: () => void } | undefined;
  /** The clock: started right before initialize. */
  let t = 0;
  let firstPublishedMs: number | undefined;
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
    firstPublishedMs ??= performance.now() - t;
    latest.set(p.uri, p.diagnostics);
    const w = waiting.get(p.uri);
    if (w) {
      waiting.delete(p.uri);
      w();
    }
    if (watcher && watcher.pending.has(p.uri) && watcher.holds(p.diagnostics)) watcher.pending.delete(p.uri);
    if (watcher && watcher.pending.size === 0) {
      const resolve = watcher.resolve;
      watcher = undefined;
      resolve();
    }
  });
  rpc.onRequest('client/registerCapability', () => null);
  let complete = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (allDone = r));
  let loadMs = 0;
  let indexServedMs: number | undefined;
  let indexServerMs: number | undefined;
  rpc.onNotification('medallion/analysisComplete', (p: { millis: number }) => {
    loadMs = Math.max(loadMs, p.millis);
    if (++complete === expectProjects) allDone();
  });
  rpc.onNotification('medallion/columnsComplete', (p: { version: number; analysisVersion: number; nodes: number; millis: number }) => {
    columnVersions.push({ atNs: String(process.hrtime.bigint()), ...p });
  });
  rpc.onNotification('medallion/indexServed', (p: { millis: number }) => {
    indexServedMs = performance.now() - t;
    indexServerMs = p.millis;
  });
  rpc.listen();
  // What the editor opens is known before the clock starts: walking a 10k-model tree here took
  // 100-150 ms that were counted as the server's.
  const opening = touch.map((project) => {
    const file = sqlFiles(project)[0]!;
    return { uri: pathToFileURL(file).toString(), languageId: 'jinja-sql', version: 1, text: readFileSync(file, 'utf8') };
  });
  t = performance.now();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: folders.map((f) => ({ uri: pathToFileURL(f).toString(), name: f })) });
  const initializedMs = performance.now() - t;
  await rpc.sendNotification('initialized', {});
  // Projects are indexed when first touched: open one model of each, as a user opening files would.
  for (const textDocument of opening) await rpc.sendNotification('textDocument/didOpen', { textDocument });
  await done;
  const firstDiagnosticsMs = performance.now() - t;
  return {
    rpc,
    pid: server.pid!,
    firstDiagnosticsMs,
    phases: { initializedMs, ...(firstPublishedMs !== undefined ? { firstPublishedMs } : {}), ...(indexServedMs !== undefined ? { indexServedMs, indexServerMs } : {}), loadMs },
    stop: async () => {
      // A clean exit (shutdown, exit) lets --cpu-prof write its profile.
      await rpc.sendRequest('shutdown').catch(() => undefined);
      await rpc.sendNotification('exit').catch(() => undefined);
      await new Promise<void>((r) => (server.exitCode !== null ? r() : server.once('exit', () => r())));
      rpc.dispose();
    },
    onDiagnostics: (uri) => new Promise<void>((r) => waiting.set(uri, r)),
    whenPublished: (uris, holds) =>
      new Promise<void>((resolve) => {
        const pending = new Set(uris.filter((u) => !holds(latest.get(u) ?? [])));
        if (pending.size === 0) resolve();
        else watcher = { pending, holds, resolve };
      }),
  };
}

/**
 * Editing a macro that 3 models in 10 use (`audit_columns`): twice in a row (the second edit
 * makes the first one's work stale), then back. Timed from the first didChange until every model
 * using the macro has been published with the second edit's problem, and from the revert until
 * none of them shows it any more.
 */
async function macroEdit(s: Server, dir: string): Promise<string> {
  const macroPath = join(dir, 'macros', 'helpers.sql');
  const uri = pathToFileURL(macroPath).toString();
  const original = readFileSync(macroPath, 'utf8');
  const users = sqlFiles(dir).filter((f) => readFileSync(f, 'utf8').includes('audit_columns()')).map((f) => pathToFileURL(f).toString());
  const body = 'current_timestamp as _loaded_at';
  const broken = (name: string): string => original.replace(body, `current_timestamp as _loaded_at, (select 1 from {{ ref('${name}') }}) as _check`);
  await s.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text: original } });
  const mentions = (needle: string) => (diagnostics: unknown[]): boolean => JSON.stringify(diagnostics).includes(needle);
  let t = performance.now();
  await s.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: broken('no_such_model_a') }] });
  await s.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: broken('no_such_model_b') }] });
  await s.whenPublished(users, mentions("no_such_model_b'"));
  const brokenMs = performance.now() - t;
  t = performance.now();
  await s.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text: original }] });
  // Cleared of the edit's problem (a model may keep problems of its own, e.g. layer warnings).
  await s.whenPublished(users, (diagnostics) => !mentions('no_such_model_')(diagnostics));
  const fixedMs = performance.now() - t;
  return `  macro used by ${users.length} models edited twice in a row → all ${users.length} republished with the second edit's problem: ${brokenMs.toFixed(0)} ms; edit reverted → all cleared: ${fixedMs.toFixed(0)} ms`;
}

/**
 * An edit to one model while a run holds the analysis version (in process, the server's own
 * ProjectState): the held version is never changed, so the edit makes a new version that shares
 * everything unchanged with it; compared with the same edit applied in place when nothing holds
 * it. With --expose-gc, also the heap the new version retains while the old one is held, against
 * the heap of the whole analysis.
 */
function pinnedEdit(dir: string): string {
  const file = sqlFiles(dir).find((f) => !f.includes('/legacy_') && readFileSync(f, 'utf8').includes("ref('"))!;
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = (): number => {
    gc!();
    gc!();
    return process.memoryUsage().heapUsed;
  };
  const empty = gc ? heap() : 0;
  const host = new OverlayHost();
  const project = new ProjectState(dir, host, {});
  let t = performance.now();
  project.get();
  const loadMs = performance.now() - t;
  project.prepareEdits();
  const original = readFileSync(file, 'utf8');
  const edit = (i: number): void => {
    const text = `${original}\n-- edit ${i}\n`;
    host.overlays.set(file, text);
    project.edit(file, text);
    project.get();
  };
  const inPlace: number[] = [];
  const pinned: number[] = [];
  const retained: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    edit(i);
    inPlace.push(performance.now() - t);
  }
  const analysisBytes = gc ? heap() - empty : 0;
  for (let i = 0; i < 10; i++) {
    const held = project.pin();
    const before = gc ? heap() : 0;
    t = performance.now();
    edit(100 + i);
    pinned.push(performance.now() - t);
    if (gc) retained.push(heap() - before);
    held.release();
  }
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  const memory = gc ? `; the new version retains ${mb(percentile(retained, 50))} MB (p50) while the held one lives, the whole analysis ${mb(analysisBytes)} MB` : ' (run node with --expose-gc for the retained memory)';
  return `  one model edited (in process): in place p50 ${percentile(inPlace, 50).toFixed(2)} ms; while a run holds the version (a new version sharing the held one) p50 ${percentile(pinned, 50).toFixed(2)} ms, p99 ${percentile(pinned, 99).toFixed(2)} ms${memory}; first full load ${loadMs.toFixed(0)} ms`;
}

async function timeRequests(rpc: MessageConnection, method: string, params: unknown[]): Promise<number[]> {
  const out: number[] = [];
  for (const p of params) {
    const t = performance.now();
    await rpc.sendRequest(method, p);
    out.push(performance.now() - t);
  }
  return out;
}

async function benchOne(models: number): Promise<string> {
  const dir = join(cache, `project-${models}`);
  ensureProject(dir, models);
  const s = await startServer([dir], 1, [dir]);
  try {
    // Enabled models only (the legacy ones are disabled: nothing is published for them).
    const files = sqlFiles(dir).filter((f) => !f.includes('/legacy_') && readFileSync(f, 'utf8').includes("ref('"));
    const sample = files.filter((_, i) => i % Math.max(1, Math.floor(files.length / 200)) === 0).slice(0, 200);
    const positions = sample.map((f) => {
      const text = readFileSync(f, 'utf8');
      const at = text.indexOf("ref('") + 6;
      const lines = text.slice(0, at).split('\n');
      return { textDocument: { uri: pathToFileURL(f).toString() }, position: { line: lines.length - 1, character: lines[lines.length - 1]!.length } };
    });
    await timeRequests(s.rpc, 'textDocument/definition', positions.slice(0, 20)); // warm up
    const definition = await timeRequests(s.rpc, 'textDocument/definition', positions);
    const hover = await timeRequests(s.rpc, 'textDocument/hover', positions);
    const references = await timeRequests(s.rpc, 'textDocument/references', positions.slice(0, 50).map((p) => ({ ...p, context: { includeDeclaration: true } })));
    // Completion inside ref(' of an open document.
    const target = sample[0]!;
    const uri = pathToFileURL(target).toString();
    const original = readFileSync(target, 'utf8');
    await s.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text: original } });
    const refAt = original.indexOf("ref('") + 5;
    const lines = original.slice(0, refAt).split('\n');
    const completion = await timeRequests(s.rpc, 'textDocument/completion', Array.from({ length: 100 }, () => ({ textDocument: { uri }, position: { line: lines.length - 1, character: lines[lines.length - 1]!.length } })));
    // didChange → publishDiagnostics for that file: alternate a bad ref and the good text.
    const broken = original.replace("ref('", "ref('no_such_");
    const change: number[] = [];
    const windows: Array<{ i: number; startNs: string; endNs: string; ms: number }> = [];
    for (let i = 0; i < 100; i++) {
      const next = i % 2 === 0 ? broken : original;
      const arrived = s.onDiagnostics(uri);
      const startNs = process.hrtime.bigint();
      const t = performance.now();
      await s.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: next }] });
      await arrived;
      change.push(performance.now() - t);
      windows.push({ i, startNs: String(startNs), endNs: String(process.hrtime.bigint()), ms: change[i]! });
    }
    if (process.env.MEDALLION_BENCH_SAMPLES) writeFileSync(process.env.MEDALLION_BENCH_SAMPLES, JSON.stringify({ windows, columnVersions }));
    const macro = await macroEdit(s, dir);
    const rss = peakRssMb(s.pid);
    const f = (xs: number[]): string => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;
    return [
      `${models} models: initialize → first complete diagnostics (after opening one model) ${s.firstDiagnosticsMs.toFixed(0)} ms; server peak RSS ${rss.toFixed(0)} MB`,
      `  definition ${f(definition)} (n=${definition.length}); hover ${f(hover)}; references ${f(references)} (n=${references.length}); completion ${f(completion)}`,
      `  didChange → publishDiagnostics for that file: ${f(change)}, max ${Math.max(...change).toFixed(2)} ms (n=${change.length})`,
      macro,
      pinnedEdit(dir),
    ].join('\n');
  } finally {
    await s.stop();
  }
}

async function benchMany(projects: number, models: number): Promise<string> {
  const root = join(cache, `workspace-${projects}x${models}`);
  for (let i = 0; i < projects; i++) ensureProject(join(root, `project_${i}`), models, `project_${i}`);
  const s = await startServer([root], projects, Array.from({ length: projects }, (_, i) => join(root, `project_${i}`)));
  try {
    return `${projects} projects of ${models} models in one workspace: all analysed in ${s.firstDiagnosticsMs.toFixed(0)} ms; server peak RSS ${peakRssMb(s.pid).toFixed(0)} MB`;
  } finally {
    await s.stop();
  }
}

/**
 * Restarts on one unchanged project (the persisted index written by the previous server's load
 * or shutdown), then a start after one model file changed (the index must be ignored). Each start
 * is timed from initialize to the index's diagnostics (when served) and to the load's complete
 * diagnostics; medians of `runs` starts.
 */
async function benchRestart(models: number, runs: number): Promise<string> {
  const dir = join(cache, `project-${models}`);
  ensureProject(dir, models);
  rmSync(join(dir, 'target', 'medallion'), { recursive: true, force: true });
  const once = async (): Promise<Server['phases'] & { completeMs: number }> => {
    const s = await startServer([dir], 1, [dir]);
    await s.stop();
    return { ...s.phases, completeMs: s.firstDiagnosticsMs };
  };
  const med = (xs: Array<number | undefined>): string => {
    const ok = xs.filter((x): x is number => x !== undefined);
    return ok.length === xs.length ? `${percentile(ok, 50).toFixed(0)} ms` : `not served in ${xs.length - ok.length} of ${xs.length}`;
  };
  const describe = (label: string, starts: Array<Server['phases'] & { completeMs: number }>): string =>
    `  ${label} (median of ${starts.length}): initialize answered ${med(starts.map((x) => x.initializedMs))}; first file's diagnostics ${med(starts.map((x) => x.firstPublishedMs))}; all of the index diagnostics out ${med(starts.map((x) => x.indexServedMs))} (of which the server's index check and sends ${med(starts.map((x) => x.indexServerMs))}); complete diagnostics from the load ${med(starts.map((x) => x.completeMs))} (load + publish ${med(starts.map((x) => x.loadMs))})`;
  const cold = [await once()];
  const warm: Array<Server['phases'] & { completeMs: number }> = [];
  for (let i = 0; i < runs; i++) warm.push(await once());
  const file = sqlFiles(dir).find((f) => !f.includes('/legacy_'))!;
  const original = readFileSync(file, 'utf8');
  const changed: Array<Server['phases'] & { completeMs: number }> = [];
  try {
    for (let i = 0; i < runs; i++) {
      writeFileSync(file, `${original}\n-- changed ${i}\n`);
      changed.push(await once());
    }
  } finally {
    writeFileSync(file, original);
  }
  return [`${models} models, restarts of the server:`, describe('first start, no index', cold), describe('restart, nothing changed', warm), describe('restart after one model changed', changed)].join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string): boolean => only.length === 0 || only.includes(name);
  const lines: string[] = [];
  if (want('1000')) lines.push(await benchOne(1000));
  if (want('10000')) lines.push(await benchOne(10000));
  if (want('20x500')) lines.push(await benchMany(20, 500));
  // `npm run bench:lsp -- restart` (10k models; `restart-1000` for 1k): the persisted index.
  for (const arg of only) if (/^restart(-\d+)?$/.test(arg)) lines.push(await benchRestart(Number(arg.split('-')[1] ?? 10000), 5));
  // Only the in-process edit timings at 10k models (part of the 10000 run too): `npm run bench:lsp -- pinned-edit`.
  if (only.includes('pinned-edit')) {
    const dir = join(cache, 'project-10000');
    ensureProject(dir, 10000);
    lines.push(`10000 models:\n${pinnedEdit(dir)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
