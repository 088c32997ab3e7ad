/**
 * Runs selected nodes in dependency order on an engine with N workers. A failure skips its
 * descendants and nothing else; in `build`, a model's children also wait for its tests.
 * Cancelling (Ctrl-C, the editor's cancel) interrupts running statements and stops scheduling.
 */
import type { Analysis } from '../core/analysis';
import type { Compiler } from '../core/compiler';
import type { ProjectNode } from '../core/model';
import { selectNodes } from '../core/selector';
import type { PreviousState, StateManifest } from '../core/state';
import { Relation } from '../core/compiler/relation';
import { deferTargets, unselectedParents } from '../core/defer';
import type { FileReader } from '../core/state-view';
import { LineIndex } from '../core/text';
import type { Engine, EngineSession } from '../engines/engine';
import { EngineError } from '../engines/engine';
import { contractOf } from '../core/contracts';
import { checkContract, contractReferences } from './contracts';
import { landingSpec, loadLandingTables, type LandingSpec } from './landing';
import { runDataTest, runUnitTest } from './tests';
import { isFailure, type LandingOutcome, type NodeResult, type NodeStatus, type RunCommand, type RunEvent, type RunSummary } from './types';

export interface RunRequest {
  command: RunCommand;
  select?: string[];
  exclude?: string[];
  threads: number;
  fullRefresh?: boolean;
  /** dbt's `--store-failures`: data tests whose store_failures config is not set store their failing rows in a table. */
  storeFailures?: boolean;
  failFast?: boolean;
  /** Narrows the command's resource types (dbt's `--resource-type`), e.g. a build without tests. */
  resourceTypes?: string[];
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Local folder for a landing location (S3 locations are synced first); identity by default. */
  landingDir?: (spec: LandingSpec) => Promise<string>;
  /** `--state DIR`: what `result:`, `source_status:` and `state:` selectors compare with. */
  state?: PreviousState;
  /** Run exactly these nodes instead of selecting (`retry`: what did not succeed last time). */
  onlyIds?: ReadonlySet<string>;
  /** Reads project files the loader does not keep (seeds, for `state:` selection). */
  readFile?: FileReader;
  /**
   * `--defer`: unselected nodes read from the state's relations (all of them with `favorState`,
   * else those missing here). The compiler reads `relations`, which the run fills before it starts.
   */
  defer?: { manifest: StateManifest; favorState: boolean; relations: Map<string, Relation> };
}

const RESOURCE_TYPES: Record<RunCommand, string[]> = {
  // dbt's build also lists exposures, as no-ops (skipped when what they read failed).
  build: ['model', 'seed', 'snapshot', 'test', 'unit_test', 'exposure'],
  run: ['model'],
  test: ['test', 'unit_test'],
  seed: ['seed'],
  snapshot: ['snapshot'],
};

/**
 * The compiler must be built with `relationExists` reading `known` (filled here before each
 * compile), so is_incremental() sees the warehouse as it is when the node starts.
 */
