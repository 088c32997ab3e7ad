/**
 * A column service for a project's target: DuckDB's binder for DuckDB targets; for Databricks,
 * `DESCRIBE QUERY` on the warehouse when opted in (`MEDALLION_DESCRIBE_QUERY=1`, the
 * `medallion.columns.describeQuery` setting), else yml types. Lineage reads DuckDB's parse tree,
 * and node-sql-parser only where DuckDB cannot parse the SQL.
 */
import type { Target } from '../core/profiles';
import type { ColumnBinder } from '../engines/binder';
import { DuckDbBinder } from '../engines/duckdb/binder';
import { ColumnService } from './service';

export interface OpenColumnsOptions {
  projectRoot: string;
  env: Record<string, string | undefined>;
  /** Overrides the environment's opt-in for Databricks `DESCRIBE QUERY`. */
  describeQuery?: boolean;
  /** The project's target-path (where the DESCRIBE QUERY cache is kept). */
  targetPath?: string;
}

export function describeQueryOptedIn(env: Record<string, string | undefined>): boolean {
  return /^(1|true|yes|on)$/i.test(env.MEDALLION_DESCRIBE_QUERY ?? '');
}

export async function openColumnService(target: Target, options: OpenColumnsOptions): Promise<ColumnService> {
  let binder: ColumnBinder | undefined;
  let parser: Pick<ColumnBinder, 'parseTree'> | undefined;
  if (target.type === 'duckdb') {
    binder = await DuckDbBinder.open(target, options.projectRoot);
  } else {
    // DuckDB parses (never judges) Databricks SQL for lineage; an in-memory instance with no catalog.
    parser = await DuckDbBinder.open({ ...target, type: 'duckdb', database: 'memory' }, options.projectRoot);
    if (options.describeQuery ?? describeQueryOptedIn(options.env)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- Databricks code loads only for Databricks targets
      const { DescribeQueryBinder } = require('../engines/databricks/describe') as typeof import('../engines/databricks/describe');
      binder = new DescribeQueryBinder(target, options.env, options.projectRoot, options.targetPath);
    }
  }
  const service = new ColumnService(
    {
      projectRoot: options.projectRoot,
      env: options.env,
      binder,
      ...(parser ? { parser } : {}),
      fallbackLineage: (sql) => {
        // Loaded on first use: node-sql-parser is a bundle of its own.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
        const { columnLineage } = require('../analysis/column-lineage') as typeof import('../analysis/column-lineage');
        return columnLineage(sql);
      },
    },
    { type: target.type, name: target.name },
  );
  if (parser) {
    const close = service.close.bind(service);
    service.close = async () => {
      await close();
      await (parser as DuckDbBinder).close();
    };
  }
  return service;
}
