/**
 * The parts of dbt's `modules` context (Python's datetime and re) that models use, plus
 * Python-compatible JSON output. Small on purpose: what is missing fails with a clear message.
 */
import { PyDateTime, PyTimedelta, splitArgs } from './python';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** datetime.date */
export class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {}

  isoformat(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }

  toString(): string {
    return this.isoformat();
  }

  strftime(format: unknown): string {
    return new PyDateTime(new Date(Date.UTC(this.year, this.month - 1, this.day))).strftime(format);
  }

  /** date ± timedelta (whole days, as Python keeps a date a date). */
  __add__(other: unknown): PyDate {
    return this.shift(other, 1);
  }

  __sub__(other: unknown): PyDate {
    return this.shift(other, -1);
  }

  private shift(other: unknown, sign: number): PyDate {
    if (!(other instanceof PyTimedelta)) throw new Error(`unsupported operand type(s): 'datetime.date' and '${typeof other}'`);
    const d = new Date(Date.UTC(this.year, this.month - 1, this.day) + sign * other.days * 86400000);
    return new PyDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
}

function num(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${String(v)}`);
  return n;
}

export function pythonModules(now: () => Date): Record<string, unknown> {
  const datetimeModule = {
    date: Object.assign((...args: unknown[]) => {
      const { positional } = splitArgs(args);
      const [y, m, d] = positional;
      const date = new PyDate(num(y, 'year'), num(m, 'month'), num(d, 'day'));
      const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
      if (check.getUTCMonth() !== date.month - 1) throw new Error(`day is out of range for month: ${date.isoformat()}`);
      return date;
    }, { today: () => { const d = now(); return new PyDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()); } }),
    datetime: Object.assign((...args: unknown[]) => {
      const { positional } = splitArgs(args);
      const [y, m, d, h = 0, mi = 0, sec = 0] = positional.map((v, i) => num(v, ['year', 'month', 'day', 'hour', 'minute', 'second'][i] ?? 'value'));
      return new PyDateTime(new Date(Date.UTC(y!, m! - 1, d!, h, mi, sec)));
    }, { now: () => new PyDateTime(now()), utcnow: () => new PyDateTime(now()) }),
  };
  const reModule = {
    search: (pattern: unknown, text: unknown) => matchObject(new RegExp(pyRegex(pattern)).exec(String(text))),
    match: (pattern: unknown, text: unknown) => matchObject(new RegExp('^(?:' + pyRegex(pattern) + ')').exec(String(text))),
    fullmatch: (pattern: unknown, text: unknown) => matchObject(new RegExp('^(?:' + pyRegex(pattern) + ')$').exec(String(text))),
    sub: (pattern: unknown, repl: unknown, text: unknown) => String(text).replace(new RegExp(pyRegex(pattern), 'g'), String(repl).replace(/\\(\d)/g, '$$$1')),
    findall: (pattern: unknown, text: unknown) => [...String(text).matchAll(new RegExp(pyRegex(pattern), 'g'))].map((m) => (m.length > 2 ? m.slice(1) : m.length === 2 ? m[1] : m[0])),
    split: (pattern: unknown, text: unknown) => String(text).split(new RegExp(pyRegex(pattern))),
    escape: (text: unknown) => String(text).replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'),
    IGNORECASE: 2,
  };
  return { datetime: datetimeModule, re: reModule, itertools: {}, pytz: {} };
}

function pyRegex(pattern: unknown): string {
  // Python's named groups (?P<name>...) are (?<name>...) in JavaScript.
  return String(pattern).replace(/\(\?P</g, '(?<');
}

function matchObject(m: RegExpExecArray | null): unknown {
  if (!m) return null;
  return {
    group: (n: unknown = 0) => (typeof n === 'string' ? m.groups?.[n] : m[Number(n)]) ?? null,
    groups: () => m.slice(1).map((g) => g ?? null),
    start: () => m.index,
    end: () => m.index + m[0].length,
  };
}

/** Python's json.dumps with default separators (", " and ": "). */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const toJson = (value as { toString?: () => string }).toString;
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null && toJson) return JSON.stringify(String(value));
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(String(value));
}
