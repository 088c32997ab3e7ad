/**
 * Command line for the landing-data generator:
 *
 *   node out/server/src/sample/cli.js [--out models/landing-data] [--orders 2100] [--seed 42] [--batch 1]
 *
 * Prints one JSON line: { files, rows, seconds }.
 */
import { generateLanding, type GenerateOptions } from './generator';

function parseArgs(argv: string[]): GenerateOptions {
  const opts: GenerateOptions = { outDir: 'models/landing-data' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = Number(value().replace(/_/g, ''));
      if (!Number.isInteger(v)) throw new Error(`${flag} needs an integer`);
      return v;
    };
    switch (flag) {
      case '--out': opts.outDir = value(); break;
      case '--orders': opts.orders = int(); break;
      case '--reviews': opts.reviews = int(); break;
      case '--products': opts.products = int(); break;
      case '--users': opts.users = int(); break;
      case '--seed': opts.seed = int(); break;
      case '--batch': opts.batch = int(); break;
      case '-h':
      case '--help':
        process.stdout.write('usage: cli.js [--out DIR] [--orders N] [--reviews N] [--products N] [--users N] [--seed N] [--batch K]\n');
        process.exit(0);
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const result = await generateLanding(opts);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ ...result, seconds: Math.round(seconds * 1000) / 1000 }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
