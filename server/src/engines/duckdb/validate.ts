/**
 * Parse-only validation by DuckDB itself: the compiled SQL is handed to DuckDB's parser (no
 * binding, no tables needed, no database file touched). Only what DuckDB cannot parse is
 * reported, so valid SQL is never underlined; what it cannot bind is left to the run.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SyntaxProblem } from '../engine';

let shared: Promise<DuckDBConnection> | undefined;

async function connection(): Promise<DuckDBConnection> {
  shared ??= (async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    return instance.connect();
  })();
  return shared;
}

export async function checkDuckDbSyntax(sql: string): Promise<SyntaxProblem | undefined> {
  const c = await connection();
  try {
    await c.extractStatements(sql);
    return undefined;
  } catch (err) {
    const text = (err as Error).message.replace(/^Failed to extract statements:\s*/, '');
    if (!/Parser Error/i.test(text)) return undefined;
    const line = /LINE (\d+):/.exec(text);
    const first = text.split('\n')[0]!.trim();
    return line ? { message: first, line: Number(line[1]) } : { message: first };
  }
}