export async function runNodes(analysis: Analysis, engine: Engine, compiler: Compiler, known: Map<string, boolean>, targetName: string, request: RunRequest): Promise<RunSummary> {
  const started = performance.now();
  const { graph } = analysis;
  // A listener that throws must not stop the run (the scheduler runs inside these calls).
  const emit = (e: RunEvent): void => {
    try {
      request.onEvent?.(e);
    } catch {
      // the listener's problem, not the run's
    }
  };
  const types = RESOURCE_TYPES[request.command].filter((t) => !request.resourceTypes?.length || request.resourceTypes.includes(t));
  const selection = request.onlyIds
    ? { ids: new Set([...request.onlyIds].filter((id) => graph.node(id) !== undefined)) }
    : selectNodes(graph, { select: request.select ?? [], exclude: request.exclude ?? [], resourceTypes: types, ...(request.state ? { state: request.state } : {}), ...(request.readFile ? { readFile: request.readFile } : {}) });
  const selected = graph.topologicalOrder(selection.ids).map((id) => graph.node(id)!);
  const results = new Map<string, NodeResult>();
  const landingResults: NodeResult[] = [];
  const running = new Set<string>();
  const summary: RunSummary = { command: request.command, target: targetName, results: [], elapsedSeconds: 0, cancelled: false, landing: [] };
  const controller = new AbortController();
  const abort = (): void => {
    controller.abort();
    engine.cancelAll();
  };
  request.signal?.addEventListener('abort', abort, { once: true });
  if (request.signal?.aborted) abort();

  try {
    // Landing zone: views over the raw files of every source the selection reads.
    const selectedIds = new Set(selected.map((n) => n.uniqueId));
    const specs = [...analysis.project.nodes.values()]
      .map(landingSpec)
      .filter((s): s is LandingSpec => s !== undefined && (graph.children.get(s.node.uniqueId) ?? []).some((c) => selectedIds.has(c)));
    const landingFailed = new Set<string>();
    if (specs.length > 0 && request.command !== 'test' && !controller.signal.aborted) {
      emit({ kind: 'phase', message: `landing: ${specs.length} source tables` });
      // Cancelled before landing: no session; the scheduler below reports every node cancelled.
      const session = await engine.acquire(controller.signal).catch((err: unknown) => {
        if (controller.signal.aborted) return undefined;
        throw err;
      });
      if (session) {
        try {
          summary.landing = await loadLandingTables(engine, session, compiler, specs, analysis.project.root, request.landingDir ?? (async (s) => s.location), controller.signal);
        } finally {
          engine.release(session);
        }
      }
      for (const outcome of summary.landing) {
        emit({ kind: 'phase', message: describeLanding(outcome) });
        if (outcome.error === undefined) continue;
        landingFailed.add(outcome.uniqueId);
        const node = graph.node(outcome.uniqueId)!;
        landingResults.push({ ...skipped(node, 'error', `landing ${outcome.source} failed: ${outcome.error}`), relation: outcome.relation });
      }
    }

    if (request.defer && !controller.signal.aborted) {
      const deferred = await decideDeferral(analysis, engine, compiler, selectedIds, request.defer, controller.signal);
      if (deferred.length > 0) emit({ kind: 'phase', message: `defer: ${deferred.length} unselected node${deferred.length === 1 ? '' : 's'} read from the state (${deferred.slice(0, 5).join(', ')}${deferred.length > 5 ? ', …' : ''})` });
    }

    // Effective dependencies inside the selection. In build, children also wait for their parents' tests.
    const deps = new Map<string, Set<string>>();
    for (const node of selected) {
      const set = new Set(node.dependsOn.filter((p) => selectedIds.has(p)));
      if (request.command === 'build') {
        for (const parent of node.dependsOn) {
          for (const sibling of graph.children.get(parent) ?? []) {
            const s = graph.node(sibling)!;
            if (selectedIds.has(sibling) && sibling !== node.uniqueId && (s.resourceType === 'test' || s.resourceType === 'unit_test') && node.resourceType !== 'test' && node.resourceType !== 'unit_test' && !s.dependsOn.includes(node.uniqueId)) set.add(sibling);
          }
        }
        // A model waits for its own unit tests.
        for (const child of graph.children.get(node.uniqueId) ?? []) {
          const c = graph.node(child)!;
          if (c.resourceType === 'unit_test' && selectedIds.has(child)) {
            set.add(child);
            deps.get(child)?.delete(node.uniqueId);
          }
        }
      }
      deps.set(node.uniqueId, set);
    }
    // Unit tests run before their model: they depend on the model's parents, not the model.
    for (const node of selected) {
      if (node.resourceType !== 'unit_test') continue;
      const model = graph.resolveRef(node.unitTest!.model);
      const set = deps.get(node.uniqueId)!;
      if (model) {
        set.delete(model.uniqueId);
        for (const p of model.dependsOn) if (selectedIds.has(p)) set.add(p);
      }
    }

    const total = selected.length;
    let index = 0;
    const pending = new Set(selected.map((n) => n.uniqueId));
    const failedAncestors = new Map<string, string>();
    const threads = Math.max(1, request.threads);
    // Thread names as dbt's: a worker slot per running node, never two running nodes on one name.
    const freeSlots = Array.from({ length: threads }, (_, i) => threads - i);

    // Ready queue by remaining-dependency counts: O(edges) scheduling, in topological preference order.
    const order = new Map(selected.map((n, i) => [n.uniqueId, i]));
    const remaining = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    for (const node of selected) {
      const d = deps.get(node.uniqueId)!;
      remaining.set(node.uniqueId, d.size);
      for (const p of d) {
        const list = dependents.get(p);
        if (list) list.push(node.uniqueId);
        else dependents.set(p, [node.uniqueId]);
      }
    }
    const readyIds: string[] = selected.filter((n) => remaining.get(n.uniqueId) === 0).map((n) => n.uniqueId);
    const settle = (id: string): void => {
      for (const child of dependents.get(id) ?? []) {
        const left = remaining.get(child)! - 1;
        remaining.set(child, left);
        if (left === 0) {
          // Keep the queue in topological order so output and scheduling are deterministic.
          const at = order.get(child)!;
          let i = readyIds.length;
          while (i > 0 && order.get(readyIds[i - 1]!)! > at) i--;
          readyIds.splice(i, 0, child);
        }
      }
    };
    // Every node is reported exactly once: the first result stands.
    const report = (result: NodeResult, at?: number): void => {
      if (results.has(result.uniqueId)) return;
      results.set(result.uniqueId, result);
      pending.delete(result.uniqueId);
      emit({ kind: 'finish', result, index: at ?? ++index, total });
    };

    await new Promise<void>((resolveAll) => {
      let active = 0;
      let resolved = false;
      const pump = (): void => {
        if (resolved) return;
        if (controller.signal.aborted) {
          // Nothing starts after a cancel: whatever has not started is reported cancelled, once.
          readyIds.length = 0;
          for (const id of [...pending]) {
            if (!running.has(id)) report(skipped(graph.node(id)!, 'cancelled', 'cancelled before it started'));
          }
        }
        while (active < threads && !controller.signal.aborted) {
          const id = readyIds.shift();
          if (id === undefined) break;
          const node = graph.node(id)!;
          if (!pending.has(id)) continue;
          const blocker = [...deps.get(id)!].find((p) => isBlocking(results.get(p)!)) ?? node.dependsOn.find((p) => landingFailed.has(p));
          if (blocker) {
            const cause = failedAncestors.get(blocker) ?? blocker;
            failedAncestors.set(id, cause);
            const causeNode = graph.node(cause)!;
            const what = causeNode.resourceType === 'source' ? `source ${causeNode.source!.sourceName}.${causeNode.name} failed to load` : `${causeNode.name} failed`;
            report(skipped(node, 'skipped', `skipped: ${what}`));
            settle(id);
            continue;
          }
          active++;
          running.add(id);
          const slot = freeSlots.pop()!;
          const thread = `Thread-${slot}`;
          const myIndex = ++index;
          emit({ kind: 'start', node, index: myIndex, total, thread });
          void executeNode(analysis, engine, compiler, known, node, request, controller.signal, thread)
            .catch((err: unknown): NodeResult => ({ ...skipped(node, 'error', err instanceof Error ? err.message : String(err)), thread }))
            .then((result) => {
              running.delete(id);
              active--;
              freeSlots.push(slot);
              freeSlots.sort((a, b) => b - a);
              report(result, myIndex);
              settle(id);
              if (request.failFast && isFailure(result.status)) abort();
              pump();
            });
        }
        if (active === 0 && pending.size === 0) {
          resolved = true;
          resolveAll();
        } else if (active === 0 && readyIds.length === 0) {
          // Only possible with a dependency cycle inside the selection: report, do not hang.
          for (const id of [...pending]) report(skipped(graph.node(id)!, 'skipped', 'skipped: part of a dependency cycle'));
          resolved = true;
          resolveAll();
        }
      };
      // A cancel while nothing is running still has to settle the queue.
      controller.signal.addEventListener('abort', () => queueMicrotask(pump), { once: true });
      pump();
    });
    summary.results = [...landingResults, ...selected.map((n) => results.get(n.uniqueId)!).filter(Boolean)];
  } catch (err) {
    summary.fatal = (err as Error).message;
  } finally {
    request.signal?.removeEventListener('abort', abort);
  }
  summary.cancelled = controller.signal.aborted;
  summary.elapsedSeconds = (performance.now() - started) / 1000;
  return summary;
}

