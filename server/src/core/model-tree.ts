/**
 * A project's runnable nodes grouped by layer, for an editor's tree: the configured layers from
 * upstream to downstream, then "other" (nodes in no configured layer, seeds among them). Only the
 * project's own sources, seeds, models and snapshots; installed packages' nodes are left out.
 */
import type { Analysis } from './analysis';
import { nodeLocation, type Location } from './ide';
import type { ProjectNode } from './model';

export const OTHER_LAYER = 'other';

export interface TreeNode {
  uniqueId: string;
  /** `source.table` for sources, else the node's name. */
  name: string;
  resourceType: 'source' | 'seed' | 'model' | 'snapshot';
  /** The node's own layer (`seed` for seeds), or null. */
  layer: string | null;
  materialized: string;
  location: Location;
}

export interface TreeLayer {
  /** A configured layer name, or `other`. */
  name: string;
  nodes: TreeNode[];
}

const SHOWN = new Set(['source', 'seed', 'model', 'snapshot']);

export function modelTree(analysis: Analysis): TreeLayer[] {
  const { project, graph } = analysis;
  const names = graph.layers.names;
  const byLayer = new Map<string, TreeNode[]>([...names, OTHER_LAYER].map((n) => [n, []]));
  for (const node of project.nodes.values()) {
    if (!SHOWN.has(node.resourceType) || node.packageName !== project.config.name) continue;
    const layer = node.layer !== undefined && names.includes(node.layer) ? node.layer : OTHER_LAYER;
    byLayer.get(layer)!.push(treeNode(node));
  }
  const order = (a: TreeNode, b: TreeNode): number => a.name.localeCompare(b.name);
  return [...byLayer].map(([name, nodes]) => ({ name, nodes: nodes.sort(order) }));
}

function treeNode(node: ProjectNode): TreeNode {
  return {
    uniqueId: node.uniqueId,
    name: node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name,
    resourceType: node.resourceType as TreeNode['resourceType'],
    layer: node.layer ?? null,
    materialized: node.config.materialized,
    location: nodeLocation(node),
  };
}
