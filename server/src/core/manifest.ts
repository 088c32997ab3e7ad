/**
 * manifest.json as `dbt parse` writes it (schema v12): nodes, sources, macros, docs, disabled,
 * parent and child maps, with dbt's unique ids, paths, checksums, configs (dbt's defaults filled
 * in) and relation names; compiled fields only for nodes that were compiled.
 *
 * Produced as a sequence of JSON text pieces, one per node at most, so that a writer can stream
 * a project of any size to disk without ever holding the whole document (server/src/runner/
 * artifacts.ts writes it). Pure: files are read through the FileHost, the clock is an input.
 *
 * The fields dbt's state comparison reads (`unrendered_config`, `raw_code`, checksums, constraints,
 * source freshness, macro SQL) come from core/state-view.ts, the same computation `state:modified`
 * makes of the current project: a manifest written here compares under `--state` as dbt's does.
 *
 * What is not dbt's yet: dbt's own macros (packages `dbt`, `dbt_<adapter>`) are not listed and so
 * not referenced from `depends_on.macros`; metrics, groups, semantic models and saved queries are
 * empty.
 */
import { createHash } from 'node:crypto';
import type { Analysis } from './analysis';
import { joinPath, type FileHost } from './host';
import { parse as parseJinja, type ast } from './jinja';
import { correctedAnalysisFqns, type MacroDefinition, type ProjectConfig, type ProjectNode } from './model';
import { scan } from './scanner';
import { toJS } from './yaml-tree';
import { testModelArgument } from './test-names';
import { fullBlockEnd, MAX_SEED_BYTES, pyStrip, rawCode, universalNewlines } from './dbt-text';
import { columnConstraints, hostReader, macroSql, manifestStateFields, packageOfFile, sha256, YmlIndex, type FileReader } from './state-view';
import { exposureManifestEntry } from './loader/exposures';
import { describable, docResolver, docsGlobals, renderDescription, type FindDoc } from './loader/docs';
import { manifestInputsOf, parseTimeOf, sqlCallsOf } from './loader';
import type { TemplateCache } from './compiler/context';

export const MANIFEST_SCHEMA = 'https://schemas.getdbt.com/dbt/manifest/v12.json';

export interface ManifestRelation {
  database: string | null;
  schema: string | null;
  identifier: string;
  /** The quoted name dbt calls `relation_name`; null where dbt has none (ephemeral models, tests). */
  rendered: string | null;
}

export interface ManifestInput {
  analysis: Analysis;
  /** Reads seeds (checksums) and docs files. */
  host: FileHost;
  /** Where a node lives in the warehouse, as the compiler names it (undefined: unknown). */
  relationOf(node: ProjectNode): ManifestRelation | undefined;
  adapterType: string;
  /** The adapter's default quoting (`metadata.quoting`). */
  quoting: { database: boolean; schema: boolean; identifier: boolean; column: boolean | null };
  dbtVersion: string;
  invocationId: string;
  generatedAt: Date;
  runStartedAt?: Date;
  /** Compiled SQL of the nodes compiled in this invocation (run, build, compile). */
  compiled?: ReadonlyMap<string, string>;
}

/** How many characters of entries `dict` gathers before it yields them. */
const DICT_PIECE = 1 << 16;

/** The manifest's JSON text, piece by piece (concatenated they are one JSON document). */
export function* manifestChunks(input: ManifestInput): Generator<string> {
  const m = new ManifestBuilder(input);
  yield `{"metadata":${JSON.stringify(m.metadata())}`;
  yield* m.dict('nodes', m.nodeEntries());
  yield* m.dict('sources', m.sourceEntries());
  yield* m.dict('macros', m.macroEntries());
  yield* m.dict('docs', m.docEntries());
  yield* m.dict('exposures', m.exposureEntries());
  for (const key of ['metrics', 'groups', 'selectors']) yield `,${JSON.stringify(key)}:{}`;
  yield* m.dict('disabled', m.disabledEntries());
  yield* m.dict('parent_map', m.parentEntries());
  yield* m.dict('child_map', m.childEntries());
  for (const key of ['group_map', 'saved_queries', 'semantic_models']) yield `,${JSON.stringify(key)}:{}`;
  yield* m.dict('unit_tests', m.unitTestEntries());
  yield ',"functions":{}}';
}

/** sha256 of a file as dbt checksums it: whitespace runs collapsed to one space (Python's str.split()). */
export function dbtChecksum(text: string): { name: 'sha256'; checksum: string } {
  // ' '.join(text.split()) in one pass: every run becomes one space, then the ends lose theirs.
  let collapsed = text.replace(PY_WHITESPACE, ' ');
  if (collapsed.startsWith(' ')) collapsed = collapsed.slice(1);
  if (collapsed.endsWith(' ')) collapsed = collapsed.slice(0, -1);
  return { name: 'sha256', checksum: sha256(collapsed) };
}

