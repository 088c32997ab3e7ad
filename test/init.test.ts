/**
 * `medallion init`: the scaffold builds at once on DuckDB, and the pinned dbt-core parses it
 * without a warning (test/goldens/dbt/init-parse.json, made by scripts/dbt_goldens/init-parse.sh).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testPath } from './support/golden';
import { defaultDatabase, projectNameFrom, scaffoldDigest, scaffoldFiles } from '../server/src/cli/scaffold';
import { initCommand } from '../server/src/cli/init';
import { parseArgs } from '../server/src/cli/args';

const bin = testPath('..', 'bin', 'medallion.js');

function medallion(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('medallion init', () => {
  it('the scaffold is what the pinned dbt-core parsed without warnings', () => {
    const golden = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'init-parse.json'), 'utf8')) as { dbt: string; name: string; scaffold_sha256: string; warnings: string[]; errors: string[]; control_warnings: string[] };
    const files = scaffoldFiles({ name: golden.name, database: defaultDatabase(golden.name) });
    assert.equal(scaffoldDigest(files), golden.scaffold_sha256, 'the scaffold changed since dbt checked it: run scripts/dbt_goldens/init-parse.sh');
    assert.equal(golden.dbt, '1.12.6');
    assert.deepEqual(golden.warnings, []);
    assert.deepEqual(golden.errors, []);
    // The same check warns when the layer is a custom config key: it can fail.
    assert.ok(golden.control_warnings.some((w) => w.includes('CustomKeyInConfigDeprecation')), golden.control_warnings.join('\n'));
    assert.match(files.get('dbt_project.yml')!, /^ {6}\+meta: \{layer: bronze\}$/m);
  });

  it('without a terminal takes the defaults; the project parses clean and builds at once', () => {
    const parent = mkdtempSync(join(tmpdir(), 'medallion-init-'));
    const created = medallion(['init', 'My Shop'], parent);
    assert.equal(created.code, 0, created.stderr);
    const dir = join(parent, 'My Shop');
    assert.match(readFileSync(join(dir, 'dbt_project.yml'), 'utf8'), /^name: my_shop$/m);
    assert.match(readFileSync(join(dir, 'profiles.yml'), 'utf8'), /^ {6}path: target\/my_shop\.duckdb$/m);
    const parsed = medallion(['parse'], dir);
    assert.equal(parsed.code, 0, parsed.stderr);
    assert.match(parsed.stdout, /^my_shop: 3 models, 1 seed, 1 source, \d+ tests, 1 unit test, 0 macros; 0 errors, 0 warnings$/m);
    const built = medallion(['build'], dir);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    assert.match(built.stdout, /PASS=16 WARN=0 ERROR=0 SKIP=0 TOTAL=16/);
    const shown = medallion(['show', 'gold_daily_revenue', '--output', 'json'], dir);
    assert.equal(shown.code, 0, shown.stderr);
    const rows = (JSON.parse(shown.stdout) as { rows: Array<{ order_date: string; orders: number | string }> }).rows;
    assert.equal(rows.reduce((n, r) => n + Number(r.orders), 0), 7, 'eight landed orders, one cancelled');
  });

  it('never overwrites: a second init writes nothing and says why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-init-'));
    assert.equal(medallion(['init', '.', '--yes'], dir).code, 0);
    writeFileSync(join(dir, 'models', 'bronze', 'bronze_orders.sql'), 'select 1 as mine');
    const again = medallion(['init', '.', '--name', 'other'], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has .*dbt_project\.yml.*nothing was written/);
    assert.equal(readFileSync(join(dir, 'models', 'bronze', 'bronze_orders.sql'), 'utf8'), 'select 1 as mine');
    assert.doesNotMatch(readFileSync(join(dir, 'dbt_project.yml'), 'utf8'), /name: other/);
  });

  it('flags: --name and --database; a bad name is a usage error', () => {
    const parent = mkdtempSync(join(tmpdir(), 'medallion-init-'));
    assert.equal(medallion(['init', 'a', '--name', 'sales', '--database', 'db/sales.duckdb'], parent).code, 0);
    assert.match(readFileSync(join(parent, 'a', 'profiles.yml'), 'utf8'), /^ {6}path: db\/sales\.duckdb$/m);
    const bad = medallion(['init', 'b', '--name', '9lives'], parent);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a valid dbt project name/);
    assert.equal(existsSync(join(parent, 'b')), false);
  });

  it('prompts for what the flags leave out, re-asking after an invalid name', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'medallion-init-'));
    const answers = ['no spaces allowed', 'shop', ''];
    const asked: string[] = [];
    const prompter = { ask: async (q: string, fallback: string) => (asked.push(`${q} [${fallback}]`), answers.shift() || fallback), close: () => undefined };
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let code: number;
    try {
      code = await initCommand(parseArgs(['x'], { flags: ['yes'], values: ['name', 'database'] }), { cwd: parent, prompter });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    assert.deepEqual(asked, ['Project name: [x]', 'Project name: [x]', 'DuckDB database file of the dev target: [target/shop.duckdb]']);
    assert.match(readFileSync(join(parent, 'x', 'dbt_project.yml'), 'utf8'), /^name: shop$/m);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it('on a real terminal: asks, keeps answers typed ahead, and the end of input takes the defaults', { skip: !hasScript && 'needs script(1) for a pseudo-terminal' }, () => {
    const parent = mkdtempSync(join(tmpdir(), 'medallion-init-'));
    const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} init proj`, '/dev/null'], { cwd: parent, input: '9bad\nshop\n', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /Project name: \(proj\)/);
    assert.match(r.stdout, /letters, digits and underscores/);
    assert.match(readFileSync(join(parent, 'proj', 'dbt_project.yml'), 'utf8'), /^name: shop$/m);
    assert.match(readFileSync(join(parent, 'proj', 'profiles.yml'), 'utf8'), /^ {6}path: target\/shop\.duckdb$/m);
  });

  it('project names from folder names', () => {
    assert.deepEqual(['My Shop-2', 'sales', '2024 report', '---'].map(projectNameFrom), ['my_shop_2', 'sales', 'project_2024_report', 'medallion_project']);
  });
});
