/**
 * Properties yml (every .yml under the resource paths): patches of models, seeds, snapshots and
 * analyses (description, config, columns, tests), model versions and yml-defined snapshots; its
 * `sources:` and `unit_tests:` are read by sources.ts and unit-tests.ts.
 */
import { compareRoot } from '../collation';
import { applyConfig, emptyConfig, treeLayers } from '../config-tree';
import { relativePath } from '../host';
import { correctedAnalysisFqns, type ProjectFile, type ProjectNode, type ResourceType } from '../model';
import { scan } from '../scanner';
import { suggest, type Span } from '../text';
import { get, getString, items, parseYaml, toJS, type ParsedYaml, type YNode } from '../yaml-tree';
import { columnTestTags, readColumns } from './columns';
import { isDict, type PackageContext } from './context';
import { addGenericTests } from './generic-tests';
import { newNode, patchConfig, register } from './nodes';
import { renderedValue } from './render-yaml';
import { addSource } from './sources';
import { addUnitTest } from './unit-tests';
import { addExposure } from './exposures';
import { noteMacroDescriptions } from './docs';

/** Every yml file under this package's resource paths, each read once. */
export function loadPropertiesFiles(ctx: PackageContext): void {
  const c = ctx.config;
  const ymlDirs = new Set([...c.modelPaths, ...c.seedPaths, ...c.snapshotPaths, ...c.macroPaths, ...c.testPaths, ...c.analysisPaths]);
  const seen = new Set<string>();
  for (const dir of ymlDirs) {
    for (const abs of ctx.list(ctx.dirOf(dir))) {
      if (!/\.ya?ml$/i.test(abs) || seen.has(abs)) continue;
      seen.add(abs);
      loadPropertiesFile(ctx, relativePath(ctx.state.root, abs));
    }
  }
}

function loadPropertiesFile(ctx: PackageContext, rel: string): void {
  const state = ctx.state;
  const text = state.readText(rel);
  const file: ProjectFile = { path: rel, kind: 'yaml', blocks: [], nodeIds: [] };
  if (text !== undefined) file.text = text;
  state.files.set(rel, file);
  if (text === undefined) return;
  const parsed = parsePropertiesYaml(text);
  for (const p of parsed.problems) state.report({ code: 'yaml-syntax', severity: p.severity, file: rel, span: p.span, message: p.message });
  const root = parsed.root;
  if (!root) return;
  state.manifestInputs?.propertiesTrees.set(rel, root);
  // What a syntax error leaves behind is a guess; use it, but do not report schema problems in it.
  const reportsBefore = state.diagnostics.length;
  readProperties(ctx, rel, file, root, text);
  if (parsed.problems.some((p) => p.severity === 'error')) {
    const kept = state.diagnostics.slice(reportsBefore).filter((d) => d.code !== 'yaml-schema' && d.code !== 'missing-file');
    state.diagnostics.length = reportsBefore;
    state.diagnostics.push(...kept);
  }
}

/**
 * A properties yml read as dbt reads it: dbt strips the file's text first (`load_file_contents`
 * with `strip=True`), so a block scalar (`|`, `>`) that ends the file ends without its trailing
 * whitespace (PyYAML's clip at the end of the text keeps no line break), where a parser of the
 * whole text keeps its final line break. Spans stay offsets into the text as written.
 */
export function parsePropertiesYaml(text: string): ParsedYaml {
  const parsed = parseYaml(text);
  let last = parsed.root;
  while (last && last.kind !== 'scalar') last = last.kind === 'map' ? [...last.entries.values()].pop()?.value : last.items[last.items.length - 1];
  if (last && typeof last.value === 'string' && (text[last.span.start] === '|' || text[last.span.start] === '>') && /^\s*$/.test(text.slice(last.span.end))) {
    last.value = last.value.replace(/\s+$/, '');
  }
  return parsed;
}

