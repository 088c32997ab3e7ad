/**
 * Reads a dbt project the way `dbt parse` does: dbt_project.yml (rendered for the target), then
 * every package's macros, then every SQL node read at parse time (rendered with dbt's parse-time
 * context, or by its static scan where that provably gives the same answer), seeds, the yml that
 * patches them, and finally each node's enabled state from its complete config. Never throws:
 * every problem becomes a Diagnostic naming the file and span, and loading continues.
 *
 * One file per dbt concept, all working on one shared `LoadState` through a `PackageContext`
 * (context.ts): project-config.ts, sql-files.ts, parse-time.ts, seeds.ts, properties.ts (with
 * columns.ts), sources.ts, generic-tests.ts, unit-tests.ts, hooks.ts, packages.ts; nodes.ts
 * builds and registers nodes.
 */
import { fixedClock, type Clock } from '../clock';
import type { Diagnostic } from '../diagnostics';
import { joinPath, type FileHost } from '../host';
import type { Project, ProjectConfig, ProjectNode } from '../model';
import { defaultDuckDbTarget, readProfile, type Target } from '../profiles';
import { defaultProfilesDirs, renderEnvString } from '../session';
import { TemplateCache } from '../compiler/context';
import { scan } from '../scanner';
import { LoadState, PackageContext, type ManifestInputs, type Scans } from './context';
import { checkDescriptions, loadDocs } from './docs';
import { addHooks } from './hooks';
import { installedPackages, reportMissingPackages } from './packages';
import { ParseTime } from './parse-time';
import { profileNameOf, readProjectConfig } from './project-config';
import { loadPropertiesFiles } from './properties';
import { projectYamlGlobals, renderNative } from './render-yaml';
import { loadSeeds } from './seeds';
import { loadMacroFiles, loadSqlFiles } from './sql-files';
import { settleTestsOfDisabled } from './nodes';
import { keepCalls, type NodeCalls } from './node-calls';

import { ScanCache } from './scan-cache';
export { ScanCache };
export type { ParseTime } from './parse-time';

/** The parse-time renderer a project was loaded with (kept for incremental edits: its macros are defined). */
const parsers = new WeakMap<Project, ParseTime>();

export function parseTimeOf(project: Project): ParseTime | undefined {
  return parsers.get(project);
}

/** What a project loaded with `keepManifestInputs` kept for the manifest writer. */
const manifestInputs = new WeakMap<Project, ManifestInputs>();

export function manifestInputsOf(project: Project): ManifestInputs | undefined {
  return manifestInputs.get(project);
}

/**
 * A new version of a project takes over its parse-time renderer (its macros may then be
 * redefined for that version's texts): the older version keeps its nodes but is never read again.
 */
export function handParseTime(from: Project, to: Project): void {
  const parser = parsers.get(from);
  if (!parser) return;
  parsers.delete(from);
  parsers.set(to, parser);
}
export { parseCsvHeader } from './seeds';
export { sqlCallsOf, type NodeCalls } from './node-calls';

export interface LoadOptions {
  /** Reuses scans and parsed templates of unchanged texts between loads (the language server keeps one). */
  cache?: ScanCache;
  /**
   * The target the project is parsed for (dbt parses for one: `target.name`, `target.type` may
   * decide the graph). Default: the profile in profiles.yml of the project folder (or
   * DBT_PROFILES_DIR, ~/.dbt when `env` names them), else the embedded DuckDB default.
   */
  target?: Target;
  /** Where to look for profiles.yml, in order (`--profiles-dir` first); default dbt's order for `env`. */
  profilesDirs?: string[];
  /** The profile's target to parse for (`--target`); default the profile's own default. */
  targetName?: string;
  /** What `env_var` reads at parse time. Default: nothing (every env_var answers its default). */
  env?: Record<string, string | undefined>;
  /** `--vars`. */
  vars?: Record<string, unknown>;
  /**
   * What renders read as time and chance: `run_started_at`, `modules.datetime`'s now, `random`.
   * The core has no clock of its own: default a fixed one at 1970-01-01 (the CLI and the language
   * server give the machine's, `node/clock.ts`).
   */
  clock?: Clock;
  /** Render every node, even where the static scan would do, and report any node where the two differ. */
  verifyParse?: boolean;
  /**
   * `--target-path`: where artifacts go (relative to the project folder, or absolute). dbt's order:
   * this, then DBT_TARGET_PATH in `env`, then dbt_project.yml's `target-path`, then `target`.
   */
  targetPath?: string;
  /** Keep what the manifest writer reads again (`manifestInputsOf`: yml trees, seed texts); editors do not write manifests. */
  keepManifestInputs?: boolean;
}

