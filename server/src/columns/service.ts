/**
 * Keeps the column model of one project and target: takes an analysis snapshot (the analysis,
 * its compiler, its version, what changed) and returns a new immutable ColumnModel version.
 * Nodes are bound in DAG order by the target's binder (DuckDB in process over a schema-only
 * catalog; Databricks `DESCRIBE QUERY` when opted in); otherwise yml types, never exact. After an
 * edit only the edited models are re-bound, and their children only when their columns changed.
 */
import { join } from 'node:path';
import type { Analysis } from '../core/analysis';
import { columnsSignature, ColumnModel, type ColumnDef, type NodeColumns, type OutputColumn } from '../core/columns/model';
import { analyzeQuery, asRelationColumns, identifierChain, type RelationLookup } from '../core/columns/query';
import { SpanMap } from '../core/columns/span-map';
import { ymlColumnProblems } from '../core/columns/yml';
import { Compiler } from '../core/compiler';
import type { Diagnostic, DiagnosticCode } from '../core/diagnostics';
import type { ProjectNode } from '../core/model';
import type { Span } from '../core/text';
import { isSqlProblem, type BindOutcome, type BindProblem, type ColumnBinder } from '../engines/binder';
import { LANDING_FILE, type LandingFiles } from '../engines/engine';
import { parseLocation } from '../landing/location';
import { landingFilesAt, landingSpec } from '../runner/landing';
import { landingOptionsFromEnv, tableLocation } from '../runner/landing-zone';

export interface AnalysisSnapshot {
  analysis: Analysis;
  /** The compiler of the target the column model is for. */
  compiler: Compiler;
  /** The analysis version (a version of the column model names the analysis version it was made from). */
  version: number;
  /** Files changed since the previous snapshot given to this service; undefined: anything may have. */
  changed?: ReadonlySet<string>;
  /** Only these nodes (and what they read must be among them): a one-shot question such as the CLI's lineage. */
  scope?: ReadonlySet<string>;
}

export interface ColumnServiceOptions {
  projectRoot: string;
  env: Record<string, string | undefined>;
  /** The target's binder; undefined: columns come from yml only (never exact, never an error). */
  binder: ColumnBinder | undefined;
  /** Parses SQL into DuckDB's parse tree for lineage when the binder has no parse tree of its own. */
  parser?: Pick<ColumnBinder, 'parseTree'>;
  /** Fallback lineage for SQL DuckDB cannot parse (node-sql-parser), marked not exact. */
  fallbackLineage?: (sql: string) => Array<{ fromTable: string; fromColumn: string; toColumn: string }> | undefined;
}

const RELATION_TYPES = new Set(['model', 'seed', 'snapshot', 'source']);

/** How long a refresh computes without letting the event loop run (edits and requests wait for it). */
const YIELD_EVERY_MS = 5;

/** A node's columns as read from it by other queries, per version of its entry. */
const relationColumns = new WeakMap<NodeColumns, OutputColumn[]>();

/** What is known while one refresh runs. */
interface Pass {
  snapshot: AnalysisSnapshot;
  /** Entries computed in this pass (they win over the previous version's). */
  changes: Map<string, NodeColumns | undefined>;
  relationIndex: Map<string, string>;
  incrementalCompiler?: Compiler;
  compiled: Map<string, { sql?: string; ephemerals: string[] }>;
}

export class ColumnService {
  private version = 0;
  private model: ColumnModel;
  private running: Promise<ColumnModel> | undefined;
  private pending: AnalysisSnapshot | undefined;
  private pendingChanged: Set<string> | undefined | 'all';
  private readonly bindCache = new Map<string, BindOutcome>();
  private relationIndex: { analysis: Analysis; index: Map<string, string>; keys: Map<string, string> } | undefined;
  /** Set by close(): a running refresh stops at its next node and nothing new starts. */
  private closing = false;
  /** Called with each new version and the milliseconds its refresh took. */
  onVersion: ((model: ColumnModel, millis: number) => void) | undefined;
  /**
   * Asked before each node: a promise while the caller has more urgent work (the language server,
   * an edit whose diagnostics are not out yet), which the refresh awaits before going on.
   */
  yieldTo: (() => Promise<void> | undefined) | undefined;

