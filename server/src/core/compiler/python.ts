/**
 * Python-flavoured values and calling conventions for the dbt context: binding positional and
 * keyword arguments the way Python does, and datetime objects that print like Python's.
 */
import { isUndefined, Kwargs } from '../jinja';

export interface Param {
  name: string;
  /** Present when the parameter is optional. */
  default?: unknown;
}

/**
 * Binds Jinja call arguments (positional values, then an optional trailing Kwargs) to named
 * parameters, as Python would. Throws a TypeError-like message for missing or unknown ones.
 */
export function bindArgs(fnName: string, params: Param[], args: unknown[]): Record<string, unknown> {
  let positional = args;
  let kwargs: Record<string, unknown> = {};
  const last = args[args.length - 1];
  if (last instanceof Kwargs) {
    positional = args.slice(0, -1);
    kwargs = last.values;
  }
  if (positional.length > params.length) throw new Error(`${fnName}() takes at most ${params.length} arguments (${positional.length} given)`);
  const bound: Record<string, unknown> = {};
  params.forEach((p, i) => {
    if (i < positional.length) bound[p.name] = positional[i];
  });
  for (const [k, v] of Object.entries(kwargs)) {
    if (!params.some((p) => p.name === k)) throw new Error(`${fnName}() got an unexpected keyword argument '${k}'`);
    if (k in bound) throw new Error(`${fnName}() got multiple values for argument '${k}'`);
    bound[k] = v;
  }
  for (const p of params) {
    if (!(p.name in bound)) {
      if (!('default' in p)) throw new Error(`${fnName}() missing required argument '${p.name}'`);
      bound[p.name] = p.default;
    }
  }
  return bound;
}

/** Splits call arguments into positional values and keyword values, without binding. */
export function splitArgs(args: unknown[]): { positional: unknown[]; kwargs: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (last instanceof Kwargs) return { positional: args.slice(0, -1), kwargs: last.values };
  return { positional: args, kwargs: {} };
}

