// Host functions for the parity cases: a mirror of host_globals() in scripts/jinja-goldens.py.
// They follow the engine's calling convention (keyword args arrive as a trailing Kwargs).

import { Kwargs, MacroReturn, pyRepr, returnFunction } from '../../server/src/core/jinja';

function split(all: unknown[]): { args: unknown[]; kw: Record<string, unknown> } {
  const last = all[all.length - 1];
  if (last instanceof Kwargs) return { args: all.slice(0, -1), kw: { ...last.values } };
  return { args: all, kw: {} };
}

const VARS: Record<string, unknown> = { start_date: '2020-01-01', limit: 10, enabled: true, cols: ['a', 'b'] };
const ENV: Record<string, string> = { DBT_USER: 'alice' };

class Relation {
  readonly name: string;
  constructor(readonly database: string, readonly schema: string, readonly identifier: string) {
    this.name = identifier;
  }
  toString(): string {
    return `"${this.database}"."${this.schema}"."${this.identifier}"`;
  }
}

class Adapter {
  quote(identifier: unknown): string {
    return `"${String(identifier)}"`;
  }
}

class Exceptions {
  raise_compiler_error(msg: unknown): never {
    throw new Error(String(msg));
  }
}

class Target {
  name = 'dev';
  schema = 'dbt_alice';
  type = 'duckdb';
  threads = 4;
}

export function hostGlobals(): Record<string, unknown> {
  return {
    // Marked as dbt's is (context.ts): `{% do return(x) %}` statements end the macro without the exception.
    return: returnFunction((...all: unknown[]): never => {
      const { args } = split(all);
      throw new MacroReturn(args.length ? args[0] : null);
    }),
    ref: (...all: unknown[]) => {
      const { args, kw } = split(all);
      let name = String(args[args.length - 1]);
      const schema = args.length > 1 ? String(args[0]) : 'dbt';
      const v = kw['v'] ?? kw['version'];
      if (v !== undefined) name = `${name}_v${String(v)}`;
      return `"analytics"."${schema}"."${name}"`;
    },
    source: (...all: unknown[]) => {
      const { args } = split(all);
      return `"raw"."${String(args[0])}"."${String(args[1])}"`;
    },
    var: (...all: unknown[]) => {
      const { args, kw } = split(all);
      const name = String(args[0]);
      if (Object.prototype.hasOwnProperty.call(VARS, name)) return VARS[name];
      const def = args.length > 1 ? args[1] : kw['default'] ?? null;
      if (def === null) throw new Error(`Required var '${name}' not found`);
      return def;
    },
    env_var: (...all: unknown[]) => {
      const { args, kw } = split(all);
      const name = String(args[0]);
      if (Object.prototype.hasOwnProperty.call(ENV, name)) return ENV[name];
      const def = args.length > 1 ? args[1] : kw['default'] ?? null;
      if (def === null) throw new Error(`Env var required but not provided: '${name}'`);
      return def;
    },
    config: () => '',
    echo: (...all: unknown[]) => {
      const { args, kw } = split(all);
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(kw).sort()) sorted[k] = kw[k];
      return `args=${pyRepr(args)} kwargs=${pyRepr(sorted)}`;
    },
    raise_error: (msg: unknown) => {
      throw new Error(String(msg));
    },
    is_incremental: () => false,
    log: () => '',
    this: new Relation('analytics', 'dbt', 'my_model'),
    adapter: new Adapter(),
    exceptions: new Exceptions(),
    target: new Target(),
  };
}
