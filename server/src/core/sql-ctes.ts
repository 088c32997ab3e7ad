/**
 * The CTEs of a model's `with` clause, for previewing one: which CTE a position in the model's
 * text is in (Jinja, strings and comments skipped), and the query that selects from that CTE in
 * the compiled SQL (the `with` chain up to it). Not a SQL parser: it follows parentheses and the
 * `name as (` shape only, and answers undefined when the text does not have that shape.
 */

export interface Cte {
  name: string;
  /** The whole definition, `name as ( ... )`, and the body between the parentheses. */
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
}

/** Offsets that are code (not in a string, comment or Jinja tag), as a predicate over a scan. */
function codeMask(text: string): Uint8Array {
  const code = new Uint8Array(text.length);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    let end = -1;
    if (two === '{{' || two === '{%' || two === '{#') {
      const close = two === '{{' ? '}}' : two === '{%' ? '%}' : '#}';
      end = text.indexOf(close, i + 2);
      end = end < 0 ? text.length : end + 2;
    } else if (two === '--') {
      end = text.indexOf('\n', i);
      end = end < 0 ? text.length : end;
    } else if (two === '/*') {
      end = text.indexOf('*/', i + 2);
      end = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      end = i + 1;
      while (end < text.length && text[end] !== c) end++;
      end = Math.min(text.length, end + 1);
    }
    if (end >= 0) {
      i = end;
      continue;
    }
    code[i] = 1;
    i++;
  }
  return code;
}

/** The top-level `with` clause's CTEs of a SQL text (raw Jinja SQL or compiled). */
export function ctesOf(text: string): Cte[] {
  const code = codeMask(text);
  const lower = text.toLowerCase();
  // Depth of parentheses at each code offset; the first top-level `with` starts the chain.
  let depth = 0;
  let withAt = -1;
  for (let i = 0; i < text.length; i++) {
    if (!code[i]) continue;
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && lower.startsWith('with', i) && !/\w/.test(text[i - 1] ?? ' ') && !/\w/.test(text[i + 4] ?? ' ')) {
      withAt = i + 4;
      break;
    }
  }
  if (withAt < 0) return [];
  const ctes: Cte[] = [];
  let at = withAt;
  const word = /\s*(?:recursive\s+)?("[^"]+"|`[^`]+`|\w+)\s*(?:\([^)]*\)\s*)?as\s*(?:(?:not\s+)?materialized\s*)?\(/iy;
  for (;;) {
    word.lastIndex = at;
    const m = word.exec(text);
    if (!m) break;
    const open = word.lastIndex - 1;
    let close = -1;
    let d = 0;
    for (let i = open; i < text.length; i++) {
      if (!code[i]) continue;
      if (text[i] === '(') d++;
      else if (text[i] === ')' && --d === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) break;
    const name = m[1]!.replace(/^["`]|["`]$/g, '');
    ctes.push({ name, start: m.index + m[0].length - m[0].trimStart().length, end: close + 1, bodyStart: open + 1, bodyEnd: close });
    // Another CTE follows a comma; anything else ends the chain.
    let next = close + 1;
    while (next < text.length && (/\s/.test(text[next]!) || !code[next])) next++;
    if (text[next] !== ',') break;
    at = next + 1;
  }
  return ctes;
}

/** The CTE whose definition holds `offset` (its name or its body), if any. */
export function cteAt(text: string, offset: number): Cte | undefined {
  return ctesOf(text).find((c) => offset >= c.start && offset <= c.end);
}

/** A query selecting everything from CTE `name` of compiled SQL: the chain up to and including it. */
export function cteQuery(compiledSql: string, name: string): string | undefined {
  const ctes = ctesOf(compiledSql);
  const at = ctes.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
  if (at < 0) return undefined;
  const chain = compiledSql.slice(ctes[0]!.start, ctes[at]!.end);
  const quoted = /^\w+$/.test(ctes[at]!.name) ? ctes[at]!.name : `"${ctes[at]!.name}"`;
  return `with ${chain}\nselect * from ${quoted}`;
}