  constructor(
    private readonly options: ColumnServiceOptions,
    target: { type: string; name: string },
  ) {
    this.model = new ColumnModel(0, -1, target, Boolean(options.binder?.exact), new Map());
  }

  /** The latest complete version (consistent: one refresh made it). */
  get current(): ColumnModel {
    return this.model;
  }

  /**
   * Queues a refresh for this snapshot. Snapshots submitted while one runs are coalesced (their
   * changed files merged); the promise resolves with the first version that includes this one.
   */
  submit(snapshot: AnalysisSnapshot): Promise<ColumnModel> {
    if (this.closing) return Promise.resolve(this.model);
    if (this.pendingChanged !== 'all') {
      if (!snapshot.changed || this.model.analysisVersion < 0) this.pendingChanged = 'all';
      else {
        const set: Set<string> = this.pendingChanged ?? new Set<string>();
        for (const f of snapshot.changed) set.add(f);
        this.pendingChanged = set;
      }
    }
    this.pending = snapshot;
    return this.drain();
  }

  private async drain(): Promise<ColumnModel> {
    while (this.running) await this.running.catch(() => undefined);
    if (!this.pending || this.closing) return this.model;
    const snapshot = this.pending;
    const changed = this.pendingChanged;
    this.pending = undefined;
    this.pendingChanged = undefined;
    const started = performance.now();
    this.running = this.refresh(changed === 'all' || changed === undefined ? { ...snapshot, changed: undefined } : { ...snapshot, changed });
    try {
      const model = await this.running;
      // A refresh cut short by close() publishes nothing: its model is incomplete.
      if (this.closing) return this.model;
      this.model = model;
      this.onVersion?.(this.model, performance.now() - started);
      return this.model;
    } finally {
      this.running = undefined;
    }
  }

  /** The version once everything submitted so far is computed. */
  async idle(): Promise<ColumnModel> {
    while (this.running || this.pending) await (this.running ?? this.drain()).catch(() => undefined);
    return this.model;
  }

