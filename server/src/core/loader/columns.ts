/** `columns:` of a model, seed, snapshot, analysis or source table in properties yml. */
import type { ColumnInfo } from '../model';
import { get, getString, items, toJS, type YNode } from '../yaml-tree';
import { isDict, type PackageContext } from './context';

export function readColumns(ctx: PackageContext, rel: string, entry: YNode): ColumnInfo[] {
  const columns: ColumnInfo[] = [];
  for (const column of items(get(entry, 'columns'))) {
    const name = getString(column, 'name');
    if (!name) {
      ctx.state.report({ code: 'yaml-schema', file: rel, span: column.span, message: `A column in ${rel} has no 'name'` });
      continue;
    }
    const span = get(column, 'name')!.span;
    // Most columns have a description: built with it, not given it later (an added key costs the column a second, out-of-line store).
    const description = getString(column, 'description');
    const info: ColumnInfo = description === undefined ? { name, file: rel, span } : { name, file: rel, span, description };
    const dataType = getString(column, 'data_type');
    if (dataType !== undefined) info.dataType = dataType;
    // dbt's ColumnInfo: meta is `meta:` then `config: {meta:}`; tags are `tags:` and `config: {tags:}`.
    // Most columns have neither: nothing is merged for them (a big project reads tens of thousands).
    const config = toJS(get(column, 'config'));
    const ownMeta = toJS(get(column, 'meta'));
    const configMeta = isDict(config) ? config.meta : undefined;
    if (isDict(ownMeta) || isDict(configMeta)) {
      const meta = { ...asDict(ownMeta), ...asDict(configMeta) };
      if (Object.keys(meta).length > 0) info.meta = meta;
    }
    const ownTags = toJS(get(column, 'tags'));
    const configTags = isDict(config) ? config.tags : undefined;
    if (ownTags !== undefined || configTags !== undefined) {
      const tags = [...new Set([...asTags(ownTags), ...asTags(configTags)])];
      if (tags.length > 0) info.tags = tags;
    }
    const constraints = toJS(get(column, 'constraints'));
    if (Array.isArray(constraints)) info.constraints = constraints.filter(isDict);
    if (toJS(get(column, 'quote')) === true) info.quote = true;
    columns.push(info);
  }
  return columns.slice();
}

/**
 * The tags dbt gives the generic tests of a column (besides their own): the column's `tags:` and
 * `config: {tags:}` (a string is one tag), as written; the test sorts and dedupes them.
 */
export function columnTestTags(column: YNode): string[] {
  if (column.kind !== 'map' || (!column.entries.has('tags') && !column.entries.has('config'))) return NO_TAGS;
  const config = toJS(get(column, 'config'));
  const tags = [...asTags(toJS(get(column, 'tags'))), ...asTags(isDict(config) ? config.tags : undefined)];
  return tags.length > 0 ? tags : NO_TAGS;
}

const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];

function asDict(v: unknown): Record<string, unknown> {
  return isDict(v) ? v : {};
}

function asTags(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
}