/**
 * The runs of Python's str.isspace() characters that collapsing changes: two or more, or one that is
 * not a space. A lone space (most of them) already is what it becomes: skipping it made the collapse ~40% faster.
 */
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]{2,}|[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;

type Json = Record<string, unknown>;

const DOCS_DEFAULT = { show: true, node_color: null };

/** dbt's config defaults per resource type (the dataclasses' defaults, as `dbt parse` writes them). */
const NODE_CONFIG: Json = {
  enabled: true, alias: null, schema: null, database: null, tags: [], meta: {}, group: null, static_analysis: null, materialized: 'view',
  incremental_strategy: null, batch_size: null, lookback: 1, begin: null, persist_docs: {}, 'post-hook': [], 'pre-hook': [], quoting: {},
  column_types: {}, full_refresh: null, unique_key: null, on_schema_change: 'ignore', on_configuration_change: 'apply', grants: {},
  packages: [], docs: DOCS_DEFAULT, contract: { enforced: false, alias_types: true }, event_time: null, concurrent_batches: null,
};
const CONFIG_DEFAULTS: Record<string, Json> = {
  model: { ...NODE_CONFIG, access: 'protected', freshness: null, on_error: null, latest_version_pointer: { enabled: null, alias: null } },
  seed: { ...NODE_CONFIG, materialized: 'seed', delimiter: ',', quote_columns: null },
  snapshot: {
    ...NODE_CONFIG, materialized: 'snapshot', strategy: null, target_schema: null, target_database: null, updated_at: null, check_cols: null,
    snapshot_meta_column_names: { dbt_valid_to: null, dbt_valid_from: null, dbt_scd_id: null, dbt_updated_at: null, dbt_is_deleted: null }, dbt_valid_to_current: null,
  },
  analysis: NODE_CONFIG,
  operation: NODE_CONFIG,
  test: {
    enabled: true, alias: null, schema: 'dbt_test__audit', database: null, tags: [], meta: {}, group: null, static_analysis: null, materialized: 'test',
    severity: 'ERROR', store_failures: null, store_failures_as: null, sql_header: null, where: null, limit: null, fail_calc: 'count(*)', warn_if: '!= 0', error_if: '!= 0',
  },
  source: { enabled: true, event_time: null, freshness: { warn_after: { count: null, period: null }, error_after: { count: null, period: null }, filter: null }, loaded_at_field: null, loaded_at_query: null, meta: {}, tags: [], static_analysis: null },
  unit_test: { tags: [], meta: {}, enabled: true },
};

/**
 * dbt's TestConfig.finalize_and_validate: store_failures_as, when set, decides store_failures
 * (ephemeral: false; table, view or anything else: true); when not, store_failures decides it
 * (true: table, false: ephemeral).
 */
function finalizeStoreFailures(config: Json): void {
  const as = config.store_failures_as;
  if (as === null || as === undefined) {
    const stored = config.store_failures;
    config.store_failures_as = stored === true ? 'table' : stored === false ? 'ephemeral' : null;
  } else config.store_failures = as !== 'ephemeral';
}

/** Configs that are dataclasses in dbt (their unset fields keep defaults), not free-form dicts. */
const STRUCTURED_CONFIGS = new Set(['docs', 'contract', 'latest_version_pointer', 'snapshot_meta_column_names', 'freshness']);

interface DocBlock {
  uniqueId: string;
  packageName: string;
  name: string;
  path: string;
  originalFilePath: string;
  contents: string;
}

class ManifestBuilder {
  private readonly project;
  private readonly createdAt: number;
  private readonly packages = new Map<string, ProjectConfig>();
  /** Macro unique ids by package, then name (dbt's MacroResolver inputs). */
  private readonly macrosByPackage = new Map<string, Map<string, MacroDefinition>>();
  /** `resolveMacro`'s answers, by package and name. */
  private readonly resolved = new Map<string, string | undefined>();
  private docs: DocBlock[] | undefined;
  private docsByName: Map<string, DocBlock> | undefined;
  /** Descriptions rendered, by package and text. */
  private readonly described = new Map<string, { text: string; docBlocks: string[] }>();
  private patches: Map<string, { description: string; arguments?: Json[]; meta?: Json; docs?: Json; patchPath: string }> | undefined;

  /** The fields dbt's state comparison reads, computed per node as state:modified computes them (core/state-view.ts). */
  private readonly stateYml: YmlIndex;
  private readonly readFile: FileReader;
  /** The templates the project's load parsed (every macro file among them). */
  private readonly templates: TemplateCache | undefined;
  /** Seeds the load found over dbt's checksum limit without reading their text (loader/seeds.ts). */
  private readonly largeSeeds: ReadonlySet<string> | undefined;

  /** Overlays a node's state fields (a manifest Medallion writes compares under `--state` exactly as the project does); the state fields. */
  private withState(json: Json, id: string, keys: readonly string[]): Json | undefined {
    // The state view holds the enabled node of an id (a disabled entry sharing it gets that node's fields).
    const enabled = this.project.nodes.get(id);
    if (!enabled) return undefined;
    const state = manifestStateFields(this.project, enabled, this.readFile, this.stateYml);
    for (const key of keys) if (key in state) json[key] = state[key];
    return state;
  }

  constructor(private readonly input: ManifestInput) {
    this.project = input.analysis.project;
    const kept = manifestInputsOf(this.project);
    this.stateYml = new YmlIndex(this.project, kept?.propertiesTrees);
    const read = hostReader(input.host, this.project.root);
    // A seed the load read is not read again (its state checksum); what the load refused (binary, huge) is read as before.
    // A seed the load found over the checksum limit is not read at all (`largeSeed`).
    this.readFile = kept ? (file) => kept.seedTexts.get(file) ?? (kept.largeSeeds?.has(file) ? '' : read(file)) : read;
    this.largeSeeds = kept?.largeSeeds;
    this.templates = parseTimeOf(this.project)?.options.templates;
    this.createdAt = input.generatedAt.getTime() / 1000;
    this.packages.set(this.project.config.name, this.project.config);
    for (const [name, config] of this.project.packages) this.packages.set(name, config);
    for (const list of this.project.macros.values()) {
      for (const m of list) {
        let byName = this.macrosByPackage.get(m.packageName);
        if (!byName) this.macrosByPackage.set(m.packageName, (byName = new Map()));
        if (!byName.has(m.name)) byName.set(m.name, m);
      }
    }
  }

  /**
   * A JSON object of entries given as their values' JSON text, yielded in pieces of about
   * DICT_PIECE characters or more (one yield per entry passed each entry through every generator up to the writer).
   */
  *dict(key: string, entries: Iterable<[string, string]>): Generator<string> {
    let out = `,${JSON.stringify(key)}:{`;
    let first = true;
    for (const [k, text] of entries) {
      out += `${first ? '' : ','}${jsonString(k)}:${text}`;
      first = false;
      if (out.length >= DICT_PIECE) {
        yield out;
        out = '';
      }
    }
    yield `${out}}`;
  }

  metadata(): Json {
    const name = this.project.config.name;
    const runStartedAt = this.input.runStartedAt ?? this.input.generatedAt;
    return {
      dbt_schema_version: MANIFEST_SCHEMA,
      dbt_version: this.input.dbtVersion,
      generated_at: this.input.generatedAt.toISOString(),
      invocation_id: this.input.invocationId,
      invocation_started_at: runStartedAt.toISOString(),
      env: {},
      project_name: name,
      project_id: createHash('md5').update(name, 'utf8').digest('hex'),
      user_id: null,
      send_anonymous_usage_stats: false,
      adapter_type: this.input.adapterType,
      quoting: this.input.quoting,
      run_started_at: runStartedAt.toISOString().replace(/\.\d+Z$/, '+00:00').replace(/Z$/, '+00:00'),
    };
  }

  *nodeEntries(): Generator<[string, string]> {
    for (const node of this.project.nodes.values()) {
      if (node.resourceType === 'source' || node.resourceType === 'unit_test' || node.resourceType === 'exposure') continue;
      yield [node.uniqueId, this.node(node)];
    }
  }

  *exposureEntries(): Generator<[string, string]> {
    for (const node of this.project.nodes.values()) {
      if (node.resourceType !== 'exposure') continue;
      const entry = exposureManifestEntry(node, this.belowResourcePath(node.packageName, this.packagePath(node.packageName, node.file), 'modelPaths'), this.createdAt);
      // dbt renders an exposure's description with the docs context too.
      entry.description = this.describe(node.description ?? '', node.packageName).text;
      yield [node.uniqueId, JSON.stringify(entry)];
    }
  }

  *sourceEntries(): Generator<[string, string]> {
    for (const node of this.project.nodes.values()) if (node.resourceType === 'source') yield [node.uniqueId, JSON.stringify(this.source(node))];
  }

  *unitTestEntries(): Generator<[string, string]> {
    for (const node of this.project.nodes.values()) if (node.resourceType === 'unit_test') yield [node.uniqueId, JSON.stringify(this.unitTest(node))];
  }

  *disabledEntries(): Generator<[string, string]> {
    const byId = new Map<string, string[]>();
    for (const list of this.project.disabled.values()) {
      for (const node of list) {
        const text = node.resourceType === 'source' ? JSON.stringify(this.source(node)) : node.resourceType === 'unit_test' ? JSON.stringify(this.unitTest(node)) : this.node(node);
        const entries = byId.get(node.uniqueId);
        if (entries) entries.push(text);
        else byId.set(node.uniqueId, [text]);
      }
    }
    for (const [id, texts] of byId) yield [id, `[${texts.join(',')}]`];
  }

  *parentEntries(): Generator<[string, string]> {
    for (const node of this.project.nodes.values()) yield [node.uniqueId, JSON.stringify(uniqueIds(node.dependsOn))];
  }

  *childEntries(): Generator<[string, string]> {
    const children = this.input.analysis.graph.children;
    for (const node of this.project.nodes.values()) {
      const ids = children.get(node.uniqueId) ?? [];
      yield [node.uniqueId, JSON.stringify(ids.length < 2 ? ids : [...ids].sort())];
    }
  }

  *macroEntries(): Generator<[string, string]> {
    for (const list of this.project.macros.values()) {
      for (const macro of list) {
        const id = `macro.${macro.packageName}.${macro.name}`;
        const path = this.packagePath(macro.packageName, macro.file);
        const text = this.project.files.get(macro.file)?.text ?? '';
        const sql = text.slice(macro.block.span.start, fullBlockEnd(text, macro.block.span.end));
        const materialization = macro.block.kind === 'materialization';
        const patch = this.macroPatches().get(id);
        yield [
          id,
          JSON.stringify({
            name: macro.name,
            resource_type: 'macro',
            package_name: macro.packageName,
            path,
            original_file_path: path,
            unique_id: id,
            macro_sql: macroSql(this.project, macro),
            depends_on: { macros: this.macroDependencies(macro, sql) },
            description: patch?.description ?? '',
            meta: patch?.meta ?? {},
            docs: patch?.docs ?? DOCS_DEFAULT,
            config: { meta: patch?.meta ?? {}, docs: patch?.docs ?? DOCS_DEFAULT },
            patch_path: patch?.patchPath ?? null,
            // Generic tests under test paths are parsed without their arguments; under macro paths with.
            arguments: patch?.arguments ?? (materialization ? [{ name: 'supported_languages' }] : this.project.files.get(macro.file)?.kind === 'test' ? [] : macro.block.params).map((p) => ({ name: p.name, type: null, description: '' })),
            created_at: this.createdAt,
            supported_languages: materialization ? supportedLanguages(sql) : null,
          }),
        ];
      }
    }
  }

  *docEntries(): Generator<[string, string]> {
    for (const doc of this.docBlocks()) {
      yield [doc.uniqueId, JSON.stringify({ name: doc.name, resource_type: 'doc', package_name: doc.packageName, path: doc.path, original_file_path: doc.originalFilePath, unique_id: doc.uniqueId, block_contents: doc.contents })];
    }
  }

  // ---------------------------------------------------------------------------------- nodes

  /**
   * A node's entry as JSON text: its columns dict written as text (`columnsText`) between the
   * fields before and after it, each part stringified (a dict built key by key from column names is
   * slow to build and to stringify: ~1.5x the text's time for ol_dbt's columns, micro-benchmarked).
   */
  private node(node: ProjectNode): string {
    const type = node.resourceType;
    const relation = this.input.relationOf(node);
    const originalFilePath = type === 'operation' ? './dbt_project.yml' : this.packagePath(node.packageName, node.file);
    const isGeneric = type === 'test' && node.test?.attachedTo !== undefined;
    const config = this.config(node);
    const text = type === 'operation' ? node.hook!.sql : isGeneric ? undefined : this.project.files.get(node.file)?.text;
    const described = this.describe(node.description ?? '', node.packageName);
    // The state view holds the enabled node of an id (a disabled entry sharing it gets that node's fields).
    const enabled = this.project.nodes.get(node.uniqueId);
    const entry = (): string => `${JSON.stringify(head).slice(0, -1)},"columns":${this.columnsText(node, enabled)},${JSON.stringify(json).slice(1)}`;
    const head: Json = {
      database: relation?.database ?? null,
      schema: relation?.schema ?? null,
      name: node.name,
      resource_type: type,
      package_name: node.packageName,
      path: this.nodePath(node, originalFilePath),
      original_file_path: originalFilePath,
      unique_id: node.uniqueId,
      fqn: node.fqn,
      alias: relation?.identifier ?? node.name,
      // An enabled seed's checksum comes with its state fields (withState): its file is read once.
      checksum: type === 'seed' && enabled ? null : this.checksum(node, text),
      config,
      tags: node.tags ?? node.config.tags,
      description: described.text,
    };
    const json: Json = {
      meta: node.config.meta,
      group: null,
      docs: config.docs ?? DOCS_DEFAULT,
      patch_path: node.yml && !isGeneric && type !== 'source' ? this.patchPath(node.yml.file) : null,
      build_path: null,
      unrendered_config: {},
      created_at: this.createdAt,
      relation_name: relation?.rendered ?? null,
      raw_code: rawCode(node, text),
      doc_blocks: described.docBlocks,
    };
    if (type === 'seed') {
      const base = this.packages.get(node.packageName)?.base ?? '';
      json.root_path = joinPath(this.project.root, base);
      json.depends_on = { macros: [] };
      const state = this.withState(json, node.uniqueId, ['unrendered_config']);
      if (state && 'checksum' in state) head.checksum = state.checksum;
      // The state view's checksum (of the enabled seed of this id) for a seed over the limit: its path, its text unread.
      if (enabled && this.largeSeeds?.has(enabled.file)) head.checksum = { name: 'path', checksum: enabled.file };
      return entry();
    }
    json.language = node.file.endsWith('.py') ? 'python' : 'sql';
    json.refs = this.refs(node);
    json.sources = this.sources(node);
    json.metrics = [];
    json.functions = [];
    json.depends_on = { macros: this.nodeMacros(node), nodes: uniqueIds(node.dependsOn) };
    json.compiled_path = null;
    json.contract = { enforced: isDict(config.contract) && config.contract.enforced === true, alias_types: true, checksum: null };
    const compiled = this.input.compiled?.get(node.uniqueId);
    if (compiled !== undefined) {
      const target = this.project.config.targetPath;
      json.compiled_path = isGeneric ? `${target}/compiled/${node.packageName}/${originalFilePath}/${head.path as string}` : `${target}/compiled/${node.packageName}/${originalFilePath}`;
      json.compiled = true;
      json.compiled_code = compiled;
      json.extra_ctes_injected = true;
      json.extra_ctes = [];
    }
    if (type === 'model') {
      // A model's freshness is {build_after: ...}; dbt drops any other shape (a source-style one).
      if (config.freshness !== null && !(isDict(config.freshness) && isDict(config.freshness.build_after))) config.freshness = null;
      json.access = config.access ?? 'protected';
      json.constraints = [];
      json.version = versionValue(node.version);
      json.latest_version = versionValue(node.latestVersion);
      json.deprecation_date = null;
      json.primary_key = this.primaryKey(node);
      json.time_spine = null;
    } else if (type === 'operation') {
      json.index = node.hook!.index;
    } else if (isGeneric) {
      const test = node.test!;
      json.column_name = test.columnName ?? null;
      const target = test.attachedTo ? (this.project.nodes.get(test.attachedTo) ?? this.findDisabled(test.attachedTo)) : undefined;
      json.file_key_name = target?.resourceType === 'source' ? `sources.${target.source!.sourceName}` : `${target ? `${target.resourceType}s` : 'models'}.${target?.name ?? ''}`;
      json.attached_node = target && target.resourceType !== 'source' ? (this.attachedNodeId(node, target) ?? null) : null;
      json.test_metadata = { name: test.name, kwargs: { ...test.kwargs, ...(target ? { model: testModelArgument(target) } : {}) }, namespace: test.namespace ?? null };
    }
    this.withState(json, node.uniqueId, type === 'model' ? ['unrendered_config', 'constraints', 'deprecation_date', 'access'] : ['unrendered_config']);
    return entry();
  }

  private source(node: ProjectNode): Json {
    const s = node.source!;
    const relation = this.input.relationOf(node);
    const path = this.packagePath(node.packageName, node.file);
    const config = this.config(node);
    const described = this.describe(node.description ?? '', node.packageName);
    const quoting = { database: null, schema: null, identifier: null, column: null, ...s.quoting };
    const json: Json = {
      database: relation?.database ?? s.database ?? null,
      schema: relation?.schema ?? s.schema ?? null,
      name: node.name,
      resource_type: 'source',
      package_name: node.packageName,
      path,
      original_file_path: path,
      unique_id: node.uniqueId,
      fqn: node.fqn,
      source_name: s.sourceName,
      source_description: this.describe(s.sourceDescription ?? '', node.packageName).text,
      loader: s.loader ?? '',
      identifier: s.identifier,
      quoting,
      loaded_at_field: config.loaded_at_field ?? null,
      loaded_at_query: config.loaded_at_query ?? null,
      freshness: config.freshness ?? null,
      external: null,
      description: described.text,
      columns: this.columns(node),
      meta: node.config.meta,
      source_meta: s.sourceMeta,
      tags: node.config.tags,
      config,
      patch_path: null,
      unrendered_config: {},
      relation_name: relation?.rendered ?? null,
      created_at: this.createdAt,
      unrendered_database: s.database ?? null,
      unrendered_schema: s.schema ?? null,
      doc_blocks: described.docBlocks,
    };
    this.withState(json, node.uniqueId, ['unrendered_config', 'freshness', 'loaded_at_field', 'external', 'unrendered_database', 'unrendered_schema']);
    return json;
  }

  private unitTest(node: ProjectNode): Json {
    const unit = node.unitTest!;
    const path = this.packagePath(node.packageName, node.file);
    const model = [...this.project.nodes.values()].find((n) => n.resourceType === 'model' && n.packageName === node.packageName && n.name === unit.model);
    // fqn: the package, the yml's folders below its top folder, the model, the test.
    const folders = path.split('/').slice(1, -1);
    const json: Json = {
      model: unit.model,
      given: unit.given.map((g) => fixture(g, true)),
      expect: fixture(unit.expect, false),
      name: node.name,
      resource_type: 'unit_test',
      package_name: node.packageName,
      path: this.belowResourcePath(node.packageName, path, 'modelPaths'),
      original_file_path: path,
      unique_id: node.uniqueId,
      fqn: [node.packageName, ...folders, unit.model, node.name],
      description: node.description ?? '',
      overrides: unit.overrides ?? null,
      depends_on: { macros: [], nodes: [...new Set(node.dependsOn)] },
      config: this.config(node),
      // dbt's checksum of the reprs of its fixture objects (core/state-view.ts), overlaid below.
      checksum: '',
      schema: model ? (this.input.relationOf(model)?.schema ?? null) : null,
      created_at: this.createdAt,
      versions: null,
      version: null,
    };
    this.withState(json, node.uniqueId, ['checksum']);
    return json;
  }

  /** dbt's config for a node: the type's defaults, then what the project, yml and config() set. */
  private config(node: ProjectNode): Json {
    const defaults = CONFIG_DEFAULTS[node.resourceType] ?? NODE_CONFIG;
    const out: Json = { ...defaults };
    const own = node.config as Json;
    // Keys, not entries: no [key, value] array per key (thousands of tests, ~30 keys each).
    for (const key of Object.keys(own)) {
      const value = own[key];
      if (value === undefined) continue;
      // Sources and unit tests have no materialization (ours marks them for the graph).
      if (key === 'materialized' && (node.resourceType === 'source' || node.resourceType === 'unit_test')) continue;
      if (key === 'pre_hook' || key === 'post_hook') {
        out[key === 'pre_hook' ? 'pre-hook' : 'post-hook'] = (value as unknown[]).map(hookEntry);
        continue;
      }
      // Structured configs keep their defaults for the fields not set (docs.show, contract.alias_types ...).
      const base = defaults[key];
      out[key] = STRUCTURED_CONFIGS.has(key) && isDict(base) && isDict(value) ? { ...base, ...value } : value;
    }
    // A hook's kind is a tag of the node, not of its config.
    if (node.resourceType === 'operation' && Array.isArray(out.tags)) out.tags = (out.tags as string[]).filter((t) => t !== node.hook!.when);
    if (node.resourceType === 'unit_test') out.static_analysis ??= null;
    if (node.resourceType === 'test') finalizeStoreFailures(out);
    return out;
  }

  /**
   * A node's columns dict as JSON text (dbt's ColumnInfo fields in its order), each with the
   * constraints of the enabled node's column of its name (the state view's).
   */
  private columnsText(node: ProjectNode, enabled: ProjectNode | undefined): string {
    const columns = node.columns;
    if (columns.length === 0) return '{}';
    const names = new Set<string>();
    for (const column of columns) {
      // A repeated name (the last entry wins at the first one's place) or a key JSON.stringify would move: the object itself.
      if (names.has(column.name) || column.name === '__proto__' || ARRAY_INDEX.test(column.name)) return JSON.stringify(this.columns(node, enabled));
      names.add(column.name);
    }
    // A disabled node sharing an enabled one's id takes that node's constraints, by name (node() writes only node types the state view gives columns).
    const constraintsOf = enabled === node ? undefined : new Map(enabled && hasStateColumns(enabled) ? enabled.columns.map((c) => [c.name, c] as const) : []);
    let out = '';
    for (const column of columns) {
      const described = this.describe(column.description ?? '', node.packageName);
      const meta = column.meta === undefined || column.meta === null ? '{}' : JSON.stringify(column.meta);
      const tags = column.tags === undefined || column.tags === null ? '[]' : jsonText(column.tags);
      const own = constraintsOf ? constraintsOf.get(column.name) : column;
      const name = jsonString(column.name);
      out +=
        `,${name}:{"name":${name},"description":${jsonString(described.text)},"meta":${meta},"data_type":${column.dataType === undefined ? 'null' : jsonText(column.dataType)},` +
        `"constraints":${own ? jsonText(columnConstraints(own)) : '[]'},"quote":null,"config":{"meta":${meta},"tags":${tags}},"tags":${tags},"granularity":null,"dimension":null,"entity":null,"doc_blocks":${jsonText(described.docBlocks)}}`;
    }
    return `{${out.slice(1)}}`;
  }

  /** A columns dict as an object (sources', and what `columnsText` cannot write key by key), with the enabled node's column constraints. */
  private columns(node: ProjectNode, enabled?: ProjectNode): Json {
    const out: Json = {};
    for (const column of node.columns) {
      const described = this.describe(column.description ?? '', node.packageName);
      const meta = column.meta ?? {};
      const tags = column.tags ?? [];
      // dbt's ColumnInfo fields in its order, written out: one literal shape, no spread of shared defaults.
      out[column.name] = { name: column.name, description: described.text, meta, data_type: column.dataType ?? null, constraints: [], quote: null, config: { meta, tags }, tags, granularity: null, dimension: null, entity: null, doc_blocks: described.docBlocks };
    }
    if (enabled && hasStateColumns(enabled)) for (const column of enabled.columns) if (isDict(out[column.name])) (out[column.name] as Json).constraints = columnConstraints(column);
    return out;
  }

  /**
   * dbt's inferred primary key of a model (ModelNode.infer_primary_key, sorted): a primary_key
   * constraint's columns (the model's, else the first column's); else the columns tested both
   * not_null and unique (or unique_combination_of_columns, of any package), enabled or not; else
   * those of enabled unique tests; else those of disabled ones.
   */
  private primaryKey(node: ProjectNode): string[] {
    const modelKey = node.constraints?.find((c) => c.type === 'primary_key');
    if (modelKey) return Array.isArray(modelKey.columns) ? [...(modelKey.columns as string[])].sort() : [];
    for (const column of node.columns) if (column.constraints?.some((c) => c.type === 'primary_key')) return [column.name];
    const enabledUnique = new Set<string>();
    const disabledUnique = new Set<string>();
    const notNull = new Set<string>();
    for (const test of this.attachedTests().get(node.uniqueId) ?? []) {
      const meta = test.test!;
      const kwargs = meta.kwargs;
      const columns = typeof kwargs.column_name === 'string' ? [kwargs.column_name] : Array.isArray(kwargs.combination_of_columns) ? kwargs.combination_of_columns.filter((c): c is string => typeof c === 'string') : [];
      for (const column of columns) {
        if (meta.name === 'unique' || meta.name === 'unique_combination_of_columns') (test.config.enabled === false ? disabledUnique : enabledUnique).add(column);
        else if (meta.name === 'not_null') notNull.add(column);
      }
    }
    const both = [...notNull].filter((c) => enabledUnique.has(c) || disabledUnique.has(c));
    return (both.length > 0 ? both : enabledUnique.size > 0 ? [...enabledUnique] : [...disabledUnique]).sort();
  }

  /** The generic tests attached to each node, disabled ones included (dbt's build_model_to_generic_tests_map). */
  private attachedTestsMap: Map<string, ProjectNode[]> | undefined;

  private attachedTests(): Map<string, ProjectNode[]> {
    if (this.attachedTestsMap) return this.attachedTestsMap;
    const map = new Map<string, ProjectNode[]>();
    const add = (n: ProjectNode): void => {
      const attachedTo = n.test?.attachedTo;
      if (n.resourceType !== 'test' || !attachedTo) return;
      const target = this.project.nodes.get(attachedTo) ?? this.findDisabled(attachedTo);
      const to = target && target.resourceType !== 'source' ? this.attachedNodeId(n, target) : attachedTo;
      if (!to) return;
      const list = map.get(to);
      if (list) list.push(n);
      else map.set(to, [n]);
    };
    for (const n of this.project.nodes.values()) add(n);
    for (const list of this.project.disabled.values()) for (const n of list) add(n);
    this.attachedTestsMap = map;
    return map;
  }

  /**
   * A node's ref() calls; a generic test's arguments render first, then its `model` (the tested
   * node), then its macro's body (the refs its parse-time render found: not literal in the yml).
   */
  private refs(node: ProjectNode): Json[] {
    // dbt's static parser reports each distinct ref of a SQL file once; a rendered test lists every call.
    const refs: Json[] = [];
    const seen = new Set<string>();
    const test = node.test;
    const fromMacro: Json[] = [];
    for (const r of node.refs) {
      const ref = { name: r.name, package: r.packageName ?? null, version: versionValue(r.version) };
      // What tells two refs apart (a version is a number or a string).
      const key = `${ref.name}\0${ref.package ?? '\0'}\0${typeof ref.version}${ref.version ?? ''}`;
      if (test?.attachedTo && r.literal === false) fromMacro.push(ref);
      else if (!seen.has(key) || test) refs.push(ref);
      seen.add(key);
    }
    if (test?.attachedTo) {
      const target = this.project.nodes.get(test.attachedTo) ?? this.findDisabled(test.attachedTo);
      // unique/not_null record the tested model directly; other tests render ref('m', version='1'): a string.
      const builtin = !test.namespace && (test.name === 'unique' || test.name === 'not_null');
      const version = builtin ? versionValue(target?.version) : (target?.version ?? null);
      if (target && target.resourceType !== 'source') refs.push({ name: target.name, package: null, version });
      for (const ref of fromMacro) refs.push(ref);
    }
    return refs;
  }

  private sources(node: ProjectNode): string[][] {
    const sources: string[][] = [];
    // A rendered node lists every source() call, repeats too (dbt's ParseSourceResolver appends); dbt's static parser returns a set.
    const rendered = node.parsed?.by === 'render';
    for (const s of node.sources) if (rendered || !sources.some(([a, b]) => a === s.source && b === s.table)) sources.push([s.source, s.table]);
    // A disabled source's tests keep it (dbt records the tested source whatever its state).
    const attachedTo = node.test?.attachedTo;
    const target = attachedTo ? (this.project.nodes.get(attachedTo) ?? this.findDisabled(attachedTo)) : undefined;
    if (target?.resourceType === 'source') sources.push([target.source!.sourceName, target.name]);
    return sources;
  }

  /**
   * dbt's `attached_node` of a generic test on a model, seed or snapshot: found by name in the
   * test's own package only, else the first disabled node of that name (`_lookup_attached_node`):
   * a yml describing another package's node attaches its tests to no node, or to a disabled one.
   */
  private attachedNodeId(test: ProjectNode, target: ProjectNode): string | undefined {
    if (target.packageName === test.packageName) return target.uniqueId;
    return this.project.disabled.get(target.name)?.[0]?.uniqueId;
  }

  private findDisabled(uniqueId: string): ProjectNode | undefined {
    for (const list of this.project.disabled.values()) for (const n of list) if (n.uniqueId === uniqueId) return n;
    return undefined;
  }

  private checksum(node: ProjectNode, text: string | undefined): { name: string; checksum: string } {
    if (node.resourceType === 'test' && node.test?.attachedTo) return { name: 'none', checksum: '' };
    if (node.resourceType === 'operation') {
      // A hook carries the checksum of the dbt_project.yml it is written in.
      const read = this.input.host.read(joinPath(this.project.root, this.packages.get(node.packageName)?.base ?? '', 'dbt_project.yml'));
      return read.kind === 'text' ? dbtChecksum(read.text) : { name: 'none', checksum: '' };
    }
    if (node.resourceType === 'seed') {
      // A seed is hashed as Python reads it in text mode: universal newlines, stripped.
      const read = this.input.host.read(joinPath(this.project.root, node.file));
      if (read.kind === 'too-large' || (read.kind === 'text' && Buffer.byteLength(read.text, 'utf8') > MAX_SEED_BYTES)) return { name: 'path', checksum: this.packagePath(node.packageName, node.file) };
      if (read.kind !== 'text') return { name: 'none', checksum: '' };
      return { name: 'sha256', checksum: sha256(pyStrip(universalNewlines(read.text))) };
    }
    return text === undefined ? { name: 'none', checksum: '' } : dbtChecksum(text);
  }

  // ---------------------------------------------------------------------------------- paths

  /** A file's path inside its package (`models/x.sql`), from its path inside the root project. */
  private packagePath(packageName: string, file: string): string {
    const base = this.packages.get(packageName)?.base ?? '';
    return base && file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
  }

  /** dbt's `patch_path`: the yml's own package and its path there (a yml may describe another package's node). */
  private patchPath(ymlFile: string): string {
    const pkg = packageOfFile(this.project, ymlFile);
    return `${pkg}://${this.packagePath(pkg, ymlFile)}`;
  }

  /** dbt's `path`: below the resource folder (`staging/x.sql`), `analysis/...` for analyses (unless corrected), the compiled name for generic tests. */
  private nodePath(node: ProjectNode, originalFilePath: string): string {
    switch (node.resourceType) {
      case 'operation':
        return `hooks/${node.name}.sql`;
      case 'test':
        if (node.test?.attachedTo) return `${node.test.compiledName ?? node.name}.sql`;
        return this.belowResourcePath(node.packageName, originalFilePath, 'testPaths');
      case 'analysis':
        return `${correctedAnalysisFqns(this.project.config) ? '' : 'analysis/'}${this.belowResourcePath(node.packageName, originalFilePath, 'analysisPaths')}`;
      case 'seed':
        return this.belowResourcePath(node.packageName, originalFilePath, 'seedPaths');
      case 'snapshot':
        // A snapshot defined in yml is named as if it had its own file.
        if (node.snapshotRelation !== undefined) return `${node.name}.sql`;
        return this.belowResourcePath(node.packageName, originalFilePath, 'snapshotPaths');
      default:
        return this.belowResourcePath(node.packageName, originalFilePath, 'modelPaths');
    }
  }

  private belowResourcePath(packageName: string, path: string, kind: 'modelPaths' | 'seedPaths' | 'snapshotPaths' | 'testPaths' | 'analysisPaths' | 'macroPaths'): string {
    const config = this.packages.get(packageName);
    for (const dir of config?.[kind] ?? []) {
      const prefix = dir.replace(/^\.\//, '').replace(/\/+$/, '');
      if (prefix && path.startsWith(`${prefix}/`)) return path.slice(prefix.length + 1);
    }
    return path;
  }

  // ---------------------------------------------------------------------------------- macros

  /** dbt's MacroResolver: the named package first, then the root project, other packages, dbt's own. */
  private resolveMacro(localPackage: string, name: string): string | undefined {
    // Thousands of generic tests resolve the same few test macros.
    const key = `${localPackage}\0${name}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const id = this.findMacro(localPackage, name);
    this.resolved.set(key, id);
    return id;
  }

  private findMacro(localPackage: string, name: string): string | undefined {
    const local = this.macrosByPackage.get(localPackage)?.get(name);
    if (local) return `macro.${local.packageName}.${local.name}`;
    const root = this.project.config.name;
    const inRoot = this.macrosByPackage.get(root)?.get(name);
    if (inRoot) return `macro.${root}.${name}`;
    for (const [pkg, byName] of this.macrosByPackage) if (pkg !== root && byName.has(name)) return `macro.${pkg}.${name}`;
    return undefined;
  }

  /** depends_on.macros of a node: what its render called, else its scanned macro calls resolved. */
  private nodeMacros(node: ProjectNode): string[] {
    if (node.parsed) return node.parsed.macros;
    const calls = node.resourceType === 'operation' ? scan(node.hook!.sql).macroCalls : sqlCallsOf(this.project, node).macroCalls;
    const ids: string[] = [];
    const add = (id: string | undefined): void => {
      if (id && !ids.includes(id)) ids.push(id);
    };
    if (node.test?.attachedTo) {
      // dbt records the test macro found by its bare name from the node's package, whatever the
      // test's namespace (render_test_update), then renders every generic test but those whose
      // macro is its own not_null or unique; the render's own calls are recorded too:
      // get_where_subquery (the `model` argument) and the namespace's test macro (`pkg.test_x`)
      // when the render can see it: parse time's namespace holds only those two macros and what
      // they call (TestMacroNamespace). Beyond the node's package and the root project dbt takes
      // the last package defining the name, in its own package order (not ours): the namespace's
      // package stands for it.
      const bare = `test_${node.test.name}`;
      const namespace = node.test.namespace;
      const own = this.macrosByPackage.get(node.packageName)?.has(bare) || this.macrosByPackage.get(this.project.config.name)?.has(bare);
      const testMacro = !own && namespace && this.macrosByPackage.get(namespace)?.has(bare) ? `macro.${namespace}.${bare}` : this.resolveMacro(node.packageName, bare);
      add(testMacro);
      if (testMacro !== undefined || (node.test.name !== 'not_null' && node.test.name !== 'unique')) {
        const where = this.resolveMacro(this.project.config.name, 'get_where_subquery');
        add(where);
        const called = namespace ? this.resolveMacro(namespace, bare) : undefined;
        if (called && called !== testMacro && this.reaches([testMacro, where], called)) add(called);
      }
    }
    for (const call of calls) {
      const dot = call.name.indexOf('.');
      add(dot === -1 ? this.resolveMacro(node.packageName, call.name) : this.resolveMacro(call.name.slice(0, dot), call.name.slice(dot + 1)));
    }
    return ids;
  }

  /** Whether `target` is one of `from` or among the macros they call, however deep (each macro's depends_on.macros). */
  private reaches(from: Array<string | undefined>, target: string): boolean {
    const seen = new Set<string>();
    const stack = from.filter((id): id is string => id !== undefined);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === target) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      const [, pkg, name] = id.split('.');
      const macro = this.macrosByPackage.get(pkg!)?.get(name!);
      if (!macro) continue;
      const text = this.project.files.get(macro.file)?.text ?? '';
      stack.push(...this.macroDependencies(macro, text.slice(macro.block.span.start, fullBlockEnd(text, macro.block.span.end))));
    }
    return false;
  }

  /** A macro's parsed block: from the template of its file the load parsed (found by its span), else its SQL parsed alone. */
  private macroTree(macro: MacroDefinition, sql: string): object {
    const text = this.project.files.get(macro.file)?.text;
    if (this.templates && text !== undefined) {
      const { template, diagnostics } = this.templates.get(macro.file, text);
      // A file with syntax errors may recover differently as a whole than its block alone.
      const block = diagnostics.length === 0 ? template.body.find((stmt) => stmt.kind === 'Macro' && stmt.span.start === macro.block.span.start) : undefined;
      if (block) return block;
    }
    return parseJinja(sql).template;
  }

  /** dbt's static reading of a macro's calls (statically_extract_macro_calls), resolved like dbt. */
  private macroDependencies(macro: MacroDefinition, sql: string): string[] {
    const template = this.macroTree(macro, sql);
    const names: string[] = [];
    const add = (name: string): void => {
      if (!names.includes(name)) names.push(name);
    };
    walkCalls(template, (call) => {
      const fn = call.fn;
      if (fn.kind === 'Name') {
        if (fn.name !== 'ref' && fn.name !== 'source' && fn.name !== 'config') add(fn.name);
      } else if (fn.kind === 'Getattr' && fn.obj.kind === 'Name') {
        if (fn.obj.name !== 'adapter') add(`${fn.obj.name}.${fn.attr}`);
        else if (fn.attr === 'dispatch') for (const name of this.dispatchCalls(call, macro)) add(name);
      }
    });
    const ids: string[] = [];
    for (const name of names) {
      if (name === macro.name) continue;
      const dot = name.indexOf('.');
      const id = dot === -1 ? this.resolveMacro(macro.packageName, name) : this.resolveMacro(name.slice(0, dot), name.slice(dot + 1));
      if (id && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  /** `adapter.dispatch('name', 'namespace')`: the name, and the implementation dispatch picks for this adapter. */
  private dispatchCalls(call: ast.CallExpr, macro: MacroDefinition): string[] {
    const first = call.args[0];
    const byKey = (key: string): ast.Expr | undefined => call.kwargs.find((k) => k.name === key)?.value;
    const nameExpr = first ?? byKey('macro_name');
    if (nameExpr?.kind !== 'Const' || typeof nameExpr.value !== 'string') return [];
    const name = nameExpr.value;
    const nsExpr = call.args[1] ?? byKey('macro_namespace');
    const namespace = nsExpr?.kind === 'Const' && typeof nsExpr.value === 'string' ? nsExpr.value : undefined;
    const packages = namespace ? [namespace] : [this.project.config.name, macro.packageName];
    for (const pkg of packages) {
      for (const prefix of [`${this.input.adapterType}__`, 'default__']) {
        if (this.macrosByPackage.get(pkg)?.has(prefix + name)) return [name, `${pkg}.${prefix}${name}`];
      }
    }
    return [name];
  }

  /** The `macros:` entries of every properties yml (description, arguments, meta, docs), by macro id. */
  private macroPatches(): Map<string, { description: string; arguments?: Json[]; meta?: Json; docs?: Json; patchPath: string }> {
    if (this.patches) return this.patches;
    const patches = new Map<string, { description: string; arguments?: Json[]; meta?: Json; docs?: Json; patchPath: string }>();
    for (const file of this.project.files.values()) {
      if (file.kind !== 'yaml' || file.text === undefined || !/^macros\s*:/m.test(file.text)) continue;
      const pkg = this.packageOfFile(file.path);
      if (!pkg) continue;
      const root = toJS(this.stateYml.root(file.path));
      if (!isDict(root) || !Array.isArray(root.macros)) continue;
      for (const entry of root.macros) {
        if (!isDict(entry) || typeof entry.name !== 'string') continue;
        const args = Array.isArray(entry.arguments)
          ? entry.arguments.filter(isDict).map((a) => ({ name: String(a.name ?? ''), type: a.type === undefined ? null : a.type, description: typeof a.description === 'string' ? this.describe(a.description, pkg).text : '' }))
          : undefined;
        const patch: { description: string; arguments?: Json[]; meta?: Json; docs?: Json; patchPath: string } = {
          description: typeof entry.description === 'string' ? this.describe(entry.description, pkg).text : '',
          patchPath: `${pkg}://${this.packagePath(pkg, file.path)}`,
        };
        if (args) patch.arguments = args;
        if (isDict(entry.meta)) patch.meta = entry.meta;
        if (isDict(entry.docs)) patch.docs = { ...DOCS_DEFAULT, ...entry.docs };
        patches.set(`macro.${pkg}.${entry.name}`, patch);
      }
    }
    this.patches = patches;
    return patches;
  }

  /** The package a file belongs to: the one whose folder holds it (the root project otherwise). */
  private packageOfFile(path: string): string | undefined {
    let best: string | undefined;
    let bestLength = -1;
    for (const [name, config] of this.packages) {
      const base = config.base ?? '';
      if ((base === '' || path.startsWith(`${base}/`)) && base.length > bestLength) {
        best = name;
        bestLength = base.length;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------------------------- docs

  private docBlocks(): DocBlock[] {
    if (this.docs) return this.docs;
    const docs: DocBlock[] = [];
    for (const [packageName, config] of this.packages) {
      const base = config.base ?? '';
      const seen = new Set<string>();
      const dirs = [...config.modelPaths, ...config.seedPaths, ...config.analysisPaths, ...config.macroPaths, ...config.snapshotPaths, ...config.testPaths];
      for (const dir of dirs) {
        const absDir = joinPath(this.project.root, base, dir);
        for (const abs of this.input.host.list(absDir)) {
          if (!abs.endsWith('.md') || seen.has(abs)) continue;
          seen.add(abs);
          const read = this.input.host.read(abs);
          if (read.kind !== 'text') continue;
          const rel = abs.slice(joinPath(this.project.root, base).length + 1);
          const prefix = dir.replace(/^\.\//, '').replace(/\/+$/, '');
          for (const m of read.text.matchAll(/{%-?\s*docs\s+([A-Za-z_][\w]*)\s*-?%}([\s\S]*?){%-?\s*enddocs\s*-?%}/g)) {
            docs.push({
              uniqueId: `doc.${packageName}.${m[1]}`,
              packageName,
              name: m[1]!,
              path: rel.startsWith(`${prefix}/`) ? rel.slice(prefix.length + 1) : rel,
              originalFilePath: rel,
              contents: pyStrip(m[2]!),
            });
          }
        }
      }
    }
    this.docs = docs;
    return docs;
  }

  /** The first doc block of each package and name (`pkg\0name`), and of each name (`\0name`). */
  private docIndex(): Map<string, DocBlock> {
    if (this.docsByName) return this.docsByName;
    const index = new Map<string, DocBlock>();
    for (const d of this.docBlocks()) {
      for (const key of [`${d.packageName}\0${d.name}`, `\0${d.name}`]) if (!index.has(key)) index.set(key, d);
    }
    return (this.docsByName = index);
  }

  /** A description rendered with dbt's docs context (loader/docs.ts), and the doc blocks it used (the same text of a package renders once; one dbt fails on keeps its text). */
  private describe(description: string, packageName: string): { text: string; docBlocks: string[] } {
    if (!describable(description)) return { text: description, docBlocks: [] };
    const key = `${packageName}\0${description}`;
    let described = this.described.get(key);
    if (!described) {
      this.docsFinder ??= docResolver((pkg, name) => this.docIndex().get(`${pkg ?? ''}\0${name}`), this.project.config.name);
      this.docsContext ??= docsGlobals(parseTimeOf(this.project)?.ctx);
      const { text, docBlocks } = renderDescription(description, this.docsFinder(packageName), this.docsContext);
      this.described.set(key, (described = { text, docBlocks }));
    }
    return described;
  }
  private docsFinder: ((nodePackage: string) => FindDoc) | undefined;
  private docsContext: Record<string, unknown> | undefined;
}

/**
 * Calls anywhere in a template (dbt's `find_all(jinja2.nodes.Call)`), in the order a walk of each
 * node's fields in their creation order (parser.ts) meets them. The commonest nodes are walked by
 * their fields; leaves (template text, names, constants) hold no call; the rest by `for...in`
 * (enumerating keys was most of this walk's time on the CLI's cold code).
 * test/manifest-macro-calls.test.ts checks the order against dbt's.
 */
function walkCalls(node: unknown, visit: (call: ast.CallExpr) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walkCalls(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  switch (n.kind) {
    case 'Data':
    case 'Const':
    case 'Name':
    case 'NSRef':
    case 'Error':
    case 'ErrorStmt':
    case 'Break':
    case 'Continue':
      return;
    case 'Output':
    case 'Do':
      walkCalls(n.expr, visit);
      return;
    case 'Getattr':
      walkCalls(n.obj, visit);
      return;
    case 'Call': {
      const call = node as ast.CallExpr;
      visit(call);
      walkCalls(call.fn, visit);
      for (const arg of call.args) walkCalls(arg, visit);
      for (const kw of call.kwargs) walkCalls(kw.value, visit);
      walkCalls(call.dynArgs, visit);
      walkCalls(call.dynKwargs, visit);
      return;
    }
    default:
      break;
  }
  // for...in: the same keys in the same order as Object.entries on these plain objects, without an array per node.
  for (const key in n) {
    if (key === 'span' || key === 'nameSpan' || key === 'attrSpan') continue;
    const value = n[key];
    if (value && typeof value === 'object') walkCalls(value, visit);
  }
}

/** A unit test's given/expect entry with dbt's defaults: dict format, CSV rows read into dicts (empty → null). */
function fixture(value: unknown, isInput: boolean): Json {
  const f: Json = isDict(value) ? { ...value } : {};
  const format = typeof f.format === 'string' ? f.format : 'dict';
  let rows = f.rows ?? null;
  if (format === 'csv' && typeof rows === 'string') {
    const lines = rows.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
    rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i] ?? String(i), v.trim() === '' ? null : v.trim()])));
  }
  if (Array.isArray(rows) && (format === 'dict' || format === 'csv')) {
    // dbt moves the first row without nulls to the top (some warehouses type columns by the first row).
    const full = rows.findIndex((r) => isDict(r) && Object.values(r).every((v) => v !== null && v !== undefined));
    if (full > 0) rows = [rows[full], ...rows.slice(0, full), ...rows.slice(full + 1)];
  }
  const out: Json = isInput ? { input: f.input ?? null, rows, format, fixture: f.fixture ?? null } : { rows, format, fixture: f.fixture ?? null };
  return out;
}

