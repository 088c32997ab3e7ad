/**
 * Generic data tests from properties yml (`data_tests:`/`tests:` of a model, seed, snapshot,
 * source table or column) → test nodes, named as dbt names them (`test-names.ts`).
 */
import { applyConfig, emptyConfig } from '../config-tree';
import type { ProjectFile, ProjectNode } from '../model';
import { scan } from '../scanner';
import { synthesizeTestName } from '../test-names';
import type { Span } from '../text';
import { items, toJS, type YNode } from '../yaml-tree';
import { isDict, type PackageContext } from './context';
import { NONE, register, severityOf } from './nodes';

/** Generic tests under `tests:`/`data_tests:` of a model, source table or column, named as dbt names them. */
export function addGenericTests(ctx: PackageContext, rel: string, holder: YNode, target: ProjectNode, columnName: string | undefined, targetName = target.name): void {
  if (holder.kind !== 'map') return;
  const dataTests = holder.entries.get('data_tests')?.value;
  const tests = holder.entries.get('tests')?.value;
  if (dataTests?.kind !== 'seq' && tests?.kind !== 'seq') return;
  const file = ctx.state.files.get(rel);
  const named = { name: targetName, resourceType: target.resourceType, source: target.source };
  const treeConfigs = ctx.config.trees.tests || ctx.rootConfig?.trees.tests;
  for (const list of [items(dataTests), items(tests)]) for (const spec of list) addGenericTest(ctx, rel, file, spec, target, named, columnName, treeConfigs !== undefined);
}

/** One entry under `tests:`/`data_tests:`: `unique`, or `accepted_values: {values: [...], config: {...}}`. */
function addGenericTest(
  ctx: PackageContext,
  rel: string,
  file: ProjectFile | undefined,
  spec: YNode,
  target: ProjectNode,
  named: Pick<ProjectNode, 'name' | 'resourceType' | 'source'>,
  columnName: string | undefined,
  treeConfigs: boolean,
): void {
  let testName: string | undefined;
  let args: Record<string, unknown> | undefined;
  let testConfig: Record<string, unknown> | undefined;
  let span: Span = spec.span;
  if (spec.kind === 'scalar' && typeof spec.value === 'string') {
    testName = spec.value;
  } else if (spec.kind === 'map' && spec.entries.size >= 1) {
    const [first] = spec.entries;
    const [key, { keySpan, value }] = first!;
    testName = key;
    span = keySpan;
    const raw = toJS(value);
    if (isDict(raw)) {
      const { config, arguments: explicitArgs, name: customName, ...rest } = raw;
      args = isDict(explicitArgs) ? { ...explicitArgs } : rest;
      testConfig = isDict(config) ? config : {};
      // Old style: severity/where/... directly among the arguments.
      for (const k of ['severity', 'where', 'error_if', 'warn_if', 'store_failures', 'limit', 'tags', 'enabled', 'meta']) {
        if (k in args) {
          testConfig[k] = args[k];
          delete args[k];
        }
      }
      if (typeof customName === 'string') args.__name__ = customName;
    }
  }
  if (!testName) {
    ctx.state.report({ code: 'yaml-schema', file: rel, span, message: `Cannot read this test entry in ${rel}` });
    return;
  }
  const dot = testName.indexOf('.');
  const namespace = dot === -1 ? undefined : testName.slice(0, dot);
  const bare = dot === -1 ? testName : testName.slice(dot + 1, testName.indexOf('.', dot + 1) === -1 ? undefined : testName.indexOf('.', dot + 1));
  // A copy without our private __name__ marker (built, not deleted: delete de-optimises objects).
  let kwargs: Record<string, unknown>;
  if (!args) kwargs = columnName === undefined ? {} : { column_name: columnName };
  else {
    kwargs = '__name__' in args ? Object.fromEntries(Object.entries(args).filter(([k]) => k !== '__name__')) : { ...args };
    if (columnName !== undefined) kwargs.column_name = columnName;
  }
  const given = typeof args?.__name__ === 'string' ? args.__name__ : synthesizeTestName(bare, named, kwargs);
  // The id as one flat string and the name a slice of it: the pieces the name was built from
  // (tens of thousands of small strings in a big project) are not kept.
  const uniqueId = `test.${ctx.config.name}.${given}`;
  const name = uniqueId.slice(uniqueId.length - given.length);
  const config = emptyConfig('test');
  if (treeConfigs) for (const layer of ctx.layersFor('tests', [...ctx.foldersOf(rel), name])) applyConfig(config, layer);
  if (testConfig) applyConfig(config, testConfig);
  const attachedTo = target.uniqueId;
  const severity = severityOf(config);
  // Literals with every key: an object that gains a key later gets a second, out-of-line store.
  const test: NonNullable<ProjectNode['test']> =
    columnName === undefined
      ? namespace
        ? { name: bare, kwargs, attachedTo, severity, namespace }
        : { name: bare, kwargs, attachedTo, severity }
      : namespace
        ? { name: bare, kwargs, attachedTo, severity, namespace, columnName }
        : { name: bare, kwargs, attachedTo, severity, columnName };
  const fqn = ctx.fqnPrefix(rel).concat(name);
  const packageName = ctx.config.name;
  // Enabled tests get the layer key the graph sets on every node (disabled ones never reach it).
  const node: ProjectNode = config.enabled
    ? { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, configCalls: NONE, macroCalls: NONE, dependsOn: NONE, uniqueId, resourceType: 'test', name, packageName, file: rel, nameSpan: span, fqn, config, test, layer: undefined }
    : { columns: NONE, refs: NONE, sources: NONE, dynamic: NONE, configCalls: NONE, macroCalls: NONE, dependsOn: NONE, uniqueId, resourceType: 'test', name, packageName, file: rel, nameSpan: span, fqn, config, test };
  // Arguments like `to: ref('other')` add dependencies, exactly as dbt renders them.
  for (const value of Object.values(kwargs)) {
    if (typeof value !== 'string' || !/\b(ref|source)\s*\(/.test(value)) continue;
    const inner = scan(`{{ ${value} }}`);
    node.refs = [...node.refs, ...inner.refs.map((r) => ({ ...r, span: span, callSpan: span }))];
    node.sources = [...node.sources, ...inner.sources.map((s) => ({ ...s, sourceSpan: span, tableSpan: span, callSpan: span }))];
  }
  register(ctx, node, file);
}
