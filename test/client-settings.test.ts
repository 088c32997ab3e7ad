/** The extension's settings → the language server's environment (client/src/settings.ts, no editor needed). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESTART_SETTINGS, serverEnvironment, settingsInEffect } from '../client/src/settings';

describe('extension settings → server environment', () => {
  const settings = (values: Record<string, unknown>) => (key: string): unknown => values[key];

  it('non-empty settings set the variables the profile and the landing zone read; empty ones leave the environment alone', () => {
    const env = serverEnvironment(
      { PATH: '/bin', DATABRICKS_HOST: 'from-shell', MEDALLION_S3_ENDPOINT: 'http://old:1' },
      settings({ 'databricks.httpPath': '/sql/1.0/warehouses/x', 'databricks.catalog': ' cat ', 'databricks.schema': '', 'landing.location': 's3://lake/retail', 'landing.s3Endpoint': 'http://127.0.0.1:9000' }),
    );
    assert.equal(env.PATH, '/bin');
    assert.equal(env.DATABRICKS_HOST, 'from-shell');
    assert.equal(env.DATABRICKS_HTTP_PATH, '/sql/1.0/warehouses/x');
    assert.equal(env.DATABRICKS_CATALOG, 'cat');
    assert.equal(env.DATABRICKS_SCHEMA, undefined);
    assert.equal(env.MEDALLION_LANDING_S3, 's3://lake/retail');
    assert.equal(env.AWS_ENDPOINT_URL_S3, 'http://127.0.0.1:9000');
    assert.equal(env.MEDALLION_S3_ENDPOINT, 'http://127.0.0.1:9000', 'the setting wins over the older variable');
    assert.equal(env.DATABRICKS_TELEMETRY_DISABLED, '1');
  });

  it('the token only from SecretStorage; profilesDir resolved against the workspace folder', () => {
    const env = serverEnvironment({}, settings({ profilesDir: 'config', 'databricks.host': 'h' }), { token: 'dapi-secret', folder: '/ws' });
    assert.equal(env.DATABRICKS_TOKEN, 'dapi-secret');
    assert.equal(env.DBT_PROFILES_DIR, '/ws/config');
    assert.equal(serverEnvironment({}, settings({ profilesDir: '${workspaceFolder}/p' }), { folder: '/ws' }).DBT_PROFILES_DIR, '/ws/p');
    assert.equal(serverEnvironment({}, settings({ profilesDir: '/abs' }), { folder: '/ws' }).DBT_PROFILES_DIR, '/abs');
  });

  it('medallion.columns.describeQuery opts in to DESCRIBE QUERY on the warehouse only when switched on', () => {
    assert.equal(serverEnvironment({}, settings({ 'columns.describeQuery': true })).MEDALLION_DESCRIBE_QUERY, '1');
    assert.equal(serverEnvironment({}, settings({ 'columns.describeQuery': false })).MEDALLION_DESCRIBE_QUERY, undefined);
    assert.deepEqual(settingsInEffect(settings({ 'columns.describeQuery': true })), ['medallion.columns.describeQuery']);
    assert.ok(RESTART_SETTINGS.includes('medallion.columns.describeQuery'));
  });

  it('the log names settings, never values; every env setting restarts the server', () => {
    assert.deepEqual(settingsInEffect(settings({ 'databricks.host': 'h', 'landing.location': '' })), ['medallion.databricks.host']);
    for (const s of ['medallion.layers', 'medallion.profilesDir', 'medallion.databricks.host', 'medallion.landing.s3Endpoint']) assert.ok(RESTART_SETTINGS.includes(s), s);
  });
});