/**
 * Which unselected parents of the selection read the state's relation (dbt's create_relation):
 * all of them with favor-state, else those whose relation does not exist in this target.
 */
async function decideDeferral(analysis: Analysis, engine: Engine, compiler: Compiler, selected: Set<string>, defer: NonNullable<RunRequest['defer']>, signal: AbortSignal): Promise<string[]> {
  const targets = deferTargets(analysis.graph, defer.manifest);
  const names: string[] = [];
  const parents = [...unselectedParents(analysis.graph, selected)].filter((id) => targets.has(id));
  if (parents.length === 0) return names;
  const session = await engine.acquire(signal);
  try {
    for (const id of parents) {
      const node = analysis.graph.node(id)!;
      if (!defer.favorState && (await session.relationInfo(compiler.relation(node), { columns: false }))) continue;
      const t = targets.get(id)!;
      defer.relations.set(id, new Relation(engine.dialect, t.database ?? undefined, t.schema, t.alias));
      names.push(node.name);
    }
  } finally {
    engine.release(session);
  }
  return names;
}

/** One line per landing table: what it loaded, what it set aside, or why it failed. */
function describeLanding(o: LandingOutcome): string {
  if (o.error !== undefined) return `landing ${o.source}: ERROR ${o.error}`;
  const parts = [o.files >= 0 ? `${o.files} file${o.files === 1 ? '' : 's'}` : undefined, o.rows !== undefined ? `${o.rows} rows` : undefined, o.rejected !== undefined ? `${o.rejected} rejected into ${o.rejectsRelation}` : undefined].filter(Boolean);
  return `landing ${o.source}: ${parts.length ? parts.join(', ') : 'ready'}`;
}

