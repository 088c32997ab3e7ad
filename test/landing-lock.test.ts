/**
 * The landing cache's concurrency guards, with real processes and files (fault injection): a lock
 * whose PID is not written yet is never stolen, a stale lock is taken over by exactly one of two
 * racing processes, the transfer limiter never exceeds its cap (even when a caller arrives while a
 * finishing task hands over its slot), and the AWS SDK's Node-version notice is not shown.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { acquireLock } from '../server/src/landing/sync';
import { Limiter } from '../server/src/landing/util';

const syncModule = join(__dirname, '..', 'server', 'src', 'landing', 'sync.js');
const clientModule = join(__dirname, '..', 'server', 'src', 'landing', 'client.js');

/** A PID no process has: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('landing cache lock', () => {
  it('a lock file whose PID is not written yet is not stolen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-lock-'));
    writeFileSync(join(dir, '.lock'), '');
    await assert.rejects(acquireLock(join(dir, '.lock'), dir), /Another sync is using the cache folder/);
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), '', 'the lock is left to its owner');
  });

  it('a lock of a process that no longer runs is taken over; the new lock holds our PID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-lock-'));
    writeFileSync(join(dir, '.lock'), String(deadPid()));
    const release = await acquireLock(join(dir, '.lock'), dir);
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), String(process.pid));
    await assert.rejects(acquireLock(join(dir, '.lock'), dir), /Another sync in this process/);
    await release();
    await (await acquireLock(join(dir, '.lock'), dir))();
  });

  it('two processes racing for a stale lock: exactly one gets it (6 rounds)', { timeout: 60_000 }, async () => {
    const script = `const { acquireLock } = require(${JSON.stringify(syncModule)});
      acquireLock(process.argv[1], process.argv[2]).then(
        (release) => { process.stdout.write('got\\n'); process.stdin.on('end', () => release().then(() => process.exit(0))); process.stdin.resume(); },
        (err) => { process.stdout.write('busy ' + err.message + '\\n'); process.exit(0); });`;
    for (let round = 0; round < 6; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'medallion-lock-race-'));
      writeFileSync(join(dir, '.lock'), String(deadPid()));
      const children = [0, 1].map(() => spawn(process.execPath, ['-e', script, join(dir, '.lock'), dir], { stdio: ['pipe', 'pipe', 'inherit'] }));
      const answers = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              let out = '';
              child.stdout!.on('data', (c: Buffer) => {
                out += c.toString();
                if (out.includes('\n')) resolve(out.trim());
              });
            }),
        ),
      );
      for (const child of children) child.stdin!.end();
      await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on('exit', resolve)))));
      assert.equal(answers.filter((a) => a === 'got').length, 1, `round ${round}: ${answers.join(' / ')}`);
    }
  });
});

describe('transfer limiter', () => {
  it('never exceeds its cap, even when a caller arrives while a finishing task hands over its slot', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const task = (): Promise<void> => {
      active++;
      peak = Math.max(peak, active);
      return new Promise<void>((resolve) =>
        gates.push(() => {
          active--;
          resolve();
        }),
      );
    };
    const first = task();
    const started = [limiter.run(() => first), limiter.run(task), limiter.run(task)];
    // A caller that reacts to the first task's end, before the queued third task has resumed.
    const late = first.then(() => limiter.run(task));
    assert.equal(gates.length, 2);
    gates[0]!();
    await first;
    // Let every pending continuation run, then look.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    assert.ok(peak <= 2, `peak ${peak} tasks at once with a cap of 2`);
    // Finish the rest one by one (each release lets the next queued task start).
    for (let released = 1; released < 4; released++) {
      for (let i = 0; i < 10 && gates.length <= released; i++) await Promise.resolve();
      assert.ok(gates.length > released, 'the next queued task started');
      gates[released]!();
    }
    await Promise.all([...started, late]);
    assert.equal(peak, 2);
  });
});

describe('AWS SDK notices', () => {
  it('creating the S3 client prints no Node-version notice', () => {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(clientModule)}).createS3Client({ endpoint: 'http://127.0.0.1:9' }); console.log('ok')`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'ok');
    assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
  });
});
