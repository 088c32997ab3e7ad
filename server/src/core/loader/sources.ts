/** Sources: each table of a `sources:` entry in properties yml becomes a source node, with its columns and tests. */
import { applyConfig, emptyConfig, treeLayers } from '../config-tree';
import type { ProjectFile, ProjectNode } from '../model';
import { get, getString, items, toJS, type YNode } from '../yaml-tree';
import { columnTestTags, readColumns } from './columns';
import { isDict, type PackageContext } from './context';
import { addGenericTests } from './generic-tests';
import { newNode, register } from './nodes';
import { ymlConfig, ymlString } from './properties';

export function addSource(ctx: PackageContext, rel: string, file: ProjectFile, entry: YNode): void {
  const sourceName = getString(entry, 'name');
  if (!sourceName || entry.kind !== 'map') {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `Every source in ${rel} needs a 'name'` });
    return;
  }
  const pkg = ctx.config.name;
  const sourceConfig = ymlConfig(ctx, rel, get(entry, 'config'));
  const sourceMeta = toJS(get(entry, 'meta'));
  const folders = ctx.foldersOf(rel);
  for (const table of items(get(entry, 'tables'))) {
    const tableName = getString(table, 'name');
    if (!tableName || table.kind !== 'map') {
      ctx.state.report({ code: 'yaml-schema', file: rel, span: table.span, message: `A table of source '${sourceName}' has no 'name'` });
      continue;
    }
    // dbt's precedence: the package's own project tree, the source's config, the table's; the root project's tree last.
    const config = emptyConfig('source');
    for (const layer of treeLayers(ctx.config.trees.sources, pkg, [sourceName, tableName])) applyConfig(config, layer);
    // `freshness:` and `loaded_at_field:` written as properties of the source, then of the table, are configs.
    const properties = (holder: YNode): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const key of ['freshness', 'loaded_at_field']) if (holder.kind === 'map' && holder.entries.has(key)) out[key] = toJS(get(holder, key));
      return out;
    };
    applyConfig(config, properties(entry));
    if (sourceConfig) applyConfig(config, sourceConfig);
    applyConfig(config, properties(table));
    if (isDict(sourceMeta)) applyConfig(config, { meta: sourceMeta });
    // Sources are quoted by their yml `quoting:` property (dbt ignores a `+quoting` config for them).
    const quoting: Record<string, unknown> = {};
    for (const q of [toJS(get(entry, 'quoting')), toJS(get(table, 'quoting'))]) if (isDict(q)) Object.assign(quoting, q);
    const tableConfig = ymlConfig(ctx, rel, get(table, 'config'));
    if (tableConfig) applyConfig(config, tableConfig);
    const tableMeta = toJS(get(table, 'meta'));
    if (isDict(tableMeta)) applyConfig(config, { meta: tableMeta });
    const tags = [...toList(toJS(get(entry, 'tags'))), ...toList(toJS(get(table, 'tags')))];
    if (tags.length) applyConfig(config, { tags });
    for (const layer of ctx.rootLayers('sources', [sourceName, tableName]) ?? []) applyConfig(config, layer);
    const node: ProjectNode = newNode({
      uniqueId: `source.${pkg}.${sourceName}.${tableName}`,
      resourceType: 'source',
      name: tableName,
      packageName: pkg,
      file: rel,
      nameSpan: get(table, 'name')!.span,
      fqn: [pkg, ...folders, sourceName, tableName],
      config,
      columns: readColumns(ctx, rel, table),
      yml: { file: rel, span: get(table, 'name')!.span },
      source: {
        sourceName,
        identifier: ymlString(ctx, rel, get(table, 'identifier')) ?? tableName,
        sourceMeta: isDict(sourceMeta) ? sourceMeta : {},
        quoting,
      },
    });
    const schema = ymlString(ctx, rel, get(entry, 'schema')) ?? sourceName;
    node.source!.schema = schema;
    const database = ymlString(ctx, rel, get(entry, 'database')) ?? ymlString(ctx, rel, get(entry, 'catalog'));
    if (database !== undefined) node.source!.database = database;
    const loader = getString(entry, 'loader');
    if (loader !== undefined) node.source!.loader = loader;
    const sourceDescription = getString(entry, 'description');
    if (sourceDescription !== undefined) node.source!.sourceDescription = sourceDescription;
    const description = getString(table, 'description');
    if (description !== undefined) node.description = description;
    register(ctx, node, file);
    // A disabled table's tests are made too: dbt keeps them, disabled (nodes.ts settleTestsOfDisabled).
    // dbt gives a source's tests the source's and the table's `tags:` (and a column's, for its tests).
    const testTags = [...tagsOf(toJS(get(entry, 'tags'))), ...tagsOf(toJS(get(table, 'tags')))];
    addGenericTests(ctx, rel, table, node, undefined, undefined, testTags);
    for (const column of items(get(table, 'columns'))) {
      const columnName = getString(column, 'name');
      if (columnName) addGenericTests(ctx, rel, column, node, columnName, undefined, [...testTags, ...columnTestTags(column)]);
    }
  }
}

/** A source's or table's `tags:` as dbt's UnparsedSourceDefinition reads them (a string is one tag). */
function tagsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
}

function toList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v === undefined || v === null) return [];
  return [String(v)];
}
