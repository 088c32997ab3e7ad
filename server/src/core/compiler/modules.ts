/**
 * The parts of dbt's `modules` context (Python's datetime and re) that models use, plus
 * Python-compatible JSON output. Small on purpose: what is missing fails with a clear message.
 */
import { PyFloat } from '../jinja';
import { bindArgs, isNone, PyDate, PyDateTime, PyTime, PyTimedelta, PyTimezone, UTC } from './python';

function num(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${String(v)}`);
  return n;
}

function inRange(v: unknown, name: string, max: number): number {
  const n = num(v, name);
  if (n < 0 || n > max) throw new Error(`${name} must be in 0..${max}`);
  return n;
}

/** The time-of-day parameters datetime.time and datetime.datetime share, as Python binds them. */
const timeParams = [
  { name: 'hour', default: 0 },
  { name: 'minute', default: 0 },
  { name: 'second', default: 0 },
  { name: 'microsecond', default: 0 },
  { name: 'tzinfo', default: null },
];

function timeOfDay(bound: Record<string, unknown>, aware = false): PyTime {
  const microsecond = inRange(bound.microsecond, 'microsecond', 999999);
  // Values are JavaScript dates underneath: millisecond precision.
  if (microsecond % 1000 !== 0) throw new Error(`microsecond=${microsecond}: precision below a millisecond is not available when compiling here`);
  return new PyTime(inRange(bound.hour, 'hour', 23), inRange(bound.minute, 'minute', 59), inRange(bound.second, 'second', 59), microsecond, aware);
}

/** Whether a tzinfo argument makes a datetime aware; only UTC is known here. */
function isUtcAware(tzinfo: unknown): boolean {
  if (isNone(tzinfo)) return false;
  const zone = tzinfo instanceof PyTimezone ? tzinfo.zone : String(tzinfo);
  if (zone !== 'UTC' && zone !== 'Etc/UTC') throw new Error(`tzinfo '${zone}': only UTC is available when compiling here`);
  return true;
}

function dateTimeOf(date: PyDate, time: PyTime, aware: boolean): PyDateTime {
  return new PyDateTime(new Date(Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second, time.microsecond / 1000)), aware);
}

function checkedDate(year: unknown, month: unknown, day: unknown): PyDate {
  const date = new PyDate(num(year, 'year'), num(month, 'month'), num(day, 'day'));
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() !== date.month - 1) throw new Error(`day is out of range for month: ${date.isoformat()}`);
  return date;
}

export function pythonModules(now: () => Date): Record<string, unknown> {
  const datetimeModule = {
    date: Object.assign((...args: unknown[]) => {
      const { year, month, day } = bindArgs('date', [{ name: 'year' }, { name: 'month' }, { name: 'day' }], args);
      return checkedDate(year, month, day);
    }, { today: () => { const d = now(); return new PyDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()); } }),
    datetime: Object.assign((...args: unknown[]) => {
      const bound = bindArgs('datetime', [{ name: 'year' }, { name: 'month' }, { name: 'day' }, ...timeParams], args);
      return dateTimeOf(checkedDate(bound.year, bound.month, bound.day), timeOfDay(bound), isUtcAware(bound.tzinfo));
    }, {
      combine: (...args: unknown[]) => {
        // tzinfo defaults to the time's own, as in Python.
        const { date, time, tzinfo } = bindArgs('combine', [{ name: 'date' }, { name: 'time' }, { name: 'tzinfo', default: undefined }], args);
        if (!(date instanceof PyDate || date instanceof PyDateTime)) throw new Error('combine() argument 1 must be datetime.date');
        if (!(time instanceof PyTime)) throw new Error('combine() argument 2 must be datetime.time');
        return dateTimeOf(date instanceof PyDateTime ? date.date() : date, time, tzinfo === undefined ? time.aware : isUtcAware(tzinfo));
      },
      // Python's now()/utcnow() are naive (this machine's clock is read as UTC).
      now: () => new PyDateTime(now(), false),
      utcnow: () => new PyDateTime(now(), false),
      fromisoformat: (text: unknown) => parseIsoDateTime(String(text)),
      strptime: (text: unknown, format: unknown) => strptime(String(text), String(format)),
    }),
    time: (...args: unknown[]) => {
      const bound = bindArgs('time', timeParams, args);
      return timeOfDay(bound, isUtcAware(bound.tzinfo));
    },
    timedelta: (...args: unknown[]) => PyTimedelta.of(args),
    timezone: { utc: UTC },
  };
  const pytzModule = {
    utc: UTC,
    UTC,
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
