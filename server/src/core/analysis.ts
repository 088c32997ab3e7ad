/** One call from files to everything the product asks about a project: nodes, graph, diagnostics. */
import type { Diagnostic } from './diagnostics';
import { contractProblems } from './contracts';
import { buildGraph, type LayerOptions, type ProjectGraph } from './graph';
import type { FileHost } from './host';
import { loadProject, type LoadOptions } from './loader';
import type { Project } from './model';

export interface Analysis {
  project: Project;
  graph: ProjectGraph;
  /** Loader and graph diagnostics together, in file order. */
  diagnostics: Diagnostic[];
}

export interface AnalyzeOptions extends LoadOptions {
  layers?: LayerOptions;
}

export function analyzeProject(host: FileHost, root: string, options: AnalyzeOptions = {}): Analysis {
  const project = loadProject(host, root, options);
  const { graph, diagnostics } = buildGraph(project, options.layers);
  const contracts = [...project.nodes.values()].flatMap(contractProblems);
  const all = [...project.diagnostics, ...diagnostics, ...contracts].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.span?.start ?? -1) - (b.span?.start ?? -1) || a.code.localeCompare(b.code),
  );
  return { project, graph, diagnostics: all };
}