export function isNone(v: unknown): boolean {
  return v === null || v === undefined || isUndefined(v);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Python's datetime.timedelta: a duration, printed like Python (`1 day, 2:03:04`). */
export class PyTimedelta {
  constructor(readonly milliseconds: number) {}

  static of(args: unknown[]): PyTimedelta {
    const { days = 0, seconds = 0, microseconds = 0, milliseconds = 0, minutes = 0, hours = 0, weeks = 0 } = bindArgs(
      'timedelta',
      ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'].map((name) => ({ name, default: 0 })),
      args,
    ) as Record<string, number>;
    return new PyTimedelta(Number(days) * 86400000 + Number(seconds) * 1000 + Number(microseconds) / 1000 + Number(milliseconds) + Number(minutes) * 60000 + Number(hours) * 3600000 + Number(weeks) * 604800000);
  }

  get days(): number {
    return Math.floor(this.milliseconds / 86400000);
  }
  get seconds(): number {
    return Math.floor((this.milliseconds - this.days * 86400000) / 1000);
  }
  get microseconds(): number {
    return Math.round((this.milliseconds % 1000 + 1000) % 1000) * 1000;
  }

  total_seconds(): number {
    return this.milliseconds / 1000;
  }

  __order__(): number {
    return this.milliseconds;
  }

  __add__(other: unknown): PyTimedelta | undefined {
    return other instanceof PyTimedelta ? new PyTimedelta(this.milliseconds + other.milliseconds) : undefined;
  }

  __sub__(other: unknown): PyTimedelta | undefined {
    return other instanceof PyTimedelta ? new PyTimedelta(this.milliseconds - other.milliseconds) : undefined;
  }

  toString(): string {
    const days = this.days;
    const rest = this.seconds;
    const clock = `${Math.floor(rest / 3600)}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}${this.microseconds ? `.${pad(this.microseconds, 6)}` : ''}`;
    return days === 0 ? clock : `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${clock}`;
  }
}

/** Enough of Python's datetime for dbt models: str(), strftime, isoformat and the fields. */
export class PyDateTime {
  /** `aware`: a UTC-aware datetime (run_started_at) prints its `+00:00`; a naive one does not. */
  constructor(
    private readonly instant: Date,
    readonly aware = true,
  ) {}

  get year(): number {
    return this.instant.getUTCFullYear();
  }
  get month(): number {
    return this.instant.getUTCMonth() + 1;
  }
  get day(): number {
    return this.instant.getUTCDate();
  }
  get hour(): number {
    return this.instant.getUTCHours();
  }
  get minute(): number {
    return this.instant.getUTCMinutes();
  }
  get second(): number {
    return this.instant.getUTCSeconds();
  }
  get microsecond(): number {
    return this.instant.getUTCMilliseconds() * 1000;
  }
  /** UTC for an aware datetime, None for a naive one. */
  get tzinfo(): PyTimezone | null {
    return this.aware ? UTC : null;
  }

  date(): PyDate {
    return PyDate.fromTime(this.instant.getTime());
  }

  time(): PyTime {
    return new PyTime(this.hour, this.minute, this.second, this.microsecond);
  }

  timetz(): PyTime {
    return new PyTime(this.hour, this.minute, this.second, this.microsecond, this.aware);
  }

  /** Python: `2026-11-26 11:19:27.123000+00:00` (dbt's run_started_at is timezone-aware UTC). */
  toString(): string {
    // Like Python's str(datetime): microseconds only when non-zero.
    const fraction = this.microsecond === 0 ? '' : `.${pad(this.microsecond, 6)}`;
    return `${this.strftime('%Y-%m-%d %H:%M:%S')}${fraction}${this.aware ? '+00:00' : ''}`;
  }

  isoformat(): string {
    return this.toString().replace(' ', 'T');
  }

  timestamp(): number {
    return this.instant.getTime() / 1000;
  }

  /** Ordering and equality in Jinja (runtime's `__order__` hook). */
  __order__(): number {
    return this.instant.getTime();
  }

  /** datetime + timedelta */
  __add__(other: unknown): PyDateTime | undefined {
    return other instanceof PyTimedelta ? new PyDateTime(new Date(this.instant.getTime() + other.milliseconds), this.aware) : undefined;
  }

  __radd__(other: unknown): PyDateTime | undefined {
    return this.__add__(other);
  }

  /** datetime - timedelta, datetime - datetime */
  __sub__(other: unknown): PyDateTime | PyTimedelta | undefined {
    if (other instanceof PyTimedelta) return new PyDateTime(new Date(this.instant.getTime() - other.milliseconds), this.aware);
    if (other instanceof PyDateTime) return new PyTimedelta(this.instant.getTime() - other.instant.getTime());
    return undefined;
  }

  /** Only UTC is known here: converting keeps the instant (and its UTC rendering). */
  astimezone(tz?: unknown): PyDateTime {
    const zone = tz && typeof tz === 'object' ? String((tz as { zone?: unknown }).zone ?? 'UTC') : 'UTC';
    if (zone !== 'UTC' && zone !== 'Etc/UTC') throw new Error(`astimezone('${zone}'): only UTC is available when compiling here`);
    return this.aware ? this : new PyDateTime(this.instant, true);
  }

  replace(...args: unknown[]): PyDateTime {
    const { kwargs } = splitArgs(args);
    const d = this.instant;
    const get = (k: string, v: number): number => (typeof kwargs[k] === 'number' ? (kwargs[k] as number) : v);
    return new PyDateTime(new Date(Date.UTC(get('year', d.getUTCFullYear()), get('month', d.getUTCMonth() + 1) - 1, get('day', d.getUTCDate()), get('hour', d.getUTCHours()), get('minute', d.getUTCMinutes()), get('second', d.getUTCSeconds()), typeof kwargs.microsecond === 'number' ? Math.floor(kwargs.microsecond / 1000) : d.getUTCMilliseconds())), this.aware);
  }

  /** Monday is 0, as in Python. */
  weekday(): number {
    return (this.instant.getUTCDay() + 6) % 7;
  }

  isoweekday(): number {
    return this.weekday() + 1;
  }

  strftime(format: unknown): string {
    const d = this.instant;
    const map: Record<string, string> = {
      Y: String(d.getUTCFullYear()),
      m: pad(d.getUTCMonth() + 1),
      d: pad(d.getUTCDate()),
      H: pad(d.getUTCHours()),
      M: pad(d.getUTCMinutes()),
      S: pad(d.getUTCSeconds()),
      f: pad(this.microsecond, 6),
      y: pad(d.getUTCFullYear() % 100),
      j: pad(Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3),
      // %z and %Z are empty for a naive datetime, as in Python.
      z: this.aware ? '+0000' : '',
      Z: this.aware ? 'UTC' : '',
      '%': '%',
    };
    return String(format).replace(/%(.)/g, (m, c: string) => map[c] ?? m);
  }
}


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

/** datetime.time: a naive time of day. */
export class PyTime {
  constructor(
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly aware = false,
  ) {}

  get tzinfo(): PyTimezone | null {
    return this.aware ? UTC : null;
  }

  isoformat(): string {
    return `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${this.microsecond === 0 ? '' : `.${pad(this.microsecond, 6)}`}${this.aware ? '+00:00' : ''}`;
  }

  toString(): string {
    return this.isoformat();
  }

  strftime(format: unknown): string {
    return new PyDateTime(new Date(Date.UTC(1900, 0, 1, this.hour, this.minute, this.second, Math.floor(this.microsecond / 1000))), this.aware).strftime(format);
  }

  __order__(): number {
    return ((this.hour * 60 + this.minute) * 60 + this.second) * 1e6 + this.microsecond;
  }
}

/** A time zone as pytz or datetime.timezone names it; only UTC converts here. */
export class PyTimezone {
  constructor(readonly zone: string) {}
  toString(): string {
    return this.zone;
  }
}

export const UTC = new PyTimezone('UTC');
