/**
 * dbt's profiles.yml: profiles → targets. Values may use `{{ env_var('X', 'default') }}`; the
 * caller renders them (the core has no environment of its own). Without a profile, an embedded
 * DuckDB target is the default so a project runs with no set-up at all.
 */
import type { Diagnostic } from './diagnostics';
import { get, getString, parseYaml, toJS } from './yaml-tree';

export interface Target {
  /** Target name (`dev`, `prod`, `databricks`). */
  name: string;
  /** dbt adapter type: `duckdb`, `databricks`. */
  type: string;
  /** Database (DuckDB file stem) or catalog (Databricks); may be empty. */
  database: string;
  schema: string;
  threads: number;
  profileName: string;
  /** Every other key as written (host, http_path, path, token...). */
  settings: Record<string, unknown>;
}

/** Keys never exposed to templates, logs or artifacts. */
export const SECRET_KEYS = /(^|_)(token|password|secret|private_key|client_secret|access_key|pat)($|_)/i;

export interface ProfileResult {
  target: Target;
  /** Names of all targets of the profile. */
  targets: string[];
  diagnostics: Diagnostic[];
}

export function defaultDuckDbTarget(profileName: string, targetPath = 'target'): Target {
  return {
    name: 'dev',
    type: 'duckdb',
    database: 'medallion',
    schema: 'main',
    threads: 4,
    profileName,
    settings: { path: `${targetPath}/medallion.duckdb` },
  };
}

/**
 * Reads `profileName` from a profiles.yml text and picks `targetName` (or the profile's default).
 * `render` renders Jinja in string values (env_var).
 */
export function readProfile(
  text: string | undefined,
  file: string,
  profileName: string,
  targetName: string | undefined,
  render: (value: string) => string,
  targetPath = 'target',
): ProfileResult {
  const diagnostics: Diagnostic[] = [];
  const fallback = (message?: string): ProfileResult => {
    if (message) diagnostics.push({ code: 'profile', severity: 'error', file, message });
    const target = defaultDuckDbTarget(profileName, targetPath);
    return { target, targets: [target.name], diagnostics };
  };
  if (text === undefined) {
    if (targetName && targetName !== 'dev') return fallback(`No profiles.yml found, so target '${targetName}' does not exist (the built-in target is 'dev', an embedded DuckDB)`);
    return fallback();
  }
  const parsed = parseYaml(text);
  // dbt reads profiles.yml without its duplicate-key check: only errors count here.
  for (const p of parsed.problems) if (p.severity === 'error') diagnostics.push({ code: 'yaml-syntax', severity: 'error', file, span: p.span, message: p.message });
  const profile = get(parsed.root, profileName);
  if (!profile) {
    if (targetName && targetName !== 'dev') return fallback(`${file} has no profile '${profileName}', so target '${targetName}' does not exist`);
    return fallback();
  }
  const outputs = get(profile, 'outputs');
  const names = outputs?.kind === 'map' ? [...outputs.entries.keys()] : [];
  const chosen = targetName ?? renderMaybe(getString(profile, 'target'), render) ?? names[0];
  if (!chosen || !names.includes(chosen)) {
    diagnostics.push({ code: 'profile', severity: 'error', file, span: (outputs ?? profile).span, message: `Profile '${profileName}' has no target '${chosen ?? ''}' (targets: ${names.join(', ') || 'none'})` });
    const target = defaultDuckDbTarget(profileName, targetPath);
    return { target, targets: names, diagnostics };
  }
  const raw = toJS(get(outputs, chosen));
  const settings: Record<string, unknown> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) settings[k] = typeof v === 'string' ? render(v) : v;
  }
  const type = String(settings.type ?? 'duckdb');
  // dbt-duckdb's default is an in-memory database (named "memory").
  const pathSetting = String(settings.path ?? ':memory:');
  const database =
    type === 'duckdb'
      ? String(settings.database ?? (pathSetting === ':memory:' ? 'memory' : pathSetting.split('/').pop()!.replace(/\.[^.]*$/, '')))
      : String(settings.catalog ?? settings.database ?? settings.project ?? '');
  const target: Target = {
    name: chosen,
    type,
    database,
    // dbt-bigquery's aliases: project is the database, dataset the schema.
    schema: String(settings.schema ?? settings.dataset ?? (type === 'duckdb' ? 'main' : 'default')),
    threads: Number(settings.threads ?? 4) || 4,
    profileName,
    settings,
  };
  return { target, targets: names, diagnostics };
}

function renderMaybe(value: string | undefined, render: (v: string) => string): string | undefined {
  return value === undefined ? undefined : render(value);
}

/** The target as templates see it (`target.name`, `target.schema`...): no secrets. */
export function publicTarget(target: Target): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(target.settings)) if (!SECRET_KEYS.test(k)) out[k] = v;
  return {
    ...out,
    name: target.name,
    type: target.type,
    database: target.database,
    schema: target.schema,
    threads: target.threads,
    profile_name: target.profileName,
    target_name: target.name,
    ...(target.type === 'databricks' ? { catalog: target.database } : {}),
  };
}
