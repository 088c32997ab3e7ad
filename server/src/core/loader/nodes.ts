/** Building nodes and registering them: dbt's rules for disabled nodes, duplicates and the ref() namespace. */
import { applyConfig } from '../config-tree';
import type { NodeConfig, ProjectFile, ProjectNode, ResourceType } from '../model';
import type { ScanResult } from '../scanner';
import type { PackageContext } from './context';

/** One shared empty list for the many nodes (tests) that have none: never mutated, only replaced. */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

type NodeLists = 'columns' | 'refs' | 'sources' | 'dynamic' | 'configCalls' | 'macroCalls' | 'dependsOn';

/** A node with empty lists unless given: every node kind is built the same way. */
export function newNode(fields: Omit<ProjectNode, NodeLists> & Partial<Pick<ProjectNode, NodeLists>>): ProjectNode {
  return { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, configCalls: NONE, macroCalls: NONE, dependsOn: NONE, ...fields };
}

/** The node a file defines (a model, analysis, singular test, snapshot block or seed), configured by the project trees and its config() calls. */
export function addNode(ctx: PackageContext, file: ProjectFile, type: ResourceType, name: string, folders: string[], result: ScanResult | undefined): ProjectNode | undefined {
  const pkg = ctx.config.name;
  const treeKey = type === 'model' || type === 'analysis' ? 'models' : type === 'test' ? 'tests' : type === 'snapshot' ? 'snapshots' : 'seeds';
  const defaultMaterialization = type === 'model' ? 'view' : type === 'test' ? 'test' : type === 'snapshot' ? 'snapshot' : type === 'seed' ? 'seed' : 'view';
  const config = ctx.treeConfig(treeKey, defaultMaterialization, folders, name);
  for (const call of result?.configs ?? []) applyConfig(config, call.values);
  const node: ProjectNode = newNode({
    uniqueId: `${type}.${pkg}.${name}`,
    resourceType: type,
    name,
    packageName: pkg,
    file: file.path,
    fqn: [pkg, ...folders, name],
    config,
    refs: result?.refs ?? [],
    sources: result?.sources ?? [],
    dynamic: result?.dynamic ?? [],
    configCalls: result?.configs ?? [],
    macroCalls: result?.macroCalls ?? [],
  });
  if (type === 'test') node.test = { name, kwargs: {}, severity: severityOf(config) };
  register(ctx, node, file);
  return node;
}

/** Adds an enabled node (or records a disabled one); reports duplicates the way dbt does. */
export function register(ctx: PackageContext, node: ProjectNode, file: ProjectFile | undefined): void {
  const state = ctx.state;
  // Most files define one node: a list of one, not a pushed list with room for sixteen more.
  if (file) {
    if (file.nodeIds.length === 0) file.nodeIds = [node.uniqueId];
    else file.nodeIds.push(node.uniqueId);
  }
  if (!node.config.enabled) {
    const list = state.disabled.get(node.name) ?? [];
    list.push(node);
    state.disabled.set(node.name, list);
    return;
  }
  const existing = state.nodes.get(node.uniqueId);
  if (existing) {
    const span = node.nameSpan ?? { start: 0, end: 0 };
    state.report({
      code: 'duplicate-name',
      file: node.file,
      span,
      message: `Two ${node.resourceType}s are named '${node.name}': ${existing.file} and ${node.file}`,
      related: [{ file: existing.file, ...(existing.nameSpan ? { span: existing.nameSpan } : {}), message: 'other definition' }],
    });
    return;
  }
  // Models, seeds and snapshots share one namespace for ref().
  if (node.resourceType === 'model' || node.resourceType === 'seed' || node.resourceType === 'snapshot') {
    const clash = ctx.named('ref', node.name);
    if (clash) {
      state.report({
        code: 'duplicate-name',
        file: node.file,
        ...(node.nameSpan ? { span: node.nameSpan } : {}),
        message: `'${node.name}' is both a ${clash.resourceType} (${clash.file}) and a ${node.resourceType} (${node.file}); ref('${node.name}') is ambiguous`,
        related: [{ file: clash.file, message: 'other definition' }],
      });
    } else {
      ctx.setNamed('ref', node.name, node);
    }
  }
  // yml patches models, seeds, snapshots and analyses by name; tests are never looked up.
  if (node.resourceType !== 'test' && node.resourceType !== 'unit_test') ctx.setNamed(node.resourceType, node.name, node);
  state.nodes.set(node.uniqueId, node);
}

export function severityOf(config: NodeConfig): 'warn' | 'error' {
  if (config.severity === undefined || config.severity === null) return 'error';
  return String(config.severity).toLowerCase() === 'warn' ? 'warn' : 'error';
}