  /**
   * Cancels what is queued and the running refresh (it stops after the node it is binding: one
   * binder call, not the whole project), then closes the binder. Called on shutdown and when the
   * target changes; the service answers nothing new afterwards.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.pending = undefined;
    this.pendingChanged = undefined;
    await this.running?.catch(() => undefined);
    await this.options.binder?.close();
  }

  // ------------------------------------------------------------------ one refresh

  private async refresh(given: AnalysisSnapshot): Promise<ColumnModel> {
    // A whole pass compiles every model: with a compiler of its own, whose parsed templates are
    // dropped with it, not kept in the caller's (10k models: ~100 MB of template trees).
    const snapshot = given.changed ? given : { ...given, compiler: new Compiler(given.analysis, given.compiler.options) };
    const { analysis } = snapshot;
    const pass: Pass = { snapshot, changes: new Map(), relationIndex: this.indexRelations(snapshot), compiled: new Map() };
    const nodes = analysis.project.nodes;
    let order: string[];
    let seeds: Set<string> | undefined;
    if (snapshot.changed && snapshot.changed.size > 0 && [...snapshot.changed].every((f) => f.endsWith('.sql') && analysis.project.files.has(f))) {
      // An edit to SQL files: re-bind their nodes, then whatever reads a node whose columns changed.
      seeds = new Set([...snapshot.changed].flatMap((f) => analysis.project.files.get(f)!.nodeIds).filter((id) => RELATION_TYPES.has(nodes.get(id)?.resourceType ?? '')));
      const affected = new Set(seeds);
      for (const id of seeds) for (const d of analysis.graph.downstream(id).keys()) if (RELATION_TYPES.has(nodes.get(d)?.resourceType ?? '')) affected.add(d);
      order = analysis.graph.topologicalOrder(affected);
    } else if (snapshot.changed && snapshot.changed.size === 0) {
      order = [];
    } else {
      order = analysis.graph.topologicalOrder([...nodes.values()].filter((n) => RELATION_TYPES.has(n.resourceType) && (!snapshot.scope || snapshot.scope.has(n.uniqueId))).map((n) => n.uniqueId));
    }
    const changedNodes = new Set<string>();
    let yielded = performance.now();
    for (const id of order) {
      for (let urgent = this.yieldTo?.(); urgent && !this.closing; urgent = this.yieldTo?.()) {
        await urgent;
        yielded = performance.now();
      }
      if (this.closing) break;
      const node = nodes.get(id);
      if (!node) continue;
      if (seeds && !seeds.has(id) && !node.dependsOn.some((p) => changedNodes.has(p))) continue;
      const before = this.entryIn(pass, id);
      let entry: NodeColumns;
      try {
        entry = await this.computeNode(pass, node);
      } catch (err) {
        // One node that cannot be computed (a relation name its macros fail to render...) is unknown; the rest go on.
        entry = { ...this.fromYml(node), note: (err as Error).message };
      }
      pass.changes.set(id, entry);
      if (columnsSignature(before) !== columnsSignature(entry)) changedNodes.add(id);
      // Long refreshes leave room for requests in between (the binder's calls are async already, a
      // cached bind is not): a message that arrives waits for a few milliseconds of this at most.
      if (performance.now() - yielded > YIELD_EVERY_MS) {
        await new Promise((r) => setImmediate(r));
        yielded = performance.now();
      }
    }
    if (!seeds) for (const id of [...this.model.entries()].map((e) => e.nodeId)) if (!nodes.has(id)) pass.changes.set(id, undefined);
    return this.model.with(pass.changes, ++this.version, snapshot.version, !seeds && !(snapshot.changed && snapshot.changed.size === 0));
  }

  private entryIn(pass: Pass, id: string): NodeColumns | undefined {
    return pass.changes.has(id) ? pass.changes.get(id) : this.model.get(id);
  }

  /** Relation name (as the compiled SQL writes it, unquoted, lower case) → node, for every relation-bearing node. */
  private indexRelations(snapshot: AnalysisSnapshot): Map<string, string> {
    const { analysis, compiler } = snapshot;
    if (this.relationIndex?.analysis === analysis && snapshot.changed) {
      // Same project object, SQL edits only: re-index the edited nodes (a config() may rename a relation).
      const { index, keys } = this.relationIndex;
      for (const f of snapshot.changed) {
        for (const id of analysis.project.files.get(f)?.nodeIds ?? []) {
          const old = keys.get(id);
          if (old !== undefined && index.get(old) === id) index.delete(old);
          keys.delete(id);
          const node = analysis.project.nodes.get(id);
          if (node) this.indexNode(index, keys, compiler, node);
        }
      }
      return index;
    }
    const index = new Map<string, string>();
    const keys = new Map<string, string>();
    for (const node of analysis.project.nodes.values()) this.indexNode(index, keys, compiler, node);
    this.relationIndex = { analysis, index, keys };
    return index;
  }

  private indexNode(index: Map<string, string>, keys: Map<string, string>, compiler: Compiler, node: ProjectNode): void {
    if (!RELATION_TYPES.has(node.resourceType) || node.config.materialized === 'ephemeral') return;
    try {
      const r = compiler.relation(node);
      if (r.type === 'cte') return;
      const key = relationKey(r.database, r.schema, r.identifier);
      index.set(key, node.uniqueId);
      keys.set(node.uniqueId, key);
    } catch {
      // A node whose name cannot be rendered is simply not found by name.
    }
  }

  private compile(pass: Pass, id: string): { sql?: string; ephemerals: string[]; diagnostics?: Diagnostic[] } {
    let hit = pass.compiled.get(id);
    if (!hit) {
      const result = pass.snapshot.compiler.compile(id);
      hit = { ...(result.sql !== undefined ? { sql: result.sql } : {}), ephemerals: result.ephemerals };
      pass.compiled.set(id, hit);
    }
    return hit;
  }

  // ------------------------------------------------------------------ one node

