/**
 * A Databricks target's connection settings, read the way dbt-databricks reads its profile keys
 * (`host`, `http_path`, `token`, `catalog`, `schema`, `threads`, `auth_type`, `client_id`,
 * `client_secret`, `connect_retries`, `connect_timeout`, `session_properties`), plus ours:
 * `port`, `statement_timeout` (seconds) and `landing_reader`. The token comes from the profile
 * (which should read it with `env_var`) or `DATABRICKS_TOKEN`; it is never logged or echoed.
 */
import type { Target } from '../../core/profiles';
import { EngineError } from '../engine';

export interface DatabricksSettings {
  host: string;
  port: number;
  path: string;
  catalog?: string;
  schema?: string;
  authType: 'token' | 'oauth';
  statementTimeoutSeconds?: number;
  sessionConfiguration?: Record<string, string>;
  /**
   * How landing files are read: `read_files` (Databricks SQL's table-valued function, the
   * default) or `spark_csv` (Spark's CSV data source, for Apache Spark-compatible warehouses
   * without `read_files`).
   */
  landingReader: 'read_files' | 'spark_csv';
  /** What `DBSQLClient.connect` takes (holds the token: never log this). */
  connect: Record<string, unknown>;
}

export function connectionSettings(target: Target, env: Record<string, string | undefined>): DatabricksSettings {
  const s = target.settings;
  const text = (key: string): string | undefined => {
    const v = s[key];
    return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
  };
  const missing = (key: string, variable: string): never => {
    throw new EngineError(`Target '${target.name}' has no ${key}: set it in profiles.yml (for example "{{ env_var('${variable}') }}") or the ${variable} environment variable`, undefined, undefined, 'CONFIG');
  };
  const hostText = text('host') ?? env.DATABRICKS_HOST ?? missing('host', 'DATABRICKS_HOST');
  // Users paste the workspace URL; the driver wants the bare host name.
  const host = hostText.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const path = text('http_path') ?? env.DATABRICKS_HTTP_PATH ?? missing('http_path', 'DATABRICKS_HTTP_PATH');
  const port = Number(text('port') ?? 443);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new EngineError(`Target '${target.name}': port must be a number from 1 to 65535`, undefined, undefined, 'CONFIG');
  const authType = text('auth_type') === 'oauth' ? 'oauth' : 'token';
  const connect: Record<string, unknown> = {
    host,
    port,
    path: path.startsWith('/') ? path : `/${path}`,
    userAgentEntry: 'medallion',
    // "Telemetry: none": the driver's own usage reporting is switched off unconditionally.
    telemetryEnabled: false,
    // Exact values: DECIMAL as text and BIGINT as bigint, as the DuckDB engine returns them.
    preserveBigNumericPrecision: true,
  };
  const retries = text('connect_retries');
  if (retries !== undefined) connect.retryMaxAttempts = Math.max(1, Number(retries) + 1);
  const timeout = text('connect_timeout');
  if (timeout !== undefined) connect.socketTimeout = Number(timeout) * 1000;
  if (authType === 'oauth') {
    connect.authType = 'databricks-oauth';
    const clientId = text('client_id');
    const clientSecret = text('client_secret') ?? env.DATABRICKS_CLIENT_SECRET;
    if (clientId) connect.oauthClientId = clientId;
    if (clientSecret) connect.oauthClientSecret = clientSecret;
  } else {
    const token = text('token') ?? env.DATABRICKS_TOKEN;
    if (!token) missing('token', 'DATABRICKS_TOKEN');
    connect.authType = 'access-token';
    connect.token = token;
  }
  const statementTimeout = text('statement_timeout');
  const properties = s.session_properties;
  const reader = text('landing_reader') ?? 'read_files';
  if (reader !== 'read_files' && reader !== 'spark_csv') throw new EngineError(`Target '${target.name}': landing_reader must be read_files or spark_csv, not '${reader}'`, undefined, undefined, 'CONFIG');
  return {
    host,
    port,
    path: String(connect.path),
    ...(target.database ? { catalog: target.database } : {}),
    ...(target.schema ? { schema: target.schema } : {}),
    authType,
    ...(statementTimeout ? { statementTimeoutSeconds: Number(statementTimeout) } : {}),
    ...(properties && typeof properties === 'object' ? { sessionConfiguration: Object.fromEntries(Object.entries(properties as Record<string, unknown>).map(([k, v]) => [k, String(v)])) } : {}),
    landingReader: reader,
    connect,
  };
}
