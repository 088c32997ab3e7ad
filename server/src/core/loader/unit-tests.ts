/** Unit tests (`unit_tests:` in properties yml): one node each, depending on the model it tests. */
import { applyConfig, emptyConfig } from '../config-tree';
import type { ProjectFile, ProjectNode } from '../model';
import { get, getString, toJS, type YNode } from '../yaml-tree';
import { isDict, type PackageContext } from './context';
import { newNode, register } from './nodes';

export function addUnitTest(ctx: PackageContext, rel: string, file: ProjectFile, entry: YNode): void {
  const name = getString(entry, 'name');
  const model = getString(entry, 'model');
  if (!name || !model || entry.kind !== 'map') {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `A unit test in ${rel} needs 'name' and 'model'` });
    return;
  }
  const config = emptyConfig('unit');
  const raw = toJS(get(entry, 'config'));
  if (isDict(raw)) applyConfig(config, raw);
  const given = toJS(get(entry, 'given'));
  const node: ProjectNode = newNode({
    uniqueId: `unit_test.${ctx.config.name}.${model}.${name}`,
    resourceType: 'unit_test',
    name,
    packageName: ctx.config.name,
    file: rel,
    nameSpan: get(entry, 'name')!.span,
    // As dbt: the folders of the yml that defines it, then the model and the test.
    fqn: [ctx.config.name, ...ctx.foldersOf(rel), model, name],
    config,
    unitTest: { model, given: Array.isArray(given) ? given : [], expect: toJS(get(entry, 'expect')), overrides: toJS(get(entry, 'overrides')) },
  });
  const modelNode = get(entry, 'model')!;
  node.refs = [{ name: model, span: modelNode.span, callSpan: modelNode.span }];
  const description = getString(entry, 'description');
  if (description !== undefined) node.description = description;
  register(ctx, node, file);
}
