/**
 * Medallion's settings as the language server sees them: environment variables of its process
 * (the profile reads them with env_var(), the landing zone and the AWS SDK read the standard
 * ones). Pure: no `vscode` here, so it is tested without an editor.
 */
import { isAbsolute, join } from 'node:path';

/** Setting (under `medallion.`) → the environment variable(s) it sets when not empty. */
export const SETTING_ENV: ReadonlyArray<{ setting: string; env: readonly string[] }> = [
  { setting: 'profilesDir', env: ['DBT_PROFILES_DIR'] },
  { setting: 'databricks.host', env: ['DATABRICKS_HOST'] },
  { setting: 'databricks.httpPath', env: ['DATABRICKS_HTTP_PATH'] },
  { setting: 'databricks.catalog', env: ['DATABRICKS_CATALOG'] },
  { setting: 'databricks.schema', env: ['DATABRICKS_SCHEMA'] },
  { setting: 'landing.location', env: ['MEDALLION_LANDING_S3'] },
  // The landing zone prefers MEDALLION_S3_ENDPOINT over the AWS variable: the setting sets both.
  { setting: 'landing.s3Endpoint', env: ['AWS_ENDPOINT_URL_S3', 'MEDALLION_S3_ENDPOINT'] },
  // A switch: on sets the variable to 1 (the warehouse is asked, and billed, only when the user opts in).
  { setting: 'columns.describeQuery', env: ['MEDALLION_DESCRIBE_QUERY'] },
];

/** A setting's value as an environment value: a non-empty string, `1` for a switch that is on, else nothing. */
function envValue(raw: unknown): string | undefined {
  if (raw === true) return '1';
  return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;
}

/** Settings whose change means a server restart (they reach it at start only). */
export const RESTART_SETTINGS = ['layers', ...SETTING_ENV.map((s) => s.setting)].map((s) => `medallion.${s}`);

/**
 * The server's environment: the editor's own, then non-empty settings on top, then the token
 * from SecretStorage. Never logged. Databricks' driver telemetry is switched off.
 */
export function serverEnvironment(
  base: Record<string, string | undefined>,
  get: (setting: string) => unknown,
  options: { token?: string | undefined; folder?: string | undefined } = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base, DATABRICKS_TELEMETRY_DISABLED: '1' };
  for (const { setting, env: names } of SETTING_ENV) {
    let value = envValue(get(setting));
    if (value === undefined) continue;
    if (setting === 'profilesDir') {
      value = value.replace(/\$\{workspaceFolder\}/g, options.folder ?? '');
      if (!isAbsolute(value) && options.folder) value = join(options.folder, value);
    }
    for (const name of names) env[name] = value;
  }
  if (options.token) env.DATABRICKS_TOKEN = options.token;
  return env;
}

/** The names of the variables the settings set (for the log: names only, never values). */
export function settingsInEffect(get: (setting: string) => unknown): string[] {
  return SETTING_ENV.filter(({ setting }) => envValue(get(setting)) !== undefined).map(({ setting }) => `medallion.${setting}`);
}
