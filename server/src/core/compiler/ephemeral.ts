/**
 * Ephemeral models are inlined as CTEs exactly where dbt puts them: after the statement's
 * leading `with` (followed by a comma), or in a new `with` before the first token.
 * Mirrors dbt's _inject_ctes_into_sql, which works on sqlparse's top-level tokens.
 */

/** `cteSql` entries look like ` __dbt__cte__name as (\n...\n)` (dbt's exact shape). */
export function injectCtes(sql: string, cteSql: string[]): string {
  if (cteSql.length === 0) return sql;
  const joined = cteSql.join(', ');
  const withAt = findLeadingWith(sql);
  if (withAt !== undefined) {
    // `with` + CTEs + ',' + what followed `with`.
    return sql.slice(0, withAt.end) + joined + ',' + sql.slice(withAt.end);
  }
  const first = firstTokenOffset(sql);
  return sql.slice(0, first) + 'with' + joined + sql.slice(first);
}

/** The first top-level WITH keyword (comments and strings skipped), if the statement has one before other code. */
function findLeadingWith(sql: string): { start: number; end: number } | undefined {
  let i = 0;
  const n = sql.length;
  let depth = 0;
  while (i < n) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const end = sql.indexOf(c, i + 1);
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toLowerCase();
      if (word === 'with') {
        // `with recursive`: CTEs go after RECURSIVE.
        const rest = /^\s+recursive\b/i.exec(sql.slice(j));
        return { start: i, end: rest ? j + rest[0].length : j };
      }
      // sqlparse keeps scanning top-level tokens for WITH; any other leading keyword means none.
      return undefined;
    }
    i++;
  }
  return undefined;
}

/** Offset of the first token that is not whitespace (comments count as tokens, as in sqlparse). */
function firstTokenOffset(sql: string): number {
  const m = /\S/.exec(sql);
  return m ? m.index : sql.length;
}
