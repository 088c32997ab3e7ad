/** One call from files to everything the product asks about a project: nodes, graph, diagnostics. */
import { compareRoot } from './collation';
import { Compiler } from './compiler/compiler';
import type { Diagnostic } from './diagnostics';
import { contractProblems } from './contracts';
import { parseDialect } from './loader/parse-time';
import { buildGraph, type LayerOptions, type ProjectGraph } from './graph';
import type { FileHost } from './host';
import { loadProject, parseTimeOf, quietenMissingPackages, type LoadOptions } from './loader';
import type { Project, ProjectNode } from './model';

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
  if (project.missingPackages) quietenMissingPackages(diagnostics, project.missingPackages);
  const analysis: Analysis = { project, graph, diagnostics };
  checkRelationNames(analysis, options);
  // Most nodes have no contract: no list per node for them. Only models have one (isContractEnforced):
  // the tests, most nodes, are passed over without reading their configs.
  const contracts: Diagnostic[] = [];
  for (const node of project.nodes.values()) {
    if (node.resourceType !== 'model') continue;
    const problems = contractProblems(node);
    for (const p of problems) contracts.push(p);
  }
  // In file order as localeCompare gives it, the same under any locale (core/collation.ts).
  analysis.diagnostics = [...project.diagnostics, ...analysis.diagnostics, ...contracts].sort(
    (a, b) => (a.file === b.file ? 0 : compareRoot(a.file, b.file)) || (a.span?.start ?? -1) - (b.span?.start ?? -1) || (a.code === b.code ? 0 : compareRoot(a.code, b.code)),
  );
  return analysis;
}

/**
 * dbt refuses two resources with the same database representation (a root and a package model of
 * the same name and schema, two aliases alike): both would be built into one relation.
 */
function checkRelationNames(analysis: Analysis, options: AnalyzeOptions): void {
  const { project } = analysis;
  if (!project.target) return;
  const relational: ProjectNode[] = [];
  for (const n of project.nodes.values()) if ((n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot') && n.config.materialized !== 'ephemeral') relational.push(n);
  // Two relations can be one only if their identifiers are, so only nodes sharing one need their
  // full names computed. With dbt's own generate_alias_name (no project overrides it, nor its
  // dispatch: `default__` / `<adapter>__generate_alias_name`) the identifier is the alias or the
  // name; a project's override is called for it (its schema and database macros only where needed).
  const aliasOverridden = ['generate_alias_name', 'default__generate_alias_name', `${project.target.type}__generate_alias_name`].some((name) =>
    project.macros.get(name)?.some((m) => m.packageName === project.config.name || project.packages.has(m.packageName)),
  );
  let compiler: Compiler | undefined;
  // The load's parsed templates: the macro files are not parsed again. The run's --vars, as dbt:
  // a schema or alias macro may read them.
  const { env = {}, clock, vars } = options;
  const compilerOf = (): Compiler =>
    (compiler ??= new Compiler(analysis, { target: project.target!, dialect: parseDialect(project.target!.type), env, ...(clock ? { clock } : {}), ...(vars ? { vars } : {}) }, parseTimeOf(project)?.options.templates));
  const candidates = aliasOverridden ? sharingIdentifier(relational, (node) => compilerOf().identifier(node)) : sharingIdentifier(relational);
  if (candidates.length === 0) return;
  const seen = new Map<string, ProjectNode>();
  for (const node of candidates) {
    let name: string;
    try {
      name = compilerOf().relation(node).render();
    } catch {
      continue;
    }
    const other = seen.get(name);
    if (!other) {
      seen.set(name, node);
      continue;
    }
    analysis.diagnostics.push({
      code: 'duplicate-name',
      severity: 'error',
      file: node.file,
      message: `dbt found two resources with the database representation "${name}": ${other.uniqueId} (${other.file}) and ${node.uniqueId} (${node.file}); change the schema or alias of one of them`,
      related: [{ file: other.file, message: `${other.uniqueId} is built into ${name} too` }],
    });
  }
}

/** Nodes whose identifier (by default as dbt's own generate_alias_name gives it) another node has too. */
function sharingIdentifier(nodes: ProjectNode[], identifierOf: (node: ProjectNode) => string = defaultIdentifier): ProjectNode[] {
  const byIdentifier = new Map<string, ProjectNode[]>();
  for (const node of nodes) {
    let identifier: string;
    try {
      identifier = identifierOf(node);
    } catch {
      // A naming macro that fails for this node: it has no relation name to compare.
      continue;
    }
    const list = byIdentifier.get(identifier);
    if (list) list.push(node);
    else byIdentifier.set(identifier, [node]);
  }
  return [...byIdentifier.values()].filter((list) => list.length > 1).flat();
}

/** The identifier dbt's own generate_alias_name gives: the alias, else the name (and version). */
function defaultIdentifier(node: ProjectNode): string {
  const alias = node.config.alias;
  return typeof alias === 'string' && alias !== '' ? alias.trim() : node.version !== undefined ? `${node.name}_v${node.version}` : node.name;
}
