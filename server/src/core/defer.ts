/**
 * `--defer` as dbt-core does it (Manifest.merge_from_artifact, RuntimeRefResolver.create_relation):
 * a model, seed or snapshot that the state manifest holds (not ephemeral there) may be read from
 * the relation recorded in that state instead of this environment's. The run decides per ref:
 * with `--favor-state`, every node outside the selection is deferred; without it, only those whose
 * own relation does not exist here. Selected nodes are built in this run and never deferred. Pure.
 */
import type { ProjectGraph } from './graph';
import type { StateManifest } from './state';

export interface DeferTarget {
  database: string | null;
  schema: string;
  alias: string;
}

const REFABLE = new Set(['model', 'seed', 'snapshot']);

/** The state's relation for each current node dbt could defer (refable, present in both, not ephemeral in the state). */
export function deferTargets(graph: ProjectGraph, state: StateManifest): Map<string, DeferTarget> {
  const out = new Map<string, DeferTarget>();
  for (const [id, node] of state.nodes) {
    const current = graph.node(id);
    const config = (node.config ?? {}) as Record<string, unknown>;
    if (!current || !REFABLE.has(node.resource_type) || config.materialized === 'ephemeral') continue;
    if (typeof node.schema !== 'string' || typeof node.alias !== 'string') continue;
    out.set(id, { database: typeof node.database === 'string' ? node.database : null, schema: node.schema, alias: node.alias });
  }
  return out;
}

/**
 * The unselected nodes the selection reads (through ephemeral models, which are inlined): the only
 * refs a run resolves that deferral can change.
 */
export function unselectedParents(graph: ProjectGraph, selected: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (id: string): void => {
    for (const parent of graph.node(id)?.dependsOn ?? []) {
      if (selected.has(parent) || seen.has(parent)) continue;
      seen.add(parent);
      const node = graph.node(parent);
      if (node?.resourceType === 'model' && node.config.materialized === 'ephemeral') visit(parent);
      else out.add(parent);
    }
  };
  for (const id of selected) visit(id);
  return out;
}