  private async computeNode(pass: Pass, node: ProjectNode): Promise<NodeColumns> {
    const binder = this.options.binder;
    const base = { nodeId: node.uniqueId, problems: [] as Diagnostic[], lineage: 'none' as const };
    if (!binder) return node.resourceType === 'model' || node.resourceType === 'snapshot' ? this.parsed(pass, node) : node.resourceType === 'source' ? this.sourceFromYml(pass, node) : this.fromYml(node);
    const parents = node.dependsOn.filter((p) => pass.snapshot.analysis.project.nodes.has(p));
    const inputsExact = parents.every((p) => this.entryIn(pass, p)?.exact === true);
    switch (node.resourceType) {
      case 'source': {
        const files = binder.catalog === 'schema-only' ? landingFiles(node, this.options.projectRoot, this.options.env) : undefined;
        if (binder.bindRelation) {
          // The warehouse's landing relation, as built.
          const described = await binder.bindRelation(pass.snapshot.compiler.relation(node));
          if (described.columns) return { ...base, origin: 'binder', exact: binder.exact, columns: described.columns };
        }
        if (files) {
          // Not cached: a new batch of files may change what the reader sniffs.
          const outcome = await binder.bindLanding(files);
          if (outcome.columns) return this.define(pass, node, { ...base, origin: 'landing', exact: binder.exact, columns: outcome.columns });
        }
        const yml = this.sourceFromYml(pass, node);
        // A source whose every declared column has a data_type is a declared schema: the binder reads it as exact.
        const declared = node.columns.length > 0 && node.columns.every((c) => c.dataType);
        const entry = await this.define(pass, node, { ...yml, exact: declared && binder.exact, ...(declared ? {} : { note: yml.columns ? 'some columns have no data_type in yml' : 'no data_type in yml and no landing files' }) });
        if (declared) {
          // The engine's own names for the declared types (`string` → VARCHAR).
          const read = await binder.bind(`select * from ${pass.snapshot.compiler.relation(node).render()}`);
          if (read.columns && read.columns.length === entry.columns?.length) entry.columns = read.columns;
        }
        return entry;
      }
      case 'seed': {
        const outcome = await binder.bindSeed(node, this.options.projectRoot);
        if (outcome.columns) return this.define(pass, node, { ...base, origin: 'seed', exact: binder.exact, columns: outcome.columns });
        return this.define(pass, node, { ...this.fromYml(node), note: outcome.problem.message });
      }
      default:
        return this.bindModel(pass, node, inputsExact);
    }
  }

