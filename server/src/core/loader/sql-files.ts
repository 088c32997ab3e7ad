/**
 * SQL files under a package's resource paths: models (and python models), analyses, singular
 * tests, snapshot blocks, and the macros, generic tests and materializations defined in macro and
 * test paths.
 */
import { joinPath, normalizePath, relativePath } from '../host';
import type { MacroDefinition, ProjectFile } from '../model';
import type { ScanResult } from '../scanner';
import type { PackageContext } from './context';
import { addNode } from './nodes';

export type SqlFileKind = 'model' | 'snapshot' | 'macro' | 'test' | 'analysis';

/** Every SQL file under one resource path `dir` of the given kind (and `.py` models under model paths). */
export function loadSqlFiles(ctx: PackageContext, dir: string, kind: SqlFileKind): void {
  const state = ctx.state;
  const root = state.root;
  const absDir = ctx.dirOf(dir);
  const rootPrefix = root === '/' ? '/' : `${root}/`;
  const dirPrefix = absDir === '/' ? '/' : `${absDir}/`;
  for (const listed of ctx.list(absDir)) {
    // Once normalized, a path under the folder is sliced: what relativePath does, without redoing it.
    const abs = normalizePath(listed);
    const rel = abs.startsWith(rootPrefix) ? abs.slice(rootPrefix.length) : relativePath(root, abs);
    if (state.files.has(rel)) continue;
    const isSql = abs.endsWith('.sql');
    if (kind === 'model' && abs.endsWith('.py')) {
      addPythonModel(ctx, rel, dir);
      continue;
    }
    if (!isSql) continue;
    const text = state.readText(rel, abs.startsWith(rootPrefix) ? abs : undefined);
    const file: ProjectFile = { path: rel, kind, blocks: [], nodeIds: [] };
    if (text !== undefined) file.text = text;
    state.files.set(rel, file);
    const result = text === undefined ? undefined : state.cache.scan(rel, text);
    if (result) {
      file.blocks = result.blocks;
      for (const p of result.problems) state.report({ code: 'jinja-syntax', file: rel, span: p.span, message: p.message });
    }
    // Macros and generic tests may live in any SQL file under macro and test paths.
    if (result && (kind === 'macro' || kind === 'test')) addMacros(ctx, rel, result);
    const pathParts = (abs.startsWith(dirPrefix) ? abs.slice(dirPrefix.length) : relativePath(absDir, abs)).split('/');
    const fileName = pathParts.pop()!;
    const stem = fileName.slice(0, -'.sql'.length);
    switch (kind) {
      case 'model':
        addNode(ctx, file, 'model', stem, pathParts, result);
        break;
      case 'analysis':
        addNode(ctx, file, 'analysis', stem, pathParts, result);
        break;
      case 'snapshot':
        // dbt's snapshot fqn (and config path) holds the file's name: [package, ...folders, file, block].
        if (result) addSnapshots(ctx, file, [...pathParts, stem], result);
        break;
      case 'test':
        // Files holding only `{% test %}` definitions (tests/generic/) are not singular tests.
        if (result && !(pathParts[0] === 'generic' || (result.blocks.length > 0 && result.blocks.every((b) => b.kind === 'test' || b.kind === 'macro')))) {
          addNode(ctx, file, 'test', stem, pathParts, result);
        }
        break;
      case 'macro':
        break;
    }
  }
}

function addPythonModel(ctx: PackageContext, rel: string, dir: string): void {
  const parts = relativePath(ctx.dirOf(dir), joinPath(ctx.state.root, rel)).split('/');
  const stem = parts.pop()!.replace(/\.py$/, '');
  const file: ProjectFile = { path: rel, kind: 'python-model', blocks: [], nodeIds: [] };
  ctx.state.files.set(rel, file);
  addNode(ctx, file, 'model', stem, parts, undefined);
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
    const node = addNode(ctx, file, 'snapshot', block.name, folders, scoped);
    if (node) {
      node.nameSpan = block.nameSpan;
      node.blockSpan = block.span;
    }
  }
}
