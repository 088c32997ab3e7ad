/**
 * Everything needed to compile against one target: the profile read through the FileHost,
 * values rendered with env_var, the dialect of the adapter, and a Compiler over the analysis.
 */
import type { Analysis } from './analysis';
import type { Clock } from './clock';
import { compileDialectFor, Compiler, dialectFor, TemplateCache, type CompileOptions, type Dialect } from './compiler';
import { bindArgs } from './compiler/python';
import type { Diagnostic } from './diagnostics';
import { joinPath, type FileHost } from './host';
import { parse, render } from './jinja';
import { readProfile, type Target } from './profiles';
import { parseTimeOf } from './loader';

export interface TargetRequest {
  /** Target name (`--target`); the profile's default when absent. */
  target?: string;
  env: Record<string, string | undefined>;
  /** Folders to look for profiles.yml in, in order (e.g. --profiles-dir, the project, ~/.dbt). */
  profilesDirs: string[];
  vars?: Record<string, unknown>;
}

export interface ResolvedTarget {
  target: Target;
  dialect: Dialect;
  targets: string[];
  diagnostics: Diagnostic[];
  /** Set when Medallion cannot run on the target's adapter (also in diagnostics); it still compiles for it. */
  unsupportedAdapter?: Diagnostic;
}

/** dbt's profile lookup order: DBT_PROFILES_DIR, then the project folder, then ~/.dbt. */
export function defaultProfilesDirs(projectRoot: string, env: Record<string, string | undefined>): string[] {
  const dirs: string[] = [];
  if (env.DBT_PROFILES_DIR) dirs.push(env.DBT_PROFILES_DIR);
  dirs.push(projectRoot);
  const home = env.HOME ?? env.USERPROFILE;
  if (home) dirs.push(joinPath(home, '.dbt'));
  return dirs;
}

export function resolveTarget(host: FileHost, analysis: Analysis, request: TargetRequest): ResolvedTarget {
  let text: string | undefined;
  let file = 'profiles.yml';
  for (const dir of request.profilesDirs) {
    const path = joinPath(dir, 'profiles.yml');
    const read = host.read(path);
    if (read.kind === 'text') {
      text = read.text;
      file = path;
      break;
    }
  }
  const renderValue = (value: string): string => renderEnvString(value, request.env);
  const profileName = analysis.project.config.profile ?? analysis.project.config.name;
  const result = readProfile(text, file, profileName, request.target, renderValue, analysis.project.config.targetPath);
  const diagnostics = [...result.diagnostics];
  const resolved: ResolvedTarget = { target: result.target, dialect: compileDialectFor(result.target.type), targets: result.targets, diagnostics };
  if (!dialectFor(result.target.type)) {
    // Compiling works for any adapter; this error stops what would run on one.
    resolved.unsupportedAdapter = { code: 'profile', severity: 'error', file, message: `Target '${result.target.name}' is of type '${result.target.type}'; Medallion runs on duckdb and databricks (it compiles for any adapter)` };
    diagnostics.push(resolved.unsupportedAdapter);
  }
  return resolved;
}

/** Renders `{{ env_var('X', 'default') }}` in a profile value; anything else is left as written. */
export function renderEnvString(value: string, env: Record<string, string | undefined>): string {
  if (!value.includes('{{') && !value.includes('{%')) return value;
  const { template, diagnostics } = parse(value);
  if (diagnostics.length > 0) return value;
  const out = render(template, {
    env_var: (...args: unknown[]) => {
      const { var: name, default: fallback } = bindArgs('env_var', [{ name: 'var' }, { name: 'default', default: undefined }], args);
      const v = env[String(name)];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      throw new Error(`Env var required but not provided: '${String(name)}'`);
    },
  });
  return out.error ? value : out.output;
}

export interface CompilerRequest extends TargetRequest {
  /** The invocation's clock: the node side gives the machine's (`node/clock.ts`). */
  clock?: Clock;
  invocationId?: string;
  fullRefresh?: boolean;
  /** dbt's `--store-failures` (run and build). */
  storeFailures?: boolean;
  relationExists?: CompileOptions['relationExists'];
  deferredRelation?: CompileOptions['deferredRelation'];
  /** Default: the templates the project's load parsed (its macro files are not parsed again). */
  templates?: TemplateCache;
}

export function createCompiler(host: FileHost, analysis: Analysis, request: CompilerRequest): { compiler: Compiler; resolved: ResolvedTarget } {
  const resolved = resolveTarget(host, analysis, request);
  const options: CompileOptions = { target: resolved.target, dialect: resolved.dialect, env: request.env };
  if (request.vars) options.vars = request.vars;
  if (request.clock) options.clock = request.clock;
  if (request.invocationId) options.invocationId = request.invocationId;
  if (request.fullRefresh) options.fullRefresh = request.fullRefresh;
  if (request.storeFailures) options.storeFailures = true;
  if (request.relationExists) options.relationExists = request.relationExists;
  if (request.deferredRelation) options.deferredRelation = request.deferredRelation;
  return { compiler: new Compiler(analysis, options, request.templates ?? parseTimeOf(analysis.project)?.options.templates), resolved };
}