function supportedLanguages(sql: string): string[] {
  const m = /supported_languages\s*=\s*\[([^\]]*)\]/.exec(sql.slice(0, sql.indexOf('%}') + 2));
  if (!m) return ['sql'];
  return [...m[1]!.matchAll(/['"]([^'"]+)['"]/g)].map((x) => x[1]!);
}

function hookEntry(hook: unknown): Json {
  if (isDict(hook)) return { sql: String(hook.sql ?? ''), transaction: hook.transaction !== false, index: typeof hook.index === 'number' ? hook.index : null };
  return { sql: String(hook), transaction: true, index: null };
}

/** A version as yml wrote it: numbers stay numbers (`v: 2` → 2). */
function versionValue(version: string | undefined): string | number | null {
  if (version === undefined) return null;
  return /^\d+(\.\d+)?$/.test(version) ? Number(version) : version;
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys that JavaScript orders before all others (array indices): an object with one is not written in insertion order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** What JSON.stringify escapes in a string (lone surrogates among any surrogates). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without the call where nothing needs escaping (most names and descriptions). */
function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** JSON.stringify of a value that is not undefined, without the call for the commonest ones. */
function jsonText(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  return JSON.stringify(value);
}

/** Whether the state view (core/state-view.ts) lists a node's columns with their constraints. */
function hasStateColumns(node: ProjectNode): boolean {
  return node.resourceType !== 'source' && node.resourceType !== 'unit_test' && node.resourceType !== 'exposure';
}

/** A node's parents without repeats, in order (most have one: no set for them). */
function uniqueIds(ids: readonly string[]): readonly string[] {
  return ids.length < 2 ? ids : [...new Set(ids)];
}
