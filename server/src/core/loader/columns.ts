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
    const info: ColumnInfo = { name, file: rel, span: get(column, 'name')!.span };
    const description = getString(column, 'description');
    if (description !== undefined) info.description = description;
    const dataType = getString(column, 'data_type');
    if (dataType !== undefined) info.dataType = dataType;
    const constraints = toJS(get(column, 'constraints'));
    if (Array.isArray(constraints)) info.constraints = constraints.filter(isDict);
    if (toJS(get(column, 'quote')) === true) info.quote = true;
    columns.push(info);
  }
  return columns.slice();
}
