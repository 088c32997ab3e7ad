/**
 * `medallion debug`: what dbt debug checks, for Medallion: versions, the project, profiles.yml and
 * the target, git (for git packages), and a real connection (`select 1` on the target), each with
 * a verdict and what to do when it fails; exit 1 when any check fails.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { analyzeProject, type AnalyzeOptions } from '../core/analysis';
import { defaultProfilesDirs, resolveTarget, type TargetRequest } from '../core/session';
import { NodeFileHost } from '../node/fs-host';
import { findProjectRoot } from '../node/project-root';
import { openEngine } from '../runner/project-run';
import { DBT_VERSION } from '../core/deps/packages';
import { flag, option, type ParsedArgs } from './args';
import { explainFailure } from '../runner/failures';
import { formatDiagnostic, green, red, bold } from './output';
import { outputFormat } from './help';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export async function debugCommand(args: ParsedArgs, version: string, loadOptions: (root: string) => AnalyzeOptions): Promise<number> {
  const json = outputFormat('debug', option(args, 'output')) === 'json';
  const checks: Check[] = [];
  const info: Record<string, string> = {
    medallion: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    'dbt-core behaviour': DBT_VERSION,
  };
  const add = (name: string, ok: boolean, detail: string): void => {
    checks.push({ name, ok, detail });
  };
  if (Number(process.versions.node.split('.')[0]) < 20) add('node', false, `Node ${process.version} is too old: Medallion needs Node 20 or newer`);
  try {
    info.git = execFileSync('git', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    info.git = 'not found (only git packages in packages.yml need it)';
  }

  const root = findProjectRoot(option(args, 'project'));
  if (!root) add('project', false, `no dbt_project.yml ${option(args, 'project') ? `in ${option(args, 'project')}` : 'here or above'}: run medallion in your project folder, pass --project DIR, or create one with \`medallion init\``);
  else {
    const host = new NodeFileHost();
    // Loaded as every other command loads it: env_var, --target and the target path count.
    const analysis = analyzeProject(host, root, loadOptions(root));
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    if (!flag(args, 'connection')) {
      add('project', errors.length === 0, `${analysis.project.config.name} at ${root}: ${analysis.project.nodes.size} nodes, ${errors.length} errors${errors.length ? ` (first: ${formatDiagnostic(errors[0]!, analysis.project, host)}; \`medallion parse\` lists them)` : ''}`);
    }
    const env = process.env as Record<string, string | undefined>;
    const profilesDir = option(args, 'profiles-dir');
    const request: TargetRequest = { env, profilesDirs: profilesDir ? [resolve(profilesDir)] : defaultProfilesDirs(root, env) };
    const target = option(args, 'target');
    if (target) request.target = target;
    const resolved = resolveTarget(host, analysis, request);
    const profileErrors = resolved.diagnostics.filter((d) => d.severity === 'error');
    const where = request.profilesDirs.map((d) => `${d}/profiles.yml`).find((f) => host.read(f).kind === 'text');
    add('profile', profileErrors.length === 0, profileErrors.length ? profileErrors.map((d) => formatDiagnostic(d, analysis.project, host)).join('\n') : `${where ?? 'no profiles.yml (the built-in DuckDB target)'}: profile ${resolved.target.profileName}, target ${resolved.target.name} (${resolved.target.type}${resolved.target.type === 'duckdb' ? `, ${String(resolved.target.settings.path ?? 'target/medallion.duckdb')}` : `, ${String(resolved.target.settings.host ?? env.DATABRICKS_HOST ?? 'no host')}`})`);
    if (profileErrors.length === 0) {
      const started = performance.now();
      try {
        const engine = await openEngine(resolved.target, root, env);
        try {
          const session = await engine.acquire();
          const result = await session.execute(resolved.target.type === 'duckdb' ? 'select version() as v' : 'select current_version().dbsql_version as v');
          const v = result.rows[0]?.[0];
          if (v !== undefined && v !== null) info[resolved.target.type] = String(v);
          add('connection', true, `a query on target ${resolved.target.name} answered in ${((performance.now() - started) / 1000).toFixed(2)}s`);
        } finally {
          await engine.close();
        }
      } catch (err) {
        add('connection', false, explainFailure((err as Error).message));
      }
    }
  }
  const failed = checks.filter((c) => !c.ok);
  if (json) {
    process.stdout.write(JSON.stringify({ versions: info, checks, ok: failed.length === 0 }) + '\n');
    return failed.length ? 1 : 0;
  }
  process.stdout.write(`${bold('Versions')}\n${Object.entries(info).map(([k, v]) => `  ${k.padEnd(20)} ${v}`).join('\n')}\n\n${bold('Checks')}\n`);
  for (const c of checks) process.stdout.write(`  ${c.ok ? green('OK  ') : red('FAIL')} ${c.name.padEnd(11)} ${c.detail.split('\n').join(`\n${' '.repeat(18)}`)}\n`);
  process.stdout.write(`\n${failed.length ? red(`${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.name).join(', ')}`) : green(`All ${checks.length} checks passed.`)}\n`);
  return failed.length ? 1 : 0;
}
