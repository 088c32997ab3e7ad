/**
 * What the editor shows on real dbt projects opened unchanged: starts the real `medallion lsp
 * --stdio` on each project folder as an editor does (initialize with the workspace folder; the
 * project's profiles folder as `medallion.profilesDir` reaches the server, DBT_PROFILES_DIR),
 * opens one model, waits for the load's diagnostics and the column model's (conditions, no
 * sleeps), then opens and saves a sample of models, and prints every published diagnostic by code
 * and severity with a sample of each code. Not part of CI; nothing here asserts.
 *
 *   node out/bench/editor-audit.js [--open N] [--samples N] [--json FILE] [--timeout S] [--syntax-all]
 *     [--probe FILE:LINE:COL ...] [PROJECT_DIR ...]
 *
 * `--probe` asks hover and F12 (definition) at a place of each project (path relative to it).
 * `--syntax-all` also runs the server's on-save check (lsp/save-check.ts) in this process on every
 * model of a project whose target is DuckDB, as if each were saved (the server's check is
 * asynchronous and only a problem is published, so the protocol run cannot wait for it).
 *
 * Without project folders: the seven public projects in /work/public-dbt/projects. The dummy
 * env vars of their profiles come from /work/public-dbt/dbt-parse.sh (`export` lines). The
 * server's target path (its persisted index) and HOME go to a temporary folder: nothing is
 * written into the projects.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { nodesInFile } from '../server/src/core/ide';
import { checkDuckDbSyntax } from '../server/src/engines/duckdb/validate';
import { Lines } from '../server/src/lsp/convert';
import { checkSavedDocument } from '../server/src/lsp/save-check';
import { OverlayHost, ProjectState } from '../server/src/lsp/workspace';

const repo = resolve(__dirname, '..', '..');
const PUBLIC = '/work/public-dbt';

interface Published {
  range: { start: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  message: string;
}

const SEVERITY = ['', 'error', 'warning', 'info', 'hint'];

/** The profiles folder an editor user would set for each public project (as in the brief). */
function profilesDirOf(project: string): string {
  const name = basename(project);
  if (name.startsWith('mattermost_')) return join(project, 'profile');
  if (name === 'tuva') return join(project, 'profiles', 'databricks');
  return project;
}

function dummyEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const script = join(PUBLIC, 'dbt-parse.sh');
  if (!existsSync(script)) return env;
  for (const line of readFileSync(script, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(\S*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The root project's model files (not packages'), sorted. */
function modelFiles(project: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      if (n === 'dbt_packages' || n === 'target' || n.startsWith('.')) continue;
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (f.endsWith('.sql')) out.push(f);
    }
  };
  if (existsSync(join(project, 'models'))) walk(join(project, 'models'));
  return out.sort();
}

/** `n` files spread evenly over the list. */
function spread<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(list[Math.floor((i * list.length) / n)]!);
  return [...new Set(out)];
}

interface ProjectReport {
  project: string;
  files: number;
  opened: number;
  byCode: Map<string, { severity: string; count: number; samples: string[] }>;
  notes: string[];
  millis: number;
}