  private async bindModel(pass: Pass, node: ProjectNode, inputsExact: boolean): Promise<NodeColumns> {
    const binder = this.options.binder!;
    const base = { nodeId: node.uniqueId, problems: [] as Diagnostic[], lineage: 'none' as const };
    const compiled = this.compile(pass, node.uniqueId);
    if (compiled.sql === undefined) return this.define(pass, node, { ...this.fromYml(node), note: 'does not compile' });
    if (!binder.exact) return this.parsed(pass, node);
    const sql = compiled.sql;
    const template = node.snapshotRelation === undefined && !node.hook ? pass.snapshot.analysis.project.files.get(node.file)?.text : undefined;
    const region = template !== undefined ? templateRegion(node, template) : undefined;
    const parentsKey = node.dependsOn.map((p) => `${p}=${columnsSignature(this.entryIn(pass, p))}`).join(';');
    const isSnapshot = node.resourceType === 'snapshot';
    // The parse tree (for lineage) is made while the binder binds.
    const tree = this.parseTree(sql);
    const outcome = await this.cached(`${isSnapshot ? 'snapshot' : 'query'}\u0000${parentsKey}\u0000${isSnapshot ? JSON.stringify(node.config) : ''}\u0000${sql}`, () => (isSnapshot ? binder.bindSnapshot(node, sql) : binder.bind(sql)));
    const entry: NodeColumns = { ...base, origin: 'binder', exact: false, columns: undefined, sql, ...(template !== undefined ? { template } : {}), ...(region ? { region } : {}) };
    if (outcome.problem) {
      entry.note = outcome.problem.message;
      // Unknown to the engine (an input it does not hold, a warehouse it cannot reach): a parser's names, never exact.
      const fallback = isSqlProblem(outcome.problem.kind) ? this.fromYml(node) : await this.parsed(pass, node, await tree);
      if (fallback.columns) Object.assign(entry, { origin: fallback.origin, columns: fallback.columns, lineage: fallback.lineage, ...(fallback.query ? { query: fallback.query } : {}) });
      if (binder.exact && inputsExact && isSqlProblem(outcome.problem.kind) && template !== undefined && node.packageName === pass.snapshot.analysis.project.config.name && (await this.inputsAsBuilt(pass, node))) {
        const problem = this.toDiagnostic(pass, node, outcome.problem, sql, template, region, compiled.ephemerals);
        if (problem) entry.problems.push(problem);
      }
      return this.define(pass, node, entry);
    }
    entry.exact = binder.exact && inputsExact;
    entry.columns = outcome.columns;
    // A snapshot adds dbt's four columns after its query's: lineage is traced for the query's.
    const traced = await this.traceLineage(pass, entry, sql, await tree, isSnapshot ? outcome.columns.slice(0, -4) : outcome.columns);
    if (traced && isSnapshot) entry.columns = [...traced, ...outcome.columns.slice(-4)];
    const defined = await this.define(pass, node, entry);
    if (entry.exact && template !== undefined && node.packageName === pass.snapshot.analysis.project.config.name) {
      // (On a warehouse, `{{ this }}` is the table as last built: its branch is checked by the next run, not here.)
      if (node.config.materialized === 'incremental' && this.options.binder!.catalog === 'schema-only') await this.checkIncrementalBranch(pass, node, entry, template, region);
      entry.problems.push(...ymlColumnProblems(node, entry.columns));
    }
    return defined;
  }

  /**
   * A warehouse binder binds against the tables as last built, which may lag behind the project (a
   * column added upstream and not built yet). Its verdict counts only when every input, as built,
   * has the columns the project gives it.
   */
  private async inputsAsBuilt(pass: Pass, node: ProjectNode): Promise<boolean> {
    const binder = this.options.binder!;
    if (binder.catalog === 'schema-only' || !binder.bindRelation) return true;
    for (const id of node.dependsOn) {
      const parent = pass.snapshot.analysis.project.nodes.get(id);
      if (!parent || parent.config.materialized === 'ephemeral') continue;
      const expected = this.entryIn(pass, id)?.columns;
      const built = await binder.bindRelation(pass.snapshot.compiler.relation(parent));
      if (!expected || !built.columns) return false;
      const names = (cols: ColumnDef[]): string => cols.map((c) => c.name.toLowerCase()).sort().join(',');
      if (names(expected) !== names(built.columns)) return false;
    }
    return true;
  }

  /**
   * An incremental model's `is_incremental()` branch is compiled too and bound with the model's own
   * relation present (what `{{ this }}` reads on an incremental run), so errors there are found as well.
   */
  private async checkIncrementalBranch(pass: Pass, node: ProjectNode, entry: NodeColumns, template: string, region: Span | undefined): Promise<void> {
    pass.incrementalCompiler ??= new Compiler(pass.snapshot.analysis, { ...pass.snapshot.compiler.options, relationExists: () => true });
    const result = pass.incrementalCompiler.compile(node.uniqueId);
    if (result.sql === undefined || result.sql === entry.sql) return;
    const sql = result.sql;
    const outcome = await this.cached(`incremental\u0000${columnsSignature(entry)}\u0000${node.dependsOn.map((p) => columnsSignature(this.entryIn(pass, p))).join(';')}\u0000${sql}`, () => this.options.binder!.bind(sql));
    if (outcome.problem && isSqlProblem(outcome.problem.kind)) {
      const problem = this.toDiagnostic(pass, node, outcome.problem, sql, template, region, result.ephemerals, ' (in the is_incremental() branch)');
      if (problem) entry.problems.push(problem);
    }
  }

