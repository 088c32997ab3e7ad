/** A small, strict argument parser: `--flag`, `--key value`, `--key=value`, repeated keys collect. */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string[]>;
}

export class UsageError extends Error {}

export interface ArgsSpec {
  flags: string[];
  values: string[];
  /** One-letter aliases: `s` → `select`. */
  shorts?: Record<string, string>;
  /** Called for an option the command does not take (throws a UsageError, e.g. with "did you mean"). */
  unknown?: (key: string) => never;
}

export function parseArgs(argv: string[], spec: ArgsSpec): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  const add = (key: string, value: string): void => {
    const list = options.get(key) ?? [];
    list.push(value);
    options.set(key, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = (eq === -1 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    const normalized = (arg.startsWith('--') ? undefined : spec.shorts?.[key]) ?? key;
    if (spec.flags.includes(normalized)) {
      if (eq !== -1) throw new UsageError(`--${normalized} takes no value`);
      add(normalized, 'true');
    } else if (spec.values.includes(normalized)) {
      if (eq !== -1) add(normalized, arg.slice(eq + 1));
      else {
        const value = argv[++i];
        if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`--${normalized} needs a value`);
        add(normalized, value);
        // dbt allows `--select a b c`: keep taking words until the next option.
        if (normalized === 'select' || normalized === 'exclude' || normalized === 'models') {
          while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) add(normalized, argv[++i]!);
        }
      }
    } else if (spec.unknown) {
      spec.unknown(normalized);
    } else {
      throw new UsageError(`unknown option --${key}`);
    }
  }
  return { positional, options };
}

export function option(args: ParsedArgs, key: string): string | undefined {
  const list = args.options.get(key);
  return list ? list[list.length - 1] : undefined;
}

export function flag(args: ParsedArgs, key: string): boolean {
  return args.options.has(key);
}