async function audit(project: string, open: number, samples: number, timeoutMs: number, probes: string[]): Promise<ProjectReport> {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'medallion-editor-audit-'));
  const env = { ...process.env, ...dummyEnv(), DBT_PROFILES_DIR: profilesDirOf(project), DBT_TARGET_PATH: join(scratch, 'target'), HOME: scratch };
  const server = spawn(process.execPath, [join(repo, 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  server.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const latest = new Map<string, Published[]>();
  const notes: string[] = [];
  /** Events the waits below look for, in arrival order. */
  const events: string[] = [];
  let wake: () => void = () => undefined;
  const until = async (what: string, holds: () => boolean): Promise<void> => {
    const deadline = performance.now() + timeoutMs;
    while (!holds()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${events.slice(-5).join(', ')})`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  };
  const event = (e: string): void => {
    events.push(e);
    wake();
  };
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Published[] }) => {
    latest.set(p.uri, p.diagnostics);
  });
  rpc.onNotification('medallion/analysisComplete', (p: { rendering?: number }) => event(p.rendering ? 'analysis-rendering' : 'analysis'));
  rpc.onNotification('medallion/columnsComplete', (p: { version: number; nodes: number; exact: number; millis: number }) => {
    const line = `column model v${p.version}: ${p.nodes} nodes, ${p.exact} bound exactly by the engine, ${p.millis.toFixed(0)} ms`;
    // The first version and the latest (each save makes one on Databricks targets).
    const last = notes.findIndex((n) => n.startsWith('column model v') && !n.startsWith('column model v1:'));
    if (last >= 0) notes[last] = line;
    else notes.push(line);
    event('columns');
  });
  rpc.onNotification('window/logMessage', (p: { message: string }) => {
    if (/Columns are not available|Column model of .* failed|analysis of .* failed|not checked by the warehouse/.test(p.message)) notes.push(p.message.split('\n')[0]!.slice(0, 300));
    if (/Columns are not available|Column model of .* failed/.test(p.message)) event('columns-unavailable');
  });
  rpc.onRequest('client/registerCapability', () => null);
  rpc.onRequest('workspace/configuration', () => []);
  rpc.listen();
  const files = modelFiles(project);
  const sample = spread(files, open);
  const doc = (file: string) => ({ uri: pathToFileURL(file).toString(), languageId: 'jinja-sql', version: 1, text: readFileSync(file, 'utf8') });
  /** Every message sent before it has been handled and every publication before its answer has arrived. */
  const barrier = (): Promise<unknown> => rpc.sendRequest('textDocument/documentSymbol', { textDocument: { uri: pathToFileURL(sample[0] ?? project).toString() } }).catch(() => undefined);
  try {
    await rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(project).toString(),
      capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } } },
      initializationOptions: { trusted: true },
      workspaceFolders: [{ uri: pathToFileURL(project).toString(), name: basename(project) }],
    });
    await rpc.sendNotification('initialized', {});
    // The load starts when a file of the project is first touched, as a user opening a model.
    if (sample[0]) await rpc.sendNotification('textDocument/didOpen', { textDocument: doc(sample[0]) });
    await until('the load', () => events.includes('analysis'));
    // The column model (yml-column-missing, contracts, the binder) follows the load; its problems republish.
    await until('the column model', () => events.some((e) => e === 'columns' || e === 'columns-unavailable'));
    await barrier();
    const before = events.length;
    for (const file of sample.slice(1)) await rpc.sendNotification('textDocument/didOpen', { textDocument: doc(file) });
    // Saving runs the target engine's syntax check (DuckDB, Databricks) and, on Databricks, the binder.
    for (const file of sample) await rpc.sendNotification('textDocument/didSave', { textDocument: { uri: pathToFileURL(file).toString() } });
    await barrier();
    if (events.slice(before).includes('columns')) await barrier();
    // Hover and F12 at given places (FILE:LINE:COLUMN, 1-based, relative to the project).
    for (const at of probes) {
      const m = /^(.*):(\d+):(\d+)$/.exec(at);
      if (!m) continue;
      const file = resolve(project, m[1]!);
      if (!existsSync(file)) continue;
      const textDocument = { uri: pathToFileURL(file).toString() };
      await rpc.sendNotification('textDocument/didOpen', { textDocument: doc(file) });
      const position = { line: Number(m[2]) - 1, character: Number(m[3]) - 1 };
      const hover = (await rpc.sendRequest('textDocument/hover', { textDocument, position }).catch((e: Error) => e.message)) as { contents?: { value?: string } } | string | null;
      const definition = (await rpc.sendRequest('textDocument/definition', { textDocument, position }).catch((e: Error) => e.message)) as unknown;
      const hoverText = typeof hover === 'string' ? hover : (hover?.contents?.value ?? JSON.stringify(hover));
      const where = (d: unknown): string => {
        const list = (Array.isArray(d) ? d : d ? [d] : []) as Array<{ uri?: string; targetUri?: string; range?: { start: { line: number } }; targetRange?: { start: { line: number } } }>;
        return list.map((l) => `${relative(project, fileURLToPath((l.uri ?? l.targetUri)!))}:${(l.range ?? l.targetRange)!.start.line + 1}`).join(', ') || 'nothing';
      };
      notes.push(`probe ${at}: F12 → ${typeof definition === 'string' ? definition : where(definition)}; hover → ${hoverText.replace(/\s+/g, ' ').slice(0, 200)}`);
    }
  } catch (err) {
    notes.push(`audit stopped: ${(err as Error).message}${stderr ? `; server stderr: ${stderr.slice(-500)}` : ''}`);
  }
  await rpc.sendRequest('shutdown').catch(() => undefined);
  await rpc.sendNotification('exit').catch(() => undefined);
  await new Promise<void>((r) => (server.exitCode !== null ? r() : server.once('exit', () => r())));
  rpc.dispose();
  rmSync(scratch, { recursive: true, force: true });
  const byCode = new Map<string, { severity: string; count: number; samples: string[] }>();
  for (const [uri, list] of [...latest].sort(([a], [b]) => a.localeCompare(b))) {
    for (const d of list) {
      const severity = SEVERITY[d.severity ?? 1] ?? String(d.severity);
      const key = `${severity}\u0000${String(d.code ?? '(none)')}`;
      const entry = byCode.get(key) ?? { severity, count: 0, samples: [] };
      entry.count++;
      if (entry.samples.length < samples) entry.samples.push(`${relative(project, fileURLToPath(uri))}:${d.range.start.line + 1}: ${d.message.replace(/\s+/g, ' ').slice(0, 240)}`);
      byCode.set(key, entry);
    }
  }
  return { project, files: files.length, opened: sample.length, byCode, notes, millis: performance.now() - started };
}

/** The on-save check of every root-project model, as the server runs it, for a DuckDB target. */
async function syntaxAll(projectDir: string, byCode: ProjectReport['byCode'], notes: string[], samples: number): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'medallion-editor-audit-'));
  try {
    const env = { ...process.env, ...dummyEnv(), DBT_PROFILES_DIR: profilesDirOf(projectDir), DBT_TARGET_PATH: join(scratch, 'target'), HOME: scratch };
    const host = new OverlayHost();
    const project = new ProjectState(projectDir, host, env);
    const analysis = project.get();
    const target = project.compilerFor().options.target;
    if (target.type !== 'duckdb') {
      notes.push(`on-save check: target ${target.name} is ${target.type}${target.type === 'databricks' ? ' (the warehouse checks on save: none here)' : ' (no engine check on save)'}`);
      return;
    }
    const lines = new Lines(host);
    let checked = 0;
    for (const file of modelFiles(projectDir)) {
      const rel = relative(projectDir, file);
      if (!nodesInFile(analysis, rel).some((n) => n.resourceType === 'model')) continue;
      const where = { project, file: rel, path: file };
      if (await checkSavedDocument(where, { text: readFileSync(file, 'utf8'), version: 0 }, { check: (_t, _r, sql) => checkDuckDbSyntax(sql), lines, currentVersion: () => 0, schedule: () => undefined })) checked++;
    }
    notes.push(`on-save check (DuckDB, target ${target.name}): ${checked} models checked, ${project.engineProblems.size} with a problem`);
    for (const [file, list] of project.engineProblems) {
      for (const d of list) {
        const key = `${d.severity}\u0000${d.code} (on save)`;
        const entry = byCode.get(key) ?? { severity: d.severity, count: 0, samples: [] };
        entry.count++;
        if (entry.samples.length < samples) entry.samples.push(`${file}: ${d.message.replace(/\s+/g, ' ').slice(0, 240)}`);
        byCode.set(key, entry);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let open = 25;
  let samples = 3;
  let json: string | undefined;
  let timeoutMs = 600_000;
  const projects: string[] = [];
  const probes: string[] = [];
  let syntax = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--open') open = Number(args[++i]);
    else if (a === '--samples') samples = Number(args[++i]);
    else if (a === '--json') json = args[++i];
    else if (a === '--syntax-all') syntax = true;
    else if (a === '--probe') probes.push(args[++i]!);
    else if (a === '--timeout') timeoutMs = Number(args[++i]) * 1000;
    else projects.push(resolve(a));
  }
  if (projects.length === 0) {
    const root = join(PUBLIC, 'projects');
    for (const n of readdirSync(root).sort()) projects.push(join(root, n));
  }
  const reports: ProjectReport[] = [];
  for (const project of projects) {
    const r = await audit(project, open, samples, timeoutMs, probes);
    if (syntax) await syntaxAll(project, r.byCode, r.notes, samples).catch((err: unknown) => r.notes.push(`on-save check failed: ${(err as Error).message}`));
    reports.push(r);
    const total = [...r.byCode.values()].reduce((s, e) => s + e.count, 0);
    console.log(`\n## ${basename(project)}: ${total} diagnostics (${r.files} model files, ${r.opened} opened and saved; ${(r.millis / 1000).toFixed(1)} s)`);
    for (const n of r.notes) console.log(`  note: ${n}`);
    const entries = [...r.byCode].sort(([, a], [, b]) => b.count - a.count);
    for (const [key, e] of entries) {
      console.log(`  ${String(e.count).padStart(6)}  ${e.severity.padEnd(7)} ${key.split('\u0000')[1]}`);
      for (const s of e.samples) console.log(`            ${s}`);
    }
  }
  console.log('\n| project | ' + 'error | warning | info | hint |');
  console.log('|---|---|---|---|---|');
  for (const r of reports) {
    const sum = (sev: string): string => {
      const parts = [...r.byCode.values()].filter((e) => e.severity === sev);
      const n = parts.reduce((s, e) => s + e.count, 0);
      return n === 0 ? '0' : `${n} (${[...r.byCode].filter(([, e]) => e.severity === sev).map(([k, e]) => `${k.split('\u0000')[1]} ${e.count}`).join(', ')})`;
    };
    console.log(`| ${basename(r.project)} | ${sum('error')} | ${sum('warning')} | ${sum('info')} | ${sum('hint')} |`);
  }
  if (json) writeFileSync(json, JSON.stringify(reports.map((r) => ({ ...r, byCode: Object.fromEntries([...r.byCode].map(([k, v]) => [k.replace('\u0000', ' '), v])) })), null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
