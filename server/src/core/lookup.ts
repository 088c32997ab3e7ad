/** Finding a node from what a user types: a name, `source.table`, `source:s.t`, a unique id or a file path. */
import type { ProjectGraph } from './graph';
import type { ProjectNode } from './model';

export function findNode(graph: ProjectGraph, query: string): ProjectNode | undefined {
  const nodes = graph.project.nodes;
  if (nodes.has(query)) return nodes.get(query);
  const byRef = graph.refTargets.get(query);
  if (byRef) return byRef;
  const sourceQuery = query.replace(/^source:/, '');
  const dot = sourceQuery.indexOf('.');
  if (dot > 0) {
    const source = graph.resolveSource(sourceQuery.slice(0, dot), sourceQuery.slice(dot + 1));
    if (source) return source;
  }
  const path = query.replace(/\\/g, '/').replace(/^\.\//, '');
  for (const node of nodes.values()) {
    if (node.resourceType !== 'source' && (node.file === path || path.endsWith('/' + node.file))) return node;
  }
  for (const node of nodes.values()) if (node.name === query) return node;
  return undefined;
}
