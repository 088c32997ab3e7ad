/**
 * A project's runnable nodes for an editor's tree. With layers (`graph.layered`): grouped by layer,
 * the layers in use from upstream to downstream, then "other" (nodes in no layer, seeds among
 * them). Without: the project's folders, nested, each with how many nodes it holds. Only the
 * project's own sources, seeds, models and snapshots; installed packages' nodes are left out.
 * Exposures (what reads the project from outside: dashboards, notebooks) are listed on their own.
 */
import type { Analysis } from './analysis';
import { nodeLocation, type Location } from './ide';
import { folderOf } from './lineage';
import type { ProjectNode } from './model';

export const OTHER_LAYER = 'other';

export interface TreeNode {
  uniqueId: string;
  /** `source.table` for sources, else the node's name. */
  name: string;
  resourceType: 'source' | 'seed' | 'model' | 'snapshot' | 'exposure';
  /** The node's own layer (`seed` for seeds), or null. */
  layer: string | null;
  /** The materialization (an exposure: its type, e.g. `dashboard`). */
  materialized: string;
  location: Location;
}

export interface TreeLayer {
  /** A configured layer name, or `other`. */
  name: string;
  nodes: TreeNode[];
}

const SHOWN = new Set(['source', 'seed', 'model', 'snapshot']);

export interface TreeFolder {
  /** The folder's own name (`stripe`). */
  name: string;
  /** Relative to the project root (`models/staging/stripe`). */
  path: string;
  folders: TreeFolder[];
  nodes: TreeNode[];
  /** Nodes in this folder and every folder below it. */
  count: number;
}

function ownNodes(analysis: Analysis): ProjectNode[] {
  const { project } = analysis;
  return [...project.nodes.values()].filter((node) => SHOWN.has(node.resourceType) && node.packageName === project.config.name);
}

/** Layers of a layered project (see the file comment); empty for a project without layers. */
export function modelTree(analysis: Analysis): TreeLayer[] {
  const { graph } = analysis;
  if (!graph.layered) return [];
  const names = graph.layerNames;
  const byLayer = new Map<string, TreeNode[]>([...names, OTHER_LAYER].map((n) => [n, []]));
  for (const node of ownNodes(analysis)) {
    const layer = node.layer !== undefined && names.includes(node.layer) ? node.layer : OTHER_LAYER;
    byLayer.get(layer)!.push(treeNode(node));
  }
  return [...byLayer].map(([name, nodes]) => ({ name, nodes: nodes.sort(byName) }));
}

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

/** The project's folders holding nodes, nested from the resource paths down (models/, seeds/...). */
export function folderTree(analysis: Analysis): TreeFolder[] {
  const roots: TreeFolder[] = [];
  const byPath = new Map<string, TreeFolder>();
  const folder = (path: string): TreeFolder => {
    const known = byPath.get(path);
    if (known) return known;
    const cut = path.lastIndexOf('/');
    const made: TreeFolder = { name: cut < 0 ? path : path.slice(cut + 1), path, folders: [], nodes: [], count: 0 };
    byPath.set(path, made);
    (cut < 0 ? roots : folder(path.slice(0, cut)).folders).push(made);
    return made;
  };
  for (const node of ownNodes(analysis)) {
    const path = folderOf(analysis.project, node.file).folder;
    folder(path).nodes.push(treeNode(node));
    for (let p: string | undefined = path; p !== undefined; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : undefined) byPath.get(p)!.count++;
  }
  const sort = (list: TreeFolder[]): TreeFolder[] => {
    for (const f of list) {
      f.nodes.sort(byName);
      sort(f.folders);
    }
    return list.sort(byName);
  };
  return sort(roots);
}

/** The project's own exposures, by name, each opening at its yml entry. */
export function exposureTree(analysis: Analysis): TreeNode[] {
  const { project } = analysis;
  return [...project.nodes.values()].filter((node) => node.resourceType === 'exposure' && node.packageName === project.config.name).map(treeNode).sort(byName);
}

function treeNode(node: ProjectNode): TreeNode {
  const exposure = node.exposure;
  return {
    uniqueId: node.uniqueId,
    name: node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name,
    resourceType: node.resourceType as TreeNode['resourceType'],
    layer: node.layer ?? null,
    materialized: exposure ? exposure.type : node.config.materialized,
    location: exposure && node.nameSpan ? { file: node.file, span: node.nameSpan } : nodeLocation(node),
  };
}
