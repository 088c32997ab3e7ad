/**
 * `medallion/models`: a project's tree (core/model-tree.ts) at the LSP edge, locations as URIs and
 * ranges; sources carry the last freshness check (target/sources.json) so stale ones show.
 */
import type { Analysis } from '../core/analysis';
import { ageText } from '../core/age';
import { exposureTree, folderTree, modelTree, type TreeFolder, type TreeNode } from '../core/model-tree';
import { pathToUri, toLocation, type Lines } from './convert';
import type { ModelsFolder, ModelsResult, ModelsTreeNode } from './protocol';
import { freshnessSummary } from './workflow-handlers';

export function modelsOfProject(analysis: Analysis, root: string, lines: Lines): ModelsResult['projects'][number] {
  const checked = freshnessSummary(root, analysis);
  const freshness = new Map(checked.sources.map((s) => [s.id, { status: s.status, ageSeconds: s.ageSeconds, age: s.ageSeconds === null ? null : ageText(s.ageSeconds), checkedAt: checked.generatedAt }]));
  const node = (n: TreeNode): ModelsTreeNode => {
    const { uri, range } = toLocation(lines, root, n.location);
    const fresh = freshness.get(n.uniqueId);
    return { id: n.uniqueId, name: n.name, resourceType: n.resourceType, layer: n.layer, materialized: n.materialized, uri, range, ...(fresh ? { freshness: fresh } : {}) };
  };
  const folder = (f: TreeFolder): ModelsFolder => ({ name: f.name, path: f.path, count: f.count, folders: f.folders.map(folder), nodes: f.nodes.map(node) });
  const layered = analysis.graph.layered;
  return {
    name: analysis.project.config.name,
    root,
    uri: pathToUri(root),
    layers: modelTree(analysis).map((layer) => ({ name: layer.name, nodes: layer.nodes.map(node) })),
    grouping: layered ? 'layer' : 'folder',
    ...(layered ? {} : { folders: folderTree(analysis).map(folder) }),
    targetPath: analysis.project.config.targetPath,
    exposures: exposureTree(analysis).map(node),
  };
}
