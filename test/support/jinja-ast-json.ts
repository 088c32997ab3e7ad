// Canonical text of a Jinja AST: every own enumerable field in its order, with what plain JSON
// would blur made explicit (tuples vs lists, integral floats, undefined fields, -0, NaN).
// Two parses give the same text exactly when their trees are the same.
import type { Template } from '../../server/src/core/jinja';
import { isTuple, PyFloat } from '../../server/src/core/jinja/runtime';

export function astJson(template: Template): string {
  const parts: string[] = [];
  const write = (v: unknown): void => {
    if (v === undefined) parts.push('"$undefined"');
    else if (v === null || typeof v === 'boolean' || typeof v === 'string') parts.push(JSON.stringify(v));
    else if (typeof v === 'number') parts.push(Object.is(v, -0) ? '"$-0"' : Number.isFinite(v) ? String(v) : `"$${v}"`);
    else if (v instanceof PyFloat) parts.push(`{"$float":${Object.is(v.value, -0) ? '"-0"' : Number.isFinite(v.value) ? v.value : `"${v.value}"`}}`);
    else if (Array.isArray(v)) {
      parts.push(isTuple(v) ? '{"$tuple":[' : '[');
      v.forEach((x, i) => {
        if (i > 0) parts.push(',');
        write(x);
      });
      parts.push(isTuple(v) ? ']}' : ']');
    } else if (typeof v === 'object') {
      parts.push('{');
      let first = true;
      for (const [k, x] of Object.entries(v as object)) {
        // The template's source is the input itself.
        if (k === 'source' && v === template) continue;
        if (!first) parts.push(',');
        first = false;
        parts.push(JSON.stringify(k), ':');
        write(x);
      }
      parts.push('}');
    } else parts.push(`"$${typeof v}"`);
  };
  write(template);
  return parts.join('');
}