/** An anchor definition (`&name`): a top-level key holding only anchors for later aliases is silent. */
const ANCHOR = /(?:^|[\s[{,])&[A-Za-z0-9_.-]/;

function readProperties(ctx: PackageContext, rel: string, file: ProjectFile, root: YNode, text: string): void {
  if (root.kind !== 'map') {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: root.span, message: `${rel}: a properties file must be a mapping (version: 2, models:, sources: ...)` });
    return;
  }
  // Every top-level key dbt 1.12 accepts in a properties file: warning about a valid one would be a false error.
  const known = new Set(['version', 'models', 'sources', 'seeds', 'snapshots', 'macros', 'unit_tests', 'exposures', 'metrics', 'semantic_models', 'saved_queries', 'groups', 'analyses', 'data_tests', 'functions', 'anchors']);
  for (const [key, { keySpan, value }] of root.entries) {
    if (!known.has(key) && !ANCHOR.test(text.slice(keySpan.end, value.span.end))) {
      ctx.state.report({ code: 'yaml-schema', severity: 'warning', file: rel, span: keySpan, message: `Unknown top-level key '${key}' in ${rel}` });
    }
  }
  for (const entry of items(get(root, 'models'))) patchNode(ctx, rel, entry, 'model');
  for (const entry of items(get(root, 'seeds'))) patchNode(ctx, rel, entry, 'seed');
  for (const entry of items(get(root, 'snapshots'))) patchNode(ctx, rel, entry, 'snapshot');
  for (const entry of items(get(root, 'analyses'))) patchNode(ctx, rel, entry, 'analysis');
  for (const entry of items(get(root, 'sources'))) addSource(ctx, rel, file, entry);
  for (const entry of items(get(root, 'unit_tests'))) addUnitTest(ctx, rel, file, entry);
  for (const entry of items(get(root, 'exposures'))) addExposure(ctx, rel, file, entry);
  for (const entry of items(get(root, 'data_tests'))) patchSingularTest(ctx, rel, entry);
  noteMacroDescriptions(ctx, rel, get(root, 'macros'));
}

