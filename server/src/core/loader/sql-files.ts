/**
 * SQL files under a package's resource paths: models (and python models), analyses, singular
 * tests, snapshot blocks, and the macros, generic tests and materializations defined in macro and
 * test paths.
 */
import type { Diagnostic } from '../diagnostics';
import { normalizePath, relativePath } from '../host';
import { correctedAnalysisFqns, type MacroDefinition, type ProjectFile } from '../model';
import { scan, type ScanResult } from '../scanner';
import type { PackageContext } from './context';
import { pythonCallsAsJinja } from './node-calls';
import { addNode, NONE } from './nodes';

export type SqlFileKind = 'model' | 'snapshot' | 'macro' | 'test' | 'analysis';

/**
 * The macros, generic tests and materializations in the SQL files under a macro or test path:
 * read before any node, as every node's parse-time render may call any package's macro.
 */
export function loadMacroFiles(ctx: PackageContext, dir: string, kind: 'macro' | 'test'): void {
  forEachSqlFile(ctx, dir, kind, (sql) => {
    if (sql.result) addMacros(ctx, sql.file.path, sql.result);
  });
}

/** Every SQL file under one resource path `dir` of the given kind (and `.py` models under model paths). */
export function loadSqlFiles(ctx: PackageContext, dir: string, kind: SqlFileKind): void {
  forEachSqlFile(ctx, dir, kind, (sql) => {
    const { file, result, folders, fileName } = sql;
    if (sql.python) {
      addPythonModel(ctx, file, folders, fileName, sql.python);
      return;
    }
    const stem = fileName.slice(0, -'.sql'.length);
    switch (kind) {
      case 'model':
        addNode(ctx, file, 'model', stem, folders, result);
        break;
      case 'analysis':
        // dbt's analysis fqn (and models: config path) starts with 'analysis' (its compiled path), unless the root project sets require_corrected_analysis_fqns.
        addNode(ctx, file, 'analysis', stem, correctedAnalysisFqns(ctx.rootConfig ?? ctx.config) ? folders : ['analysis', ...folders], result);
        break;
      case 'snapshot':
        // dbt's snapshot fqn (and config path) holds the file's name: [package, ...folders, file, block].
        if (result) addSnapshots(ctx, file, [...folders, stem], result);
        break;
      case 'test':
        // Files holding only `{% test %}` definitions (tests/generic/) are not singular tests.
        if (result && !(folders[0] === 'generic' || (result.blocks.length > 0 && result.blocks.every((b) => b.kind === 'test' || b.kind === 'macro')))) {
          addNode(ctx, file, 'test', stem, folders, result);
        }
        break;
      case 'macro':
        if (result) addMacros(ctx, file.path, result);
        break;
    }
  });
}

interface SqlFile {
  file: ProjectFile;
  result: ScanResult | undefined;
  /** Folders below the resource path: one list shared by the files of a folder, never changed. */
  folders: string[];
  fileName: string;
  /** For a `.py` model: its text ('' when unreadable). */
  python?: string;
}

/** A listed file, read; scanned when it is used. */
interface ListedFile {
  file: ProjectFile;
  folders: string[];
  fileName: string;
  /** Read before this load's pass (a test path's file, read for its macros): not reported again. */
  existing: boolean;
  python?: string;
  /** What reading and scanning it reported. */
  reported?: Diagnostic[];
}

/**
 * The SQL (and, under model paths, Python) files under `dir`, each read and scanned once per
 * load (a test path is read for its macros first and for its singular tests later). Every file
 * is read first, then each is scanned and given to `each` in turn: its scan is garbage before the
 * next file is scanned (a list of every file's scan kept them all alive through the collector's
 * copies). The texts are kept by the files anyway.
 *
 * What reading and scanning report comes first, file by file, then what `each` reports: the
 * order of a load that read and scanned all the folder's files before using any.
 */
