/**
 * The parts of dbt's `modules` context (Python's datetime and re) that models use, plus
 * Python-compatible JSON output. Small on purpose: what is missing fails with a clear message.
 */
import { PyFloat } from '../jinja';
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

  __order__(): number {
    return Date.UTC(this.year, this.month - 1, this.day);
  }

  /** date + timedelta (whole days), date - timedelta, date - date */
  __add__(other: unknown): PyDate | undefined {
    return other instanceof PyTimedelta ? PyDate.fromTime(this.__order__() + other.days * 86400000) : undefined;
  }

  __radd__(other: unknown): PyDate | undefined {
    return this.__add__(other);
  }

  __sub__(other: unknown): PyDate | PyTimedelta | undefined {
    if (other instanceof PyTimedelta) return PyDate.fromTime(this.__order__() - other.days * 86400000);
    if (other instanceof PyDate) return new PyTimedelta(this.__order__() - other.__order__());
    return undefined;
  }

  weekday(): number {
    return (new Date(this.__order__()).getUTCDay() + 6) % 7;
  }

  replace(...args: unknown[]): PyDate {
    const { kwargs } = splitArgs(args);
    const get = (k: string, v: number): number => (typeof kwargs[k] === 'number' ? (kwargs[k] as number) : v);
    return new PyDate(get('year', this.year), get('month', this.month), get('day', this.day));
  }

  static fromTime(ms: number): PyDate {
    const d = new Date(ms);
    return new PyDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
}

/** A time zone as pytz names it; only UTC converts here. */
class PyTimezone {
  constructor(readonly zone: string) {}
  toString(): string {
    return this.zone;
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
      return new PyDateTime(new Date(Date.UTC(y!, m! - 1, d!, h, mi, sec)), false);
    }, {
      // Python's now()/utcnow() are naive (this machine's clock is read as UTC).
      now: () => new PyDateTime(now(), false),
      utcnow: () => new PyDateTime(now(), false),
      fromisoformat: (text: unknown) => parseIsoDateTime(String(text)),
      strptime: (text: unknown, format: unknown) => strptime(String(text), String(format)),
    }),
    timedelta: (...args: unknown[]) => PyTimedelta.of(args),
    timezone: { utc: new PyTimezone('UTC') },
  };
  const utc = new PyTimezone('UTC');
  const pytzModule = {
    utc,
    UTC: utc,
    timezone: (name: unknown) => new PyTimezone(String(name)),
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
  return { datetime: datetimeModule, re: reModule, itertools: {}, pytz: pytzModule };
}

function parseIsoDateTime(text: string): PyDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) throw new Error(`Invalid isoformat string: '${text}'`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  const tz = m[8] && m[8] !== 'Z' ? (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(-2))) : 0;
  return new PyDateTime(new Date(ms - tz * 60000), m[8] !== undefined);
}

/** datetime.strptime for the numeric directives (%Y %m %d %H %M %S %f %y). */
function strptime(text: string, format: string): PyDateTime {
  const fields: Record<string, number> = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
  const widths: Record<string, string> = { Y: '(\\d{4})', m: '(\\d{1,2})', d: '(\\d{1,2})', H: '(\\d{1,2})', M: '(\\d{1,2})', S: '(\\d{1,2})', f: '(\\d{1,6})', y: '(\\d{2})' };
  const order: string[] = [];
  const pattern = format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%(.)/g, (_all, c: string) => {
    if (c === '%') return '%';
    const w = widths[c];
    if (!w) throw new Error(`strptime: '%${c}' is not available when compiling here`);
    order.push(c);
    return w;
  });
  const m = new RegExp(`^${pattern}$`).exec(text);
  if (!m) throw new Error(`time data '${text}' does not match format '${format}'`);
  order.forEach((c, i) => {
    const v = m[i + 1]!;
    if (c === 'y') fields.Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
    else if (c === 'f') fields.f = Number(v.padEnd(6, '0'));
    else fields[c] = Number(v);
  });
  return new PyDateTime(new Date(Date.UTC(fields.Y!, fields.m! - 1, fields.d!, fields.H!, fields.M!, fields.S!, Math.floor(fields.f! / 1000))), false);
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
  if (value instanceof PyFloat) return value.toString();
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const toJson = (value as { toString?: () => string }).toString;
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null && toJson) return JSON.stringify(String(value));
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(String(value));
}
