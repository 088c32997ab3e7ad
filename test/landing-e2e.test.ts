/**
 * The whole path a user takes with S3: generate raw files, `medallion landing upload` them to an
 * S3-compatible store (a real s3rver on 127.0.0.1), `medallion build` reads them through the
 * local cache into bronze and on to gold; a new batch is only new objects and only new rows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readProfile } from '../server/src/core/profiles';
import { DuckDbEngine } from '../server/src/engines/duckdb/engine';
import { generateLanding } from '../server/src/sample/generator';
import { testPath } from './support/golden';
import { s3rverEnvironment, startS3rver, type S3rverHandle } from './support/s3rver';

const bin = testPath('..', 'bin', 'medallion.js');

describe('landing zone on S3 → bronze → gold (sample project)', () => {
  let s3: S3rverHandle;
  let root: string;
  let env: Record<string, string>;

  before(async () => {
    s3 = await startS3rver({ buckets: ['lake'] });
    root = mkdtempSync(join(tmpdir(), 'medallion-s3-'));
    cpSync(testPath('..', 'models'), root, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
    env = {
      ...(process.env as Record<string, string>),
      NO_COLOR: '1',
      ...s3rverEnvironment(s3, 's3://lake/retail'),
    };
  });

  after(async () => {
    await s3?.stop();
  });

  const medallion = (...args: string[]): { code: number; out: string } => {
    const r = spawnSync(process.execPath, [bin, ...args, '--project', root], { encoding: 'utf8', env });
    return { code: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
  };

  async function count(sql: string): Promise<number> {
    const { target } = readProfile(readFileSync(join(root, 'profiles.yml'), 'utf8'), 'profiles.yml', 'medallion_retail', undefined, (s) => s);
    const engine = await DuckDbEngine.open(target, { projectRoot: root });
    try {
      const session = await engine.acquire();
      return Number((await session.execute(sql)).rows[0]![0]);
    } finally {
      await engine.close();
    }
  }

  it('uploads, builds from S3, and a second batch adds only new rows', async () => {
    const local = join(root, 'upload');
    const first = await generateLanding({ outDir: local, orders: 300, batch: 1 });
    const upload = medallion('landing', 'upload', local);
    assert.equal(upload.code, 0, upload.out);
    assert.match(upload.out, /landing\.orders: uploaded 1 files/);
    const ls = medallion('landing', 'ls');
    assert.match(ls.out, /landing\.orders {2}s3:\/\/lake\/retail\/orders\/ {2}1 objects/);

    const build = medallion('build');
    assert.equal(build.code, 0, build.out);
    assert.match(build.out, /landing landing\.orders: 1 new or changed files downloaded, 0 unchanged/);
    assert.equal(await count('select count(*) from bronze.bronze_orders'), first.rows.orders);
    assert.ok((await count('select count(*) from gold.gold_daily_sales')) > 0);

    const second = await generateLanding({ outDir: local, orders: 200, batch: 2 });
    assert.equal(medallion('landing', 'upload', local).code, 0);
    const rebuild = medallion('build');
    assert.equal(rebuild.code, 0, rebuild.out);
    assert.match(rebuild.out, /landing landing\.orders: 1 new or changed files downloaded, 1 unchanged/);
    assert.equal(await count('select count(*) from bronze.bronze_orders'), first.rows.orders + second.rows.orders);
    assert.equal(await count('select count(*) - count(distinct id) from bronze.bronze_orders'), 0);
  });

  it('a bucket that does not exist: a clear error, exit 1, no table touched', () => {
    const r = spawnSync(process.execPath, [bin, 'build', '--project', root, '--select', 'bronze_users'], { encoding: 'utf8', env: { ...env, MEDALLION_LANDING_S3: 's3://no-such-bucket/x' } });
    assert.equal(r.status, 1);
    assert.match(`${r.stdout}${r.stderr}`, /no-such-bucket/);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /S3RVER/);
  });
});
