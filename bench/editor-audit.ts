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
 * `--completion` asks completion where a user types (inside `ref('`, `ref('pkg', '`, `source('`,
 * `source('src', '`, a macro name after `{{ `, a package namespace after `dbt_utils.`, `var('`, a
 * config key in `config(`; in a properties yml a model's and a column's `name:`), each probe the
 * opened model's text with the probe appended (an incremental edit) and the cursor at its end; it
 * prints per probe the count, the answer's time (client side), the first items in the editor's order
 * (sortText, else label) and what the project has that the answer should show (package models,
 * versioned models, disabled models, vars), read by loading the project in this process.
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
  completion: CompletionProbe[];
}

interface CompletionProbe {
  probe: string;
  count: number;
  millis: number;
  /** The first items as the editor orders them (sortText, else label). */
  first: string[];
  /** Labels offered more than once. */
  repeated: number;
  /** What was checked against the project, and the verdict. */
  checks: string[];
}

interface LspCompletion {
  label: string;
  detail?: string;
  sortText?: string;
  insertText?: string;
  documentation?: string;
}

/** What a completion answer should reflect, from the project loaded in this process. */
function completionFacts(projectDir: string): { packageModels: Map<string, string[]>; versioned: string[]; disabled: string[]; vars: string[]; sources: string[]; macroPackages: string[]; rootName: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'medallion-editor-audit-'));
  try {
    const env = { ...process.env, ...dummyEnv(), DBT_PROFILES_DIR: profilesDirOf(projectDir), DBT_TARGET_PATH: join(scratch, 'target'), HOME: scratch };
    const analysis = new ProjectState(projectDir, new OverlayHost(), env).get();
    const rootName = analysis.project.config.name;
    const packageModels = new Map<string, string[]>();
    const versioned: string[] = [];
    for (const n of analysis.project.nodes.values()) {
      if (n.resourceType !== 'model') continue;
      if (n.packageName !== rootName) packageModels.set(n.packageName, [...(packageModels.get(n.packageName) ?? []), n.name]);
      if (n.version !== undefined) versioned.push(`${n.name} v${String(n.version)}`);
    }
    const disabled = [...analysis.project.disabled.values()].flat().filter((n) => n.resourceType === 'model').map((n) => n.name);
    const vars = Object.keys((analysis.project.config.vars ?? {}) as Record<string, unknown>).filter((k) => typeof (analysis.project.config.vars as Record<string, unknown>)[k] !== 'object' || k !== analysis.project.config.name);
    const sources = [...new Set([...analysis.graph.sourceTables.values()].map((n) => n.source!.sourceName))];
    const macroPackages = [...new Set([...analysis.project.macros.values()].flat().map((m) => m.packageName))];
    return { packageModels, versioned, disabled, vars, sources, macroPackages, rootName };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function audit(project: string, open: number, samples: number, timeoutMs: number, probes: string[], completion = false): Promise<ProjectReport> {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'medallion-editor-audit-'));
  const env = { ...process.env, ...dummyEnv(), DBT_PROFILES_DIR: profilesDirOf(project), DBT_TARGET_PATH: join(scratch, 'target'), HOME: scratch };
  const server = spawn(process.execPath, [join(repo, 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  server.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const latest = new Map<string, Published[]>();
  const notes: string[] = [];
  const completions: CompletionProbe[] = [];
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
    if (completion && sample[0]) completions.push(...(await completionProbes(project, sample[0], rpc, barrier)));
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
  return { project, files: files.length, opened: sample.length, byCode, notes, millis: performance.now() - started, completion: completions };
}

/** A yml under the project's models holding `models:` with `columns:`; the offsets of a model's and a column's name value. */
function propertiesYml(project: string): { file: string; text: string; model: number; column: number } | undefined {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (/\.ya?ml$/.test(n)) found.push(f);
    }
  };
  if (existsSync(join(project, 'models'))) walk(join(project, 'models'));
  for (const file of found) {
    const text = readFileSync(file, 'utf8');
    const models = /^models:\s*\n(?:\s*#.*\n)*(\s*)- name: *([\w]+)/m.exec(text);
    if (!models) continue;
    const modelAt = models.index + models[0].length - models[2]!.length;
    const columns = /\n(\s*)columns:\s*\n(?:\s*#.*\n)*\s*- name: *([\w]+)/.exec(text.slice(modelAt));
    if (!columns) continue;
    const columnAt = modelAt + columns.index + columns[0].length - columns[2]!.length;
    return { file, text, model: modelAt, column: columnAt };
  }
  return undefined;
}

async function completionProbes(project: string, file: string, rpc: ReturnType<typeof createMessageConnection>, barrier: () => Promise<unknown>): Promise<CompletionProbe[]> {
  const facts = completionFacts(project);
  const original = readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).toString();
  const out: CompletionProbe[] = [];
  let version = 1;
  const firstPackageWithModels = [...facts.packageModels.keys()][0];
  const namespace = facts.macroPackages.includes('dbt_utils') ? 'dbt_utils' : facts.macroPackages.find((p) => p !== facts.rootName && p !== 'dbt');
  const ask = async (probe: string, uriOf: string, text: string, offset: number, checks: (items: LspCompletion[]) => string[]): Promise<void> => {
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf, version: ++version }, contentChanges: [{ text }] });
    await barrier();
    const lines = text.slice(0, offset).split('\n');
    const position = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
    const t0 = performance.now();
    const answer = (await rpc.sendRequest('textDocument/completion', { textDocument: { uri: uriOf }, position }).catch((e: Error) => e.message)) as LspCompletion[] | { items: LspCompletion[] } | string | null;
    const millis = performance.now() - t0;
    if (typeof answer === 'string') {
      out.push({ probe, count: 0, millis, first: [], repeated: 0, checks: [`error: ${answer}`] });
      return;
    }
    const items = (Array.isArray(answer) ? answer : (answer?.items ?? [])).slice();
    items.sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
    const labels = items.map((i) => i.label);
    out.push({ probe, count: items.length, millis, first: items.slice(0, 6).map((i) => `${i.label}${i.detail ? ` (${i.detail.slice(0, 50)})` : ''}`), repeated: labels.length - new Set(labels).size, checks: checks(items) });
  };
  const model = async (probe: string, typed: string, checks: (items: LspCompletion[]) => string[]): Promise<void> => {
    const text = `${original}\n${typed}`;
    await ask(probe, uri, text, text.length, checks);
  };
  const has = (items: LspCompletion[], label: string): boolean => items.some((i) => i.label === label || i.insertText === label);
  await model("ref('", "{{ ref('", (items) => {
    const checks: string[] = [];
    for (const [pkg, names] of facts.packageModels) checks.push(`package ${pkg}: ${names.filter((n) => has(items, n)).length}/${names.length} of its models offered${items.some((i) => i.label === pkg) ? ', the package itself offered' : ''}`);
    if (facts.versioned.length) checks.push(`versioned models: ${facts.versioned.slice(0, 3).join(', ')}…; offered with a version: ${items.filter((i) => /\bv\d/.test(i.detail ?? '') || /version/.test(i.insertText ?? '')).length}`);
    const disabled = facts.disabled.filter((n) => has(items, n) && !items.some((i) => i.label === n && /disabled/.test(i.detail ?? '')));
    checks.push(`disabled models (${facts.disabled.length}) offered as if enabled: ${disabled.length}`);
    return checks;
  });
  if (firstPackageWithModels) {
    await model(`ref('${firstPackageWithModels}', '`, `{{ ref('${firstPackageWithModels}', '`, (items) => {
      const names = facts.packageModels.get(firstPackageWithModels)!;
      return [`${names.filter((n) => has(items, n)).length}/${names.length} of the package's models; ${items.filter((i) => !names.includes(i.label)).length} items not of the package`];
    });
  }
  await model("source('", "{{ source('", (items) => [`${facts.sources.filter((n) => has(items, n)).length}/${facts.sources.length} sources`]);
  if (facts.sources[0]) await model(`source('${facts.sources[0]}', '`, `{{ source('${facts.sources[0]}', '`, () => []);
  await model('{{ (macro)', '{{ ', (items) => [`dispatch implementations (x__name) offered: ${items.filter((i) => /^\w+__/.test(i.label)).length}; dbt internal: ${items.filter((i) => i.documentation?.startsWith('dbt ·')).length}`]);
  if (namespace) await model(`${namespace}.`, `{{ ${namespace}.`, (items) => [`items not of ${namespace}: ${items.filter((i) => !(i.detail ?? '').includes(namespace) && !(i.documentation ?? '').startsWith(namespace)).length}`]);
  await model("var('", "{{ var('", (items) => [`${facts.vars.filter((n) => has(items, n)).length}/${facts.vars.length} project vars`]);
  await model('config(', "{{ config(", () => []);
  await model('config(materialized=', "{{ config(materialized='", () => []);
  await rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: original }] });
  const yml = propertiesYml(project);
  if (yml) {
    const yuri = pathToFileURL(yml.file).toString();
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: yuri, languageId: 'yaml', version: ++version, text: yml.text } });
    const blank = (at: number): { text: string; offset: number } => {
      const end = at + /^\w+/.exec(yml.text.slice(at))![0].length;
      return { text: yml.text.slice(0, at) + yml.text.slice(end), offset: at };
    };
    const m = blank(yml.model);
    await ask(`yml model name (${relative(project, yml.file)})`, yuri, m.text, m.offset, () => []);
    const c = blank(yml.column);
    await ask('yml column name', yuri, c.text, c.offset, () => []);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: yuri, version: ++version }, contentChanges: [{ text: yml.text }] });
  }
  return out;
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
  let completion = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--open') open = Number(args[++i]);
    else if (a === '--samples') samples = Number(args[++i]);
    else if (a === '--json') json = args[++i];
    else if (a === '--syntax-all') syntax = true;
    else if (a === '--completion') completion = true;
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
    const r = await audit(project, open, samples, timeoutMs, probes, completion);
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
    if (r.completion.length) {
      console.log(`\n  | probe | items | ms | repeated labels | first items (editor order) | checks |`);
      console.log('  |---|---|---|---|---|---|');
      for (const c of r.completion) console.log(`  | \`${c.probe}\` | ${c.count} | ${c.millis.toFixed(0)} | ${c.repeated} | ${c.first.join('; ').replace(/\|/g, '/')} | ${c.checks.join('; ')} |`);
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