/** Failed tests (severity error) block children in build; warnings do not. */
function isBlocking(result: NodeResult): boolean {
  return result.status === 'error' || result.status === 'fail' || result.status === 'skipped' || result.status === 'cancelled';
}

function skipped(node: ProjectNode, status: NodeStatus, message: string): NodeResult {
  const now = new Date().toISOString();
  return { uniqueId: node.uniqueId, name: node.name, resourceType: node.resourceType, status, message, seconds: 0, startedAt: now, completedAt: now, thread: '', file: node.file };
}

async function executeNode(analysis: Analysis, engine: Engine, compiler: Compiler, known: Map<string, boolean>, node: ProjectNode, request: RunRequest, signal: AbortSignal, thread: string): Promise<NodeResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const base = { uniqueId: node.uniqueId, name: node.name, resourceType: node.resourceType, file: node.file, thread, startedAt: startedAt.toISOString() };
  const done = (status: NodeStatus, message: string, extra: Partial<NodeResult> = {}): NodeResult => ({
    ...base,
    status,
    message,
    seconds: (performance.now() - t0) / 1000,
    completedAt: new Date().toISOString(),
    ...extra,
  });
  if (node.resourceType === 'exposure') return done('no-op', 'NO-OP');
  let session: EngineSession | undefined;
  let compiledSql: string | undefined;
  try {
    session = await engine.acquire(signal);
    if (node.resourceType === 'unit_test') {
      const outcome = await runUnitTest(engine, session, compiler, analysis.graph, node, signal);
      return done(outcome.status, outcome.message, { failures: outcome.failures, ...(outcome.sql ? { compiledSql: outcome.sql } : {}), ...(outcome.file ? { file: outcome.file } : {}), ...(outcome.line ? { line: outcome.line } : {}) });
    }
    let relation = node.resourceType === 'test' ? undefined : compiler.relation(node);
    // is_incremental() needs to know whether the table is there; nothing else does.
    if (relation && node.config.materialized === 'incremental') {
      const info = await session.relationInfo(relation, { columns: false });
      known.set(node.uniqueId, info?.type === 'table');
    }
    let sql = '';
    if (node.resourceType !== 'seed') {
      const compiled = compiler.compile(node.uniqueId);
      if (compiled.sql === undefined) {
        const d = compiled.diagnostics[0];
        const text = analysis.project.files.get(d?.file ?? '')?.text;
        const line = d?.span && text ? new LineIndex(text).position(d.span.start).line + 1 : undefined;
        return done('error', d?.message ?? 'compilation failed', line ? { line, file: d!.file } : {});
      }
      sql = compiled.sql;
      compiledSql = sql;
    }
    if (node.resourceType === 'test') {
      const outcome = await runDataTest(engine, session, compiler, node, sql, signal, Boolean(request.storeFailures));
      return done(outcome.status, outcome.message, { failures: outcome.failures, compiledSql: sql });
    }
    relation = relation ?? compiler.relation(node);
    if (node.config.materialized === 'ephemeral') return done('success', 'ephemeral: inlined where used', { compiledSql: sql });
    const contract = contractOf(node);
    if (contract) {
      const failure = await checkContract(engine, session, node, contract, sql, signal);
      if (failure) return done('error', failure, { compiledSql: sql });
    }
    await engine.ensureSchema(session, relation.database, relation.schema!, signal);
    const enforced = contract?.enforcesConstraints ? { contract, references: contractReferences(analysis.graph, compiler, contract) } : {};
    const result = await engine.materialize(session, { node, relation, sql, fullRefresh: Boolean(request.fullRefresh), signal, projectRoot: analysis.project.root, ...enforced });
    known.set(node.uniqueId, true);
    return done('success', result.message, { ...(result.rowsAffected !== undefined ? { rows: result.rowsAffected } : {}), relation: relation.render(), compiledSql: sql });
  } catch (err) {
    if (signal.aborted) return done('cancelled', 'cancelled', compiledSql ? { compiledSql } : {});
    // The engine's own text (with its LINE n of the statement it ran) is the message; the node's file is named in the result.
    const message = err instanceof EngineError || err instanceof Error ? err.message : String(err);
    return done('error', message, compiledSql ? { compiledSql } : {});
  } finally {
    if (session) engine.release(session);
  }
}