  /**
   * Columns as a parser reads the compiled SQL (no engine judged it): output names and lineage from
   * DuckDB's parse tree (node-sql-parser where DuckDB cannot parse it), types from yml. Never exact.
   */
  private async parsed(pass: Pass, node: ProjectNode, known?: { tree: unknown; own: boolean }): Promise<NodeColumns> {
    const yml = this.fromYml(node);
    const sql = this.compile(pass, node.uniqueId).sql;
    if (sql === undefined) return { ...yml, note: 'does not compile' };
    // Backtick-quoted names (Databricks) read as DuckDB's double-quoted ones; same length, same positions.
    const readable = backticksToQuotes(sql);
    const parsed = known?.tree ? known : await this.parseTree(readable);
    const entry: NodeColumns = { ...yml, origin: yml.columns ? 'yml' : 'unknown', exact: false, sql, problems: [] };
    const template = node.snapshotRelation === undefined && !node.hook ? pass.snapshot.analysis.project.files.get(node.file)?.text : undefined;
    if (template !== undefined) {
      entry.template = template;
      const region = templateRegion(node, template);
      if (region) entry.region = region;
    }
    const query = parsed.tree ? analyzeQuery(parsed.tree, readable, this.lookup(pass), undefined) : undefined;
    if (query?.outputNames) {
      const declared = new Map(node.columns.map((c) => [c.name.toLowerCase(), c.dataType]));
      entry.origin = 'parser';
      entry.query = query;
      entry.lineage = 'parser';
      entry.columns = query.outputNames.map((name, i) => {
        const type = declared.get(name.toLowerCase());
        return { name, ...(type ? { type } : {}), ...(query.lineage[i] ? { from: query.lineage[i] } : {}) };
      });
      if (node.resourceType === 'snapshot') entry.columns.push(...['dbt_scd_id', 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to'].map((name) => ({ name })));
      return entry;
    }
    const edges = this.options.fallbackLineage?.(sql);
    if (!edges || !yml.columns) return entry;
    entry.lineage = 'parser';
    entry.columns = yml.columns.map((c) => {
      const from = edges
        .filter((e) => e.toColumn.toLowerCase() === c.name.toLowerCase())
        .map((e) => ({ nodeId: pass.relationIndex.get(e.fromTable.replace(/["`]/g, '').toLowerCase()), column: e.fromColumn }))
        .filter((r): r is { nodeId: string; column: string } => r.nodeId !== undefined);
      return from.length ? { ...c, from } : c;
    });
    return entry;
  }

  /** DuckDB's parse tree: the binder's own (the engine's reading of the SQL), else the parser's (not exact for another engine). */
  private async parseTree(sql: string): Promise<{ tree: unknown; own: boolean }> {
    const own = await this.options.binder?.parseTree(sql).catch(() => undefined);
    if (own) return { tree: own, own: true };
    return { tree: await this.options.parser?.parseTree(sql).catch(() => undefined), own: false };
  }

  /** Traces the bound columns to their upstream columns; returns them with `from` set (undefined when untraced). */
  private async traceLineage(pass: Pass, entry: NodeColumns, sql: string, parsed: { tree: unknown; own: boolean }, bound: ColumnDef[]): Promise<OutputColumn[] | undefined> {
    const { tree, own } = parsed;
    const query = tree ? analyzeQuery(tree, sql, this.lookup(pass), bound) : undefined;
    if (query) {
      entry.query = query;
      entry.lineage = own && this.options.binder?.exact ? 'engine' : 'parser';
      return (entry.columns = bound.map((c, i) => (query.lineage[i] ? { ...c, from: query.lineage[i] } : c)));
    }
    const edges = this.options.fallbackLineage?.(sql);
    if (!edges) return undefined;
    entry.lineage = 'parser';
    return (entry.columns = bound.map((c) => {
      const from = edges
        .filter((e) => e.toColumn.toLowerCase() === c.name.toLowerCase())
        .map((e) => ({ nodeId: pass.relationIndex.get(e.fromTable.replace(/["`]/g, '').toLowerCase()), column: e.fromColumn }))
        .filter((r): r is { nodeId: string; column: string } => r.nodeId !== undefined);
      return from.length ? { ...c, from } : c;
    }));
  }

  /** Names in FROM → nodes and their columns in this pass. */
  private lookup(pass: Pass): RelationLookup {
    const target = pass.snapshot.compiler.options.target;
    const defaultSchema = target.type === 'duckdb' ? 'main' : target.schema;
    return ({ catalog, schema, table }) => {
      const id = pass.relationIndex.get(relationKey(catalog ?? target.database, schema ?? defaultSchema, table)) ?? (catalog === undefined && schema !== undefined ? pass.relationIndex.get(relationKey(schema, 'main', table)) : undefined);
      if (!id) return undefined;
      const entry = this.entryIn(pass, id);
      if (!entry) return { nodeId: id, columns: undefined };
      // One array per version of a node's columns, shared by every model reading it.
      let columns = relationColumns.get(entry);
      if (!columns) relationColumns.set(entry, (columns = asRelationColumns(id, entry.columns) ?? []));
      return { nodeId: id, columns: entry.columns ? columns : undefined };
    };
  }

  /** Puts the node's relation into the binder's catalog (or takes it out when its columns are unknown). */
  private async define(pass: Pass, node: ProjectNode, entry: NodeColumns): Promise<NodeColumns> {
    const binder = this.options.binder;
    if (!binder || node.config.materialized === 'ephemeral') return entry;
    let relation;
    try {
      relation = pass.snapshot.compiler.relation(node);
    } catch {
      return entry;
    }
    if (relation.type === 'cte' || relation.type === 'external') return entry;
    // Not awaited: the binder runs its calls in order, so whatever binds next sees this relation,
    // and meanwhile the next node compiles.
    void binder.define(relation, entry.columns?.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}) }))).catch(() => undefined);
    return entry;
  }

  private async cached(key: string, bind: () => Promise<BindOutcome>): Promise<BindOutcome> {
    const hit = this.bindCache.get(key);
    if (hit) return hit;
    const outcome = await bind();
    if (this.bindCache.size > 50_000) this.bindCache.clear();
    this.bindCache.set(key, outcome);
    return outcome;
  }

  /** A source's yml columns; a landing table's relation also names each row's file (`_landing_file`). */
  private sourceFromYml(pass: Pass, node: ProjectNode): NodeColumns {
    const yml = this.fromYml(node);
    if (!yml.columns || !landingSpec(node) || yml.columns.some((c) => c.name.toLowerCase() === LANDING_FILE)) return yml;
    const type = pass.snapshot.compiler.options.target.type === 'duckdb' ? 'VARCHAR' : 'string';
    return { ...yml, columns: [...yml.columns, { name: LANDING_FILE, type }] };
  }

  private fromYml(node: ProjectNode): NodeColumns {
    const typed = node.columns.length > 0;
    return {
      nodeId: node.uniqueId,
      origin: typed ? 'yml' : 'unknown',
      exact: false,
      columns: typed ? node.columns.map((c) => ({ name: c.name, ...(c.dataType ? { type: c.dataType } : {}) })) : undefined,
      lineage: 'none',
      problems: [],
      ...(typed ? {} : { note: 'no columns declared in yml' }),
    };
  }

  /** An engine problem → a diagnostic at the model's own line and column (none when it lies in an inlined ephemeral). */
  private toDiagnostic(pass: Pass, node: ProjectNode, problem: BindProblem, sql: string, template: string, region: Span | undefined, ephemerals: string[], where = ''): Diagnostic | undefined {
    const target = pass.snapshot.compiler.options.target;
    const code: DiagnosticCode = problem.kind === 'column-unknown' ? 'column-unknown' : problem.kind === 'column-ambiguous' ? 'column-ambiguous' : problem.kind === 'type-mismatch' ? 'type-mismatch' : 'sql-bind';
    const message = `${target.type === 'duckdb' ? 'DuckDB' : 'Databricks'} (target ${target.name})${where}: ${problem.message.replace(/^Binder Error: /, '')}`;
    if (problem.offset === undefined) {
      const span = node.nameSpan ?? firstLine(template, region);
      return { code, severity: 'error', file: node.file, span, message };
    }
    // An error inside an ephemeral parent's inlined SQL belongs to that parent (which reports it itself).
    for (const id of ephemerals) {
      const inner = this.compile(pass, id).sql;
      const parent = pass.snapshot.analysis.project.nodes.get(id);
      if (inner === undefined || !parent) continue;
      // The CTE is named after the parent's identifier (`__dbt__cte__` + its alias).
      const cte = pass.snapshot.compiler.relation(parent).identifier;
      const at = sql.indexOf(`${cte} as (\n${inner}\n)`);
      if (at >= 0 && problem.offset >= at && problem.offset < at + inner.length + cte.length + 8) return undefined;
    }
    const chain = identifierChain(sql, problem.offset);
    const part = problem.name ? chain.find((p) => p.name.toLowerCase() === problem.name!.toLowerCase()) : undefined;
    const compiledSpan = part?.span ?? (chain.length ? { start: chain[0]!.span.start, end: chain[chain.length - 1]!.span.end } : { start: problem.offset, end: problem.offset + 1 });
    const map = new SpanMap(template, sql, region);
    const mapped = map.spanToSource(compiledSpan);
    const diagnostic: Diagnostic = { code, severity: 'error', file: node.file, span: mapped.span, message };
    const candidates = /Candidate bindings: (.*)$/m.exec(problem.message)?.[1];
    if (mapped.exact && code === 'column-unknown' && candidates) {
      const names = [...candidates.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).map((n) => n.split('.').pop()!);
      if (names.length) diagnostic.suggestions = [...new Set(names)].slice(0, 3);
    }
    return diagnostic;
  }
}

function relationKey(database: string | undefined, schema: string | undefined, table: string): string {
  return `${(database ?? '').toLowerCase()}.${(schema ?? '').toLowerCase()}.${table.toLowerCase()}`;
}

/** `a`.`b` → "a"."b" outside string literals (same length: positions are kept). */
function backticksToQuotes(sql: string): string {
  if (!sql.includes('`')) return sql;
  let out = '';
  let quote: string | undefined;
  for (const c of sql) {
    if (quote) {
      if (c === quote) quote = undefined;
      out += quote === undefined && c === '`' ? '"' : c;
      continue;
    }
    if (c === "'" || c === '`') quote = c;
    out += c === '`' ? '"' : c;
  }
  return out;
}

/** The part of a file a node's SQL is rendered from: a snapshot block's inside, else the whole file. */
function templateRegion(node: ProjectNode, text: string): Span | undefined {
  if (node.resourceType === 'snapshot' && node.blockSpan) {
    const open = text.indexOf('%}', node.blockSpan.start) + 2;
    const close = text.lastIndexOf('{%', node.blockSpan.end - 1);
    if (open >= 2 && close >= open) return { start: open, end: close };
  }
  return undefined;
}

function firstLine(text: string, region: Span | undefined): Span {
  const start = region?.start ?? 0;
  const end = text.indexOf('\n', start);
  return { start, end: end < 0 ? text.length : end };
}

/** The landing files of a source as a run would read them, when they are on this machine (or cached from S3). */
function landingFiles(node: ProjectNode, projectRoot: string, env: Record<string, string | undefined>): LandingFiles | undefined {
  const spec = landingSpec(node);
  if (!spec || (spec.format !== 'csv' && spec.format !== 'parquet' && spec.format !== 'json')) return undefined;
  const options = landingOptionsFromEnv(projectRoot, env);
  try {
    const location = parseLocation(tableLocation(node, spec.location, options), projectRoot);
    const dir = location.kind === 'local' ? location.path : join(projectRoot, 'target', 'landing-cache', node.source!.sourceName, node.name);
    return landingFilesAt(spec, dir, projectRoot, true);
  } catch {
    // No folder, no files: the source's columns come from yml.
    return undefined;
  }
}