/**
 * Scans for a load nothing reloads (the CLI, a bench): each text scanned as it is read and the
 * result kept only while its node is built. A ScanCache would hold every file's scan to the end
 * of the load, so the collector would copy all of it into the old generation, only to drop it.
 */
function scansOfOneLoad(): Scans {
  return { scan: (_path, text) => scan(text), templates: new TemplateCache() };
}

/** Scans that also keep each file's config() and macro calls (for `keepCalls`), by path. */
function keepingCalls(scans: Scans, calls: Map<string, { text: string; calls: NodeCalls }>): Scans {
  return {
    templates: scans.templates,
    scan: (path, text) => {
      const result = scans.scan(path, text);
      calls.set(path, { text, calls: { configs: result.configs, macroCalls: result.macroCalls } });
      return result;
    },
  };
}

export function loadProject(host: FileHost, root: string, options: LoadOptions = {}): Project {
  const keptCalls = options.keepManifestInputs ? new Map<string, { text: string; calls: NodeCalls }>() : undefined;
  const scans = options.cache ?? scansOfOneLoad();
  const cache = keptCalls ? keepingCalls(scans, keptCalls) : scans;
  const state = new LoadState(host, joinPath(root), cache);
  if (options.keepManifestInputs) state.manifestInputs = { propertiesTrees: new Map(), seedTexts: new Map() };
  const env = options.env ?? {};
  const target = options.target ?? profileTarget(state, env, options.profilesDirs, options.targetName);
  const clock = options.clock ?? fixedClock();
  const globals = projectYamlGlobals(target, env, options.vars ?? {}, clock);
  state.renderProjectValue = (text) => renderNative(cache.templates, `<dbt_project.yml ${text}>`, text, globals, clock);

  const rootConfig = readProjectConfig(state, '');
  rootConfig.base = '';
  const targetPath = options.targetPath || env.DBT_TARGET_PATH;
  if (targetPath) rootConfig.targetPath = targetPath;
  // Packages of packages are not loaded: dbt deps installs every package flat in the root's folder.
  const contexts = [new PackageContext(state, rootConfig, '', undefined)];
  for (const base of installedPackages(state, rootConfig)) {
    const config = readProjectConfig(state, base);
    config.base = base;
    state.packages.set(config.name, config);
    contexts.push(new PackageContext(state, config, base, rootConfig));
  }
  const missing = reportMissingPackages(state, rootConfig);

  // Every package's macros before any node: a node's render may call any of them.
  for (const ctx of contexts) {
    for (const dir of ctx.config.macroPaths) loadMacroFiles(ctx, dir, 'macro');
    for (const dir of ctx.config.testPaths) loadMacroFiles(ctx, dir, 'test');
  }
  const project = projectOf(state, rootConfig);
  project.target = target;
  state.parser = new ParseTime(project, {
    target,
    env,
    templates: cache.templates,
    ...(options.vars ? { vars: options.vars } : {}),
    clock,
    ...(options.verifyParse ? { verify: true } : {}),
  });
  for (const d of state.parser.macroProblems) {
    // The scan reports most syntax problems of a macro file already; the parser's only where it found none.
    if (!state.diagnostics.some((x) => x.file === d.file && x.code === 'jinja-syntax')) state.diagnostics.push(d);
  }

  parsers.set(project, state.parser);
  if (state.manifestInputs) manifestInputs.set(project, state.manifestInputs);
  if (keptCalls) keepCalls(project, keptCalls);
  // dbt parses every package's files before any properties yml: a yml may describe another package's node.
  for (const ctx of contexts) loadPackageFiles(ctx);
  for (const ctx of contexts) loadPackageProperties(ctx);
  settleEnabled(state);
  settleDisabledRenders(state);
  settleTestsOfDisabled(state);
  checkDescriptions(state, rootConfig.name);
  if (missing.length > 0) {
    project.missingPackages = missing;
    quietenMissingPackages(state.diagnostics, missing);
  }
  return project;
}

function projectOf(state: LoadState, config: ProjectConfig): Project {
  return {
    root: state.root,
    config,
    packages: state.packages,
    nodes: state.nodes,
    disabled: state.disabled,
    macros: state.macros,
    docs: state.docs,
    files: state.files,
    diagnostics: state.diagnostics,
  };
}