/** One entry under `models:`/`seeds:`/`snapshots:`/`analyses:`, applied to the node of that name. */
function patchNode(ctx: PackageContext, rel: string, entry: YNode, type: ResourceType): void {
  const name = getString(entry, 'name');
  const nameNode = get(entry, 'name');
  if (!name || entry.kind !== 'map') {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `Every entry under '${type}s:' needs a 'name'` });
    return;
  }
  const nameSpan = nameNode!.span;
  const versions = items(get(entry, 'versions'));
  if (type === 'model' && versions.length > 0) {
    patchVersions(ctx, rel, entry, name, nameSpan, versions);
    return;
  }
  // dbt's lookup (parse_patch): this package's node, then one of any package, then this package's disabled one.
  let node = ctx.named(type, name);
  if (!node) {
    const other = nodeOfAnyPackage(ctx, rel, type, name, nameSpan);
    if (other === null) return;
    node = other;
  }
  if (!node) {
    const disabled = ctx.state.disabled.get(name)?.find((n) => n.resourceType === type && n.packageName === ctx.config.name);
    if (disabled) node = disabled;
  }
  if (!node && type === 'snapshot' && get(entry, 'relation')) node = addYamlSnapshot(ctx, rel, entry, name, nameSpan);
  if (!node) {
    const suggestion = suggest(name, ctx.namesOf(type), 1)[0];
    ctx.state.report({
      code: 'missing-file',
      severity: 'warning',
      file: rel,
      span: nameSpan,
      message: `${rel} describes ${type} '${name}', but no ${type} file defines it${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
      ...(suggestion ? { suggestions: [suggestion] } : {}),
    });
    return;
  }
  if (node.yml) {
    ctx.state.report({ code: 'duplicate-name', file: rel, span: nameSpan, message: `${type} '${name}' is described twice: in ${node.yml.file} and ${rel}` });
    return;
  }
  applyProperties(ctx, rel, entry, node, nameSpan);
}

/**
 * One entry under the top-level `data_tests:` (dbt's SingularTestPatchParser): the enabled
 * singular test of that name in this package gets its description and config (a top-level
 * `meta:` is config.meta, as for models); `enabled: false` there disables it. No such test: a warning.
 */
function patchSingularTest(ctx: PackageContext, rel: string, entry: YNode): void {
  const name = getString(entry, 'name');
  if (!name || entry.kind !== 'map') {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `Every entry under 'data_tests:' needs a 'name'` });
    return;
  }
  const nameSpan = get(entry, 'name')!.span;
  const node = ctx.state.nodes.get(`test.${ctx.config.name}.${name}`);
  if (!node || node.resourceType !== 'test') {
    ctx.state.report({ code: 'missing-file', severity: 'warning', file: rel, span: nameSpan, message: `${rel} describes singular test '${name}', but no enabled test file of this package defines it` });
    return;
  }
  node.yml = { file: rel, span: nameSpan };
  const description = getString(entry, 'description');
  if (description !== undefined) node.description = description;
  const config = ymlConfig(ctx, rel, get(entry, 'config'));
  const meta = ymlConfig(ctx, rel, get(entry, 'meta'));
  if (config) patchConfig(ctx, node, config);
  if (meta) patchConfig(ctx, node, { meta });
}

/**
 * The node of another package a yml entry names (dbt's `ref_lookup` without a package: models,
 * seeds and snapshots share it; analyses have a lookup of their own): undefined when none, null
 * when dbt stops at this entry (reported: the name is in several packages, or is another type).
 */
function nodeOfAnyPackage(ctx: PackageContext, rel: string, type: ResourceType, name: string, nameSpan: Span): ProjectNode | undefined | null {
  const kind = type === 'analysis' ? 'analysis' : 'ref';
  const found: ProjectNode[] = [];
  for (const own of ctx.state.byName.values()) {
    const node = own.get(kind)?.get(name);
    if (node) found.push(node);
  }
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    const ids = found.map((n) => n.uniqueId);
    ctx.state.report({ code: 'duplicate-name', file: rel, span: nameSpan, message: `${rel} describes '${name}', which is in several packages (${ids.join(', ')}); dbt cannot tell which one it means` });
    return null;
  }
  const node = found[0]!;
  if (node.resourceType !== type) {
    ctx.state.report({ code: 'yaml-schema', severity: 'warning', file: rel, span: nameSpan, message: `${rel} describes '${name}' under '${type}s:', but it is a ${node.resourceType} (describe it under '${node.resourceType}s:')` });
    return null;
  }
  return node;
}

/** dbt 1.9 snapshots defined in yml: `relation: ref('x')` plus config; the query is `select * from <relation>`. */
function addYamlSnapshot(ctx: PackageContext, rel: string, entry: YNode, name: string, nameSpan: Span): ProjectNode | undefined {
  const relation = getString(entry, 'relation') ?? '';
  const scanned = scan(`{{ ${relation} }}`);
  const config = emptyConfig('snapshot');
  for (const layer of ctx.layersFor('snapshots', [...ctx.foldersOf(rel), name])) applyConfig(config, layer);
  const relationSpan = get(entry, 'relation')!.span;
  const node: ProjectNode = newNode({
    uniqueId: `snapshot.${ctx.config.name}.${name}`,
    resourceType: 'snapshot',
    name,
    packageName: ctx.config.name,
    file: rel,
    nameSpan,
    // dbt: the yml's folders and the snapshot's name (a .sql snapshot's fqn holds its file's name, a yml's does not).
    fqn: [ctx.config.name, ...ctx.foldersOf(rel), name],
    config,
    refs: scanned.refs.map((r) => ({ ...r, span: relationSpan, callSpan: relationSpan })),
    sources: scanned.sources.map((x) => ({ ...x, sourceSpan: relationSpan, tableSpan: relationSpan, callSpan: relationSpan })),
    snapshotRelation: relation,
  });
  register(ctx, node, ctx.state.files.get(rel));
  return node.config.enabled ? node : undefined;
}

/**
 * A versioned model: each version lives in `<name>_v<v>.sql` (or `defined_in`), the latest may
 * live in `<name>.sql`. Nodes become `model.<pkg>.<name>.v<v>`; ref('name') means the latest.
 */
function patchVersions(ctx: PackageContext, rel: string, entry: YNode, name: string, nameSpan: Span, versions: YNode[]): void {
  const state = ctx.state;
  const listed = versions.map((item) => ({ item, v: getString(item, 'v') })).filter((x): x is { item: YNode; v: string } => x.v !== undefined);
  const numeric = listed.every((x) => !Number.isNaN(Number(x.v)));
  const latest = getString(entry, 'latest_version') ?? listed.map((x) => x.v).sort((a, b) => (numeric ? Number(a) - Number(b) : compareRoot(a, b))).pop();
  for (const { item, v } of listed) {
    const fileName = getString(item, 'defined_in') ?? `${name}_v${v}`;
    let node = ctx.named('model', fileName);
    if (!node && v === latest) node = ctx.named('model', name);
    if (!node) {
      state.report({ code: 'missing-file', severity: 'warning', file: rel, span: get(item, 'v')?.span ?? nameSpan, message: `Version ${v} of model '${name}' has no file (expected ${fileName}.sql)` });
      continue;
    }
    state.nodes.delete(node.uniqueId);
    ctx.deleteNamed('model', node.name);
    if (ctx.named('ref', node.name) === node) ctx.deleteNamed('ref', node.name);
    const file = state.files.get(node.file);
    const oldId = node.uniqueId;
    node.name = name;
    node.version = v;
    if (latest !== undefined) node.latestVersion = latest;
    node.uniqueId = `model.${node.packageName}.${name}.v${v}`;
    node.fqn = [...node.fqn.slice(0, -1), name, `v${v}`];
    if (file) file.nodeIds = file.nodeIds.map((id) => (id === oldId ? node!.uniqueId : id));
    state.nodes.set(node.uniqueId, node);
    ctx.setNamed('model', `${name}.v${v}`, node);
    applyProperties(ctx, rel, entry, node, nameSpan, `${name}_v${v}`);
    const versionConfig = ymlConfig(ctx, rel, get(item, 'config'));
    if (versionConfig) patchConfig(ctx, node, versionConfig);
  }
}

/** A yml entry's description, config, columns and generic tests, applied to its node. */
function applyProperties(ctx: PackageContext, rel: string, entry: YNode, node: ProjectNode, nameSpan: Span, testTargetName?: string): void {
  node.yml = { file: rel, span: nameSpan };
  const description = getString(entry, 'description');
  if (description !== undefined) node.description = description;
  const config = ymlConfig(ctx, rel, get(entry, 'config'));
  // A top-level `meta:` is config.meta to dbt (which refuses it beside `config: {meta:}`); top-level `tags:` are not merged.
  const meta = ymlConfig(ctx, rel, get(entry, 'meta'));
  const tagsBefore = node.packageName !== ctx.config.name && (config || meta) ? rebaseOnPatchingPackage(ctx, node) : undefined;
  if (config) patchConfig(ctx, node, config);
  if (meta) patchConfig(ctx, node, { meta });
  if (tagsBefore) {
    // dbt only adds the recomputed config's tags to the node's (update_parsed_node_config).
    const tags = [...new Set([...tagsBefore, ...node.config.tags])];
    if (tags.length === node.config.tags.length && tags.every((t, i) => t === node.config.tags[i])) delete node.tags;
    else node.tags = tags;
  }
  // Pre-1.x style: configs like `materialized` directly on the entry are not supported by dbt 1.x either.
  node.columns = readColumns(ctx, rel, entry);
  const constraints = toJS(get(entry, 'constraints'));
  if (Array.isArray(constraints)) node.constraints = constraints.filter(isDict);
  addGenericTests(ctx, rel, entry, node, undefined, testTargetName);
  for (const column of items(get(entry, 'columns'))) {
    const columnName = getString(column, 'name');
    if (columnName) addGenericTests(ctx, rel, column, node, columnName, testTargetName, columnTestTags(column));
  }
}

/**
 * A node of another package patched with config: dbt recomputes its config with the patching
 * yml's project as its own (`patch_node_config`): that project's dbt_project.yml levels for the
 * node's fqn, the patch, the node's config() call, then the root project's levels unless the yml
 * is the root's. The node's own project's levels are gone. Returns the node's tags before.
 */
function rebaseOnPatchingPackage(ctx: PackageContext, node: ProjectNode): string[] {
  const tagsBefore = node.tags ?? node.config.tags;
  const treeKey = node.resourceType === 'seed' ? 'seeds' : node.resourceType === 'snapshot' ? 'snapshots' : node.resourceType === 'analysis' && correctedAnalysisFqns(ctx.rootConfig ?? ctx.config) ? 'analyses' : 'models';
  const [fqnPackage = node.packageName, ...path] = node.fqn;
  const python = ctx.state.files.get(node.file)?.kind === 'python-model';
  const tree = emptyConfig(node.resourceType === 'seed' ? 'seed' : node.resourceType === 'snapshot' ? 'snapshot' : python ? 'table' : 'view');
  for (const layer of treeLayers(ctx.config.trees[treeKey], fqnPackage, path)) applyConfig(tree, layer);
  const root = ctx.rootConfig;
  const rootLayers = root ? treeLayers(root.trees[treeKey], fqnPackage, path).filter((l) => Object.keys(l).length > 0) : [];
  const call = node.configLayers?.call;
  node.configLayers = { tree, ...(call ? { call } : {}), ...(rootLayers.length > 0 ? { rootLayers } : {}) };
  return tagsBefore;
}

/**
 * A yml `config:` mapping with its Jinja rendered as dbt's schema renderer does (the package's
 * vars, the target, env_var; hooks are left for parse time to render with the node).
 */
export function ymlConfig(ctx: PackageContext, rel: string, node: YNode | undefined): Record<string, unknown> | undefined {
  const parser = ctx.state.parser;
  const value = parser
    ? renderedValue(
        node,
        (text) => parser.ctx.renderNativeValue(ctx.config.name, text),
        (span, message) => ctx.state.report({ code: 'jinja-render', file: rel, span, message }),
        (path) => /^(pre|post)[-_]hook$/.test(path[0] ?? ''),
      )
    : toJS(node);
  return isDict(value) ? value : undefined;
}

/** A yml string value with its Jinja rendered (a source's `schema: "{{ target.schema }}_raw"`). */
export function ymlString(ctx: PackageContext, rel: string, node: YNode | undefined): string | undefined {
  if (!node || node.kind !== 'scalar' || node.value === null || node.value === undefined) return undefined;
  const parser = ctx.state.parser;
  if (!parser || typeof node.value !== 'string') return String(node.value);
  const value = renderedValue(node, (text) => parser.ctx.renderValue(ctx.config.name, text, (out) => out), (span, message) => ctx.state.report({ code: 'jinja-render', file: rel, span, message }));
  return value === null || value === undefined ? undefined : String(value);
}