function forEachSqlFile(ctx: PackageContext, dir: string, kind: SqlFileKind, each: (sql: SqlFile) => void): void {
  const state = ctx.state;
  const root = state.root;
  const absDir = ctx.dirOf(dir);
  const rootPrefix = root === '/' ? '/' : `${root}/`;
  const dirPrefix = absDir === '/' ? '/' : `${absDir}/`;
  const diagnostics = state.diagnostics;
  const start = diagnostics.length;
  const listed: ListedFile[] = [];
  // The listing is sorted, so a folder's files come together: its folder list is split once.
  let lastDir = '';
  let lastFolders: string[] = [];
  for (const path of ctx.list(absDir)) {
    // Once normalized, a path under the folder is sliced: what relativePath does, without redoing it.
    const abs = normalizePath(path);
    const rel = abs.startsWith(rootPrefix) ? abs.slice(rootPrefix.length) : relativePath(root, abs);
    const isSql = abs.endsWith('.sql');
    const isPython = kind === 'model' && abs.endsWith('.py');
    if (!isSql && !isPython) continue;
    const below = abs.startsWith(dirPrefix) ? abs.slice(dirPrefix.length) : relativePath(absDir, abs);
    const slash = below.lastIndexOf('/');
    const fileName = slash < 0 ? below : below.slice(slash + 1);
    if (slash !== lastDir.length || (slash > 0 && !below.startsWith(lastDir))) {
      lastDir = slash < 0 ? '' : below.slice(0, slash);
      lastFolders = slash < 0 ? [] : lastDir.split('/');
    }
    const folders = lastFolders;
    const existing = state.files.get(rel);
    if (existing) {
      // Read earlier for its macros (a test path): its singular test is added now, once.
      if (existing.kind !== kind || existing.nodeIds.length > 0 || existing.text === undefined) continue;
      listed.push({ file: existing, folders, fileName, existing: true });
      continue;
    }
    const before = diagnostics.length;
    const text = state.readText(rel, abs);
    const reported = diagnostics.length > before ? diagnostics.splice(before) : undefined;
    if (isPython) {
      const file: ProjectFile = { path: rel, kind: 'python-model', blocks: [], nodeIds: [] };
      if (text !== undefined) file.text = text;
      state.files.set(rel, file);
      listed.push(reported ? { file, folders, fileName, existing: false, python: text ?? '', reported } : { file, folders, fileName, existing: false, python: text ?? '' });
      continue;
    }
    // The text given in the literal, not added later (a key added costs each file a second store).
    const file: ProjectFile = text === undefined ? { path: rel, kind, blocks: NONE, nodeIds: NONE } : { path: rel, kind, blocks: NONE, nodeIds: NONE, text };
    state.files.set(rel, file);
    listed.push(reported ? { file, folders, fileName, existing: false, reported } : { file, folders, fileName, existing: false });
  }
  let reportedAny = false;
  for (const entry of listed) {
    const { file, folders, fileName } = entry;
    if (entry.python !== undefined) {
      if (entry.reported) reportedAny = true;
      each({ file, result: undefined, folders, fileName, python: entry.python });
      continue;
    }
    const text = file.text;
    const result = text === undefined ? undefined : state.cache.scan(file.path, text);
    if (result && !entry.existing) {
      file.blocks = result.blocks;
      if (result.problems.length > 0) {
        const before = diagnostics.length;
        for (const p of result.problems) state.report({ code: 'jinja-syntax', file: file.path, span: p.span, message: p.message });
        (entry.reported ??= []).push(...diagnostics.splice(before));
      }
    }
    if (entry.reported) reportedAny = true;
    each({ file, result, folders, fileName });
  }
  if (reportedAny) {
    const early: Diagnostic[] = [];
    for (const entry of listed) if (entry.reported) for (const d of entry.reported) early.push(d);
    diagnostics.splice(start, 0, ...early);
  }
}

/**
 * A Python model: dbt reads `dbt.ref(...)`, `dbt.source(...)` and `dbt.config(...)` calls with
 * literal arguments from its syntax tree; the same calls are read here from the text.
 */
function addPythonModel(ctx: PackageContext, file: ProjectFile, folders: string[], fileName: string, text: string): void {
  const stem = fileName.replace(/\.py$/, '');
  const calls = scan(pythonCallsAsJinja(text));
  // Spans of the Jinja stand-in map back: each call keeps its offset in the Python text.
  addNode(ctx, file, 'model', stem, folders, { ...calls, static: true, macroCalls: [], blocks: [], problems: [] });
}

/**
 * `{% macro %}`, `{% test %}` (as `test_<name>`) and `{% materialization %}` blocks of one file.
 * Materializations are named per adapter as dbt names them (`materialization_<name>_<adapter>`),
 * so a `default` one and a `snowflake` one in one package are two macros.
 */
function addMacros(ctx: PackageContext, rel: string, result: ScanResult): void {
  const macros = ctx.state.macros;
  for (const block of result.blocks) {
    let name: string;
    if (block.kind === 'macro') name = block.name;
    else if (block.kind === 'test') name = `test_${block.name}`;
    else if (block.kind === 'materialization') name = `materialization_${block.name}_${block.adapter ?? 'default'}`;
    else continue;
    const def: MacroDefinition = { name, packageName: ctx.config.name, file: rel, block };
    const list = macros.get(name);
    const samePackage = list?.find((m) => m.packageName === def.packageName);
    if (list && !samePackage) {
      list.push(def);
    } else if (list && samePackage) {
      list.push(def);
      ctx.state.report({
        code: 'duplicate-name',
        file: rel,
        span: block.nameSpan,
        message: `Macro '${name}' is defined twice in project '${ctx.config.name}' (also in ${samePackage.file})`,
        related: [{ file: samePackage.file, span: samePackage.block.nameSpan, message: 'first definition' }],
      });
    } else {
      macros.set(name, [def]);
    }
  }
}

/** One snapshot node per `{% snapshot %}` block, with the refs, sources and configs inside that block. */
function addSnapshots(ctx: PackageContext, file: ProjectFile, folders: string[], result: ScanResult): void {
  const blocks = result.blocks.filter((b) => b.kind === 'snapshot');
  if (blocks.length === 0 && result.problems.length === 0) {
    // dbt 1.9 also allows yml-defined snapshots; a .sql without a block is a mistake in a snapshot path.
    ctx.state.report({ code: 'project-config', file: file.path, severity: 'warning', message: `${file.path} has no '{% snapshot name %}' block` });
  }
  for (const block of blocks) {
    const within = (s: { start: number }): boolean => s.start >= block.span.start && s.start <= block.span.end;
    const scoped: ScanResult = {
      ...result,
      refs: result.refs.filter((r) => within(r.callSpan)),
      sources: result.sources.filter((r) => within(r.callSpan)),
      dynamic: result.dynamic.filter((r) => within(r.callSpan)),
      configs: result.configs.filter((r) => within(r.callSpan)),
      macroCalls: result.macroCalls.filter((r) => within(r.span)),
    };
    addNode(ctx, file, 'snapshot', block.name, folders, scoped, block);
  }
}