/** One package's nodes defined by files ('' for the root project), in dbt's order. */
function loadPackageFiles(ctx: PackageContext): void {
  const c = ctx.config;
  for (const dir of c.modelPaths) loadSqlFiles(ctx, dir, 'model');
  for (const dir of c.snapshotPaths) loadSqlFiles(ctx, dir, 'snapshot');
  for (const dir of c.testPaths) loadSqlFiles(ctx, dir, 'test');
  for (const dir of c.analysisPaths) loadSqlFiles(ctx, dir, 'analysis');
  for (const dir of c.seedPaths) loadSeeds(ctx, dir);
}

/** One package's properties yml (patching any package's nodes), docs and hooks, once every package's files are read. */
function loadPackageProperties(ctx: PackageContext): void {
  loadPropertiesFiles(ctx);
  loadDocs(ctx);
  addHooks(ctx);
}

/** The target of the project's profile (profiles.yml found as dbt finds it), else the embedded DuckDB default. */
function profileTarget(state: LoadState, env: Record<string, string | undefined>, dirs: string[] | undefined, targetName: string | undefined): Target {
  const profileName = profileNameOf(state) ?? 'default';
  for (const dir of dirs ?? defaultProfilesDirs(state.root, env)) {
    const path = joinPath(dir, 'profiles.yml');
    const read = state.host.read(path);
    if (read.kind !== 'text') continue;
    return readProfile(read.text, path, profileName, targetName, (value) => renderEnvString(value, env)).target;
  }
  return defaultDuckDbTarget(profileName);
}

/**
 * dbt's cleanup once yml is read: a node whose final config disables it moves to `disabled`, a
 * disabled node that yml enabled comes back. (A data test of a disabled node stays, with no parent, as in dbt's manifest.)
 */
function settleEnabled(state: LoadState): void {
  const disable = (node: ProjectNode): void => {
    state.nodes.delete(node.uniqueId);
    const list = state.disabled.get(node.name);
    if (list) list.push(node);
    else state.disabled.set(node.name, [node]);
  };
  // Deleting the entry being visited is safe in a Map's iteration: no copy of every node.
  for (const node of state.nodes.values()) if (!node.config.enabled) disable(node);
  for (const [name, list] of state.disabled) {
    const enabled = list.filter((n) => n.config.enabled && !state.nodes.has(n.uniqueId));
    if (enabled.length === 0) continue;
    for (const node of enabled) state.nodes.set(node.uniqueId, node);
    const rest = list.filter((n) => !enabled.includes(n));
    if (rest.length > 0) state.disabled.set(name, rest);
    else state.disabled.delete(name);
  }
}

/**
 * An undefined name met while rendering a node that ends disabled is a warning, not an error:
 * dbt's parse-time Undefined is callable and chainable (its parse accepts it) and dbt never compiles
 * a disabled node, where it would fail. Anything else such a render raises fails dbt's parse too.
 */
function settleDisabledRenders(state: LoadState): void {
  if (state.disabled.size === 0) return;
  let files: Set<string> | undefined;
  for (const d of state.diagnostics) {
    if (d.code !== 'jinja-render' || d.severity !== 'error' || !UNDEFINED_NAME.test(d.message)) continue;
    if (!files) {
      files = new Set();
      for (const list of state.disabled.values()) for (const n of list) if (!state.nodes.has(n.uniqueId) && state.files.get(n.file)?.nodeIds.length === 1) files.add(n.file);
    }
    if (!files.has(d.file)) continue;
    d.severity = 'warning';
    d.message += ' (the node is disabled: dbt parses it and never compiles it)';
  }
}

const UNDEFINED_NAME = /is undefined|has no attribute|has no element/;

/**
 * With packages missing, every ref into them would be an error of its own: one message says
 * what is wrong (reported by packages.ts), and the errors that follow from it are dropped.
 */
export function quietenMissingPackages(diagnostics: Diagnostic[], missing: string[]): void {
  const consequence = (message: string): boolean => /is undefined|not found|which is not a model|is not declared|has no table/.test(message) || missing.some((m) => message.includes(`'${m}'`));
  const kept = diagnostics.filter((d) => !((d.code === 'jinja-render' || d.code === 'unknown-ref' || d.code === 'unknown-source') && consequence(d.message)));
  diagnostics.length = 0;
  diagnostics.push(...kept);
}
