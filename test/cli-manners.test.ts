/**
 * The command line as a user meets it: help that helps, "did you mean", one list of --output values,
 * --quiet, colours only where wanted, and failures a user can act on (a locked or corrupted DuckDB
 * file, a missing Databricks token, a broken profiles.yml, a closed stdout) said without stack traces.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';
import { OUTPUT_CHOICES } from '../server/src/cli/help';
import { colourWanted } from '../server/src/cli/output';
import { middleEllipsis, progressBar, rowsCell } from '../server/src/cli/run-output';
import { explainFailure } from '../server/src/runner/failures';

const bin = process.env.MEDALLION_BIN ?? testPath('..', 'bin', 'medallion.js');
const sample = testPath('..', 'models');

function medallion(args: string[], cwd = sample, env: Record<string, string | undefined> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const STACK = /^\s+at .*:\d+:\d+\)?$/m;

function assertNoTrace(r: { stdout: string; stderr: string }): void {
  assert.doesNotMatch(r.stderr + r.stdout, /internal error/);
  assert.doesNotMatch(r.stderr + r.stdout, STACK);
}

const smallProject = (extra: Record<string, string> = {}): string =>
  tempProject({
    'models/silver/orders.sql': 'select 1 as id',
    'models/gold/daily.sql': "select * from {{ ref('orders') }}",
    ...extra,
  });

describe('CLI help and usage', () => {
  it('build --help: the command\'s own usage, options and examples', () => {
    for (const args of [['build', '--help'], ['help', 'build'], ['build', '-h']]) {
      const r = medallion(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: medallion build /m);
      assert.match(r.stdout, /--full-refresh\s+rebuild incremental models/);
      assert.match(r.stdout, /^Examples:\n {2}medallion build$/m);
      assert.doesNotMatch(r.stdout, /landing upload/, 'not the global help');
    }
  });

  it('every command has help with examples; the global help lists them', () => {
    const global = medallion(['--help']).stdout;
    for (const command of ['init', 'deps', 'debug', 'clean', 'parse', 'ls', 'compile', 'build', 'run', 'test', 'seed', 'snapshot', 'show', 'lineage', 'landing']) {
      assert.match(global, new RegExp(`^ {2}${command} `, 'm'), command);
      const r = medallion([command, '--help']);
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      assert.match(r.stdout, /^Examples:\n {2}medallion /m, command);
    }
  });

  it('did you mean: commands, options, option of another command', () => {
    const command = medallion(['biuld']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'biuld' \(did you mean 'build'\?\)/);
    const opt = medallion(['build', '--ful-refresh']);
    assert.equal(opt.code, 2);
    assert.match(opt.stderr, /unknown option --ful-refresh \(did you mean --full-refresh\?\)/);
    const elsewhere = medallion(['ls', '--limit', '3']);
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, /--limit is an option of show, not of ls/);
  });

  it('--output: the values the help lists are the values the error lists', () => {
    for (const [command, choices] of Object.entries(OUTPUT_CHOICES)) {
      const help = medallion([command, '--help']).stdout;
      assert.match(help, new RegExp(`--output ${choices.join('\\|')} `), command);
      const bad = medallion([command, ...(command === 'lineage' || command === 'show' ? ['silver_orders'] : []), '--output', 'yaml']);
      assert.equal(bad.code, 2, `${command}: ${bad.stderr}`);
      assert.match(bad.stderr, new RegExp(`--output must be one of ${choices.join(', ')}$`, 'm'), command);
    }
  });
});

describe('CLI run output', () => {
  it('the summary shows full names, the kind, rows with their meaning and a time per node; --quiet only the result', () => {
    const long = 'silver_orders_enriched_with_customer_lifetime_value_and_regional_breakdowns_by_day';
    const root = smallProject({ [`models/silver/${long}.sql`]: "{{ config(materialized='table') }} select * from {{ ref('orders') }}" });
    const r = medallion(['run'], root);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${long}\\s+table\\s+OK\\s+1\\s+\\d+\\.\\d\\ds$`, 'm'));
    assert.match(r.stdout, /^node\s+kind\s+status\s+rows\s+time$/m);
    assert.match(r.stdout, /^rows: a table's or seed's row count after the build; \+N: rows an incremental model merged/m);
    const quiet = medallion(['run', '-q'], root);
    assert.equal(quiet.code, 0);
    assert.deepEqual(quiet.stdout.trim().split('\n'), [quiet.stdout.trim().split('\n').find((l) => l.startsWith('Done in'))]);
  });

  it('a selection that matches nothing warns, naming the selector', () => {
    const r = medallion(['build', '-s', 'silver_ordrs']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /warning: The selector 'silver_ordrs' does not match any enabled node/);
    assert.match(r.stderr, /nothing to do: the selection 'silver_ordrs' has no nodes to build/);
  });

  it('a duplicate model name is reported by build too', () => {
    const root = smallProject({ 'models/other/orders.sql': 'select 2 as id' });
    const r = medallion(['build', '-s', 'daily'], root);
    assert.match(r.stderr, /error duplicate-name: Two models are named 'orders'/);
  });

  it('a Jinja error in a model is blamed on the model (its file and line), not on the unit test that compiles it', () => {
    const root = smallProject({
      'models/gold/daily.sql': "select id from {{ ref('orders') }}\n{{ exceptions.raise_compiler_error('boom in daily') if execute }}\n",
      'models/gold/unit.yml': "unit_tests:\n  - name: test_daily\n    model: daily\n    given:\n      - input: ref('orders')\n        rows:\n          - {id: 1}\n    expect:\n      rows:\n        - {id: 1}\n",
    });
    const r = medallion(['build', '--project', root], root);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /models\/gold\/daily\.sql:2: model daily does not compile: Compilation Error: boom in daily/);
    assert.doesNotMatch(r.stdout + r.stderr, /unit\.yml: Compilation Error/);
  });

  it('rows cells and names: middle ellipsis, kinds, progress bar', () => {
    assert.equal(middleEllipsis('abcdefghij', 7), 'abc…hij');
    assert.equal(middleEllipsis('short', 7), 'short');
    const base = { uniqueId: 'x', name: 'x', status: 'success' as const, message: '', seconds: 0, startedAt: '', completedAt: '', thread: '', file: '' };
    assert.equal(rowsCell({ ...base, resourceType: 'model', rows: 5 }, 'table'), '5');
    assert.equal(rowsCell({ ...base, resourceType: 'model', rows: 5 }, 'incremental'), '+5');
    assert.equal(rowsCell({ ...base, resourceType: 'snapshot', rows: 2 }, undefined), '+2');
    assert.equal(rowsCell({ ...base, resourceType: 'test', status: 'fail', failures: 3 }, undefined), '3 failing');
    assert.equal(progressBar(1, 4, 8), '[██░░░░░░]');
  });

  it('colours only on a terminal and never with NO_COLOR', () => {
    assert.equal(colourWanted(true, {}), true);
    assert.equal(colourWanted(true, { NO_COLOR: '1' }), false);
    assert.equal(colourWanted(false, {}), false);
    assert.equal(colourWanted(undefined, {}), false);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it('on a terminal: a progress bar while running; NO_COLOR leaves no escape codes', { skip: !hasScript && 'needs script(1) for a pseudo-terminal' }, () => {
    const root = smallProject();
    const run = (env: Record<string, string>): string =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} run`, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent', COLUMNS: '100', ...env } }).stdout;
    const coloured = run({ NO_COLOR: '' });
    assert.match(coloured, /\[[█░]{24}\] \d\/2 {2}running: /);
    assert.match(coloured, /\u001b\[32mOK/);
    const plain = run({ NO_COLOR: '1' });
    assert.match(plain, /Done in/);
    assert.doesNotMatch(plain, /\u001b\[(\d+)m/);
  });
});

describe('CLI failures a user can act on', () => {
  it('a DuckDB file locked by another process: which process, what to do; no stack trace', async () => {
    const root = smallProject();
    mkdirSync(`${root}/target`, { recursive: true });
    const holder = spawn(process.execPath, ['-e', `
      const { DuckDBInstance } = require(${JSON.stringify(testPath('..', 'node_modules', '@duckdb', 'node-api'))});
      DuckDBInstance.create(${JSON.stringify(`${root}/target/test.duckdb`)}).then(async (i) => { await (await i.connect()).run('select 1'); console.log('held'); });
      process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.on('exit', () => reject(new Error('holder exited')));
      });
      for (const args of [['show', 'orders'], ['build']]) {
        const r = medallion(args, root);
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, new RegExp(`is in use by another process: PID ${holder.pid} \\(.*node`), args.join(' '));
        assert.match(r.stderr, /Wait for that process to finish, or stop it/);
        assertNoTrace(r);
        assert.doesNotMatch(r.stdout, /error/i, 'fatal errors go to stderr');
      }
    } finally {
      holder.stdin!.end();
      holder.kill();
    }
  });

  it('a corrupted database file: how to rebuild it; no stack trace', () => {
    const root = smallProject();
    mkdirSync(`${root}/target`, { recursive: true });
    writeFileSync(`${root}/target/test.duckdb`, Buffer.alloc(64 * 1024, 7));
    for (const args of [['show', 'orders'], ['run']]) {
      const r = medallion(args, root);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /target\/test\.duckdb is not a usable DuckDB database/);
      assert.match(r.stderr, /delete .*target\/test\.duckdb .*and run\n?`medallion build` to rebuild it/s);
      assertNoTrace(r);
    }
    // The shape DuckDB 1.5 prints on Windows (as quoted in public bug reports), whatever the language.
    const windows = 'Cannot open DuckDB database C:\\p\\a.duckdb: IO Error: Cannot open file "C:\\p\\a.duckdb": The process cannot access the file because it is being used by another process.\n\n\nFile is already open in \nC:\\tools\\duckdb.exe (PID 8252)';
    assert.match(explainFailure(windows, () => undefined), /^The DuckDB database C:\\p\\a\.duckdb is in use by another process: PID 8252 \(C:\\tools\\duckdb\.exe\)\./);
    assert.match(explainFailure('Cannot open DuckDB database /x/a.duckdb: IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2 in block at location 12288'), /^\/x\/a\.duckdb is not a usable DuckDB database/);
  });

  it('a missing Databricks token: the message, no stack trace', () => {
    const root = smallProject({ 'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: databricks\n      host: 127.0.0.1\n      http_path: /sql/1.0/warehouses/x\n      catalog: main\n      schema: s\n' });
    for (const args of [['show', 'orders'], ['run']]) {
      const r = medallion(args, root, { DATABRICKS_TOKEN: undefined });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /has no token: set it in profiles\.yml .* or the DATABRICKS_TOKEN environment variable/);
      assertNoTrace(r);
    }
  });

  it('profiles.yml problems carry line and column', () => {
    const broken = smallProject({ 'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n     path: x\n' });
    for (const args of [['run'], ['compile'], ['show', 'orders']]) {
      const r = medallion(args, broken);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /profiles\.yml:6:\d+: error yaml-syntax: /, args.join(' '));
    }
    const noTarget = smallProject({ 'profiles.yml': 'p:\n  target: prod\n  outputs:\n    dev:\n      type: duckdb\n' });
    assert.match(medallion(['run'], noTarget).stderr, /profiles\.yml:4:5: error profile: Profile 'p' has no target 'prod' \(targets: dev\)/);
  });

  it('a closed stdout (medallion ls | head) is a quiet exit', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`models/m_${i}.sql`] = 'select 1 as id';
    const root = tempProject(files);
    const child = spawn(process.execPath, [bin, 'ls'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.once('data', () => child.stdout!.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

describe('medallion debug and clean', () => {
  it('debug: versions, project, profile, a real connection, a verdict', () => {
    const root = smallProject();
    const ok = medallion(['debug'], root);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ {2}duckdb {15}v\d+\.\d+/m);
    assert.match(ok.stdout, /OK {3}connection {2}a query on target dev answered/);
    assert.match(ok.stdout, /All 3 checks passed\./);
    const json = JSON.parse(medallion(['debug', '--output', 'json'], root).stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean }> };
    assert.deepEqual(json.checks.map((c) => [c.name, c.ok]), [['project', true], ['profile', true], ['connection', true]]);
    const broken = smallProject({ 'profiles.yml': 'p:\n  target: prod\n  outputs:\n    dev:\n      type: duckdb\n' });
    const bad = medallion(['debug'], broken);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAIL profile {5}.*profiles\.yml:4:5: error profile: Profile 'p' has no target 'prod'/);
    assert.match(bad.stdout, /1 of 2 checks failed: profile/);
    mkdirSync(`${root}/target`, { recursive: true });
    writeFileSync(`${root}/target/test.duckdb`, Buffer.alloc(64 * 1024, 7));
    const corrupt = medallion(['debug'], root);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stdout, /FAIL connection .*is not a usable DuckDB database/);
  });

  it('debug loads the project as every command does: env_var reads the environment', () => {
    const root = smallProject({ 'models/silver/by_env.sql': "select '{{ env_var('MEDALLION_TEST_REGION') }}' as region" });
    const withEnv = medallion(['debug', '--output', 'json'], root, { MEDALLION_TEST_REGION: 'eu' });
    const checks = (JSON.parse(withEnv.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks;
    assert.deepEqual(checks.find((c) => c.name === 'project')?.ok, true, withEnv.stdout);
    const without = medallion(['debug', '--output', 'json'], root, { MEDALLION_TEST_REGION: undefined });
    const project = (JSON.parse(without.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks.find((c) => c.name === 'project');
    assert.equal(project?.ok, false);
    assert.match(project?.detail ?? '', /MEDALLION_TEST_REGION/);
  });

  it('clean deletes the clean-targets and never a source folder', () => {
    const root = smallProject({ 'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nclean-targets: ["target", "dbt_packages"]\n' });
    mkdirSync(`${root}/target/run`, { recursive: true });
    mkdirSync(`${root}/dbt_packages/x`, { recursive: true });
    const r = medallion(['clean'], root);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['Deleted target/', 'Deleted dbt_packages/']);
    const unsafe = smallProject({ 'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 2\nclean-targets: ["target", "models"]\n' });
    const refused = medallion(['clean'], unsafe);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /will not delete source folders: models/);
  });
});
