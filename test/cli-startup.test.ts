/**
 * What the CLI's launcher (bin/medallion.js) loads before its first line of Medallion runs. Node
 * compiles its own modules from a code cache built under V8's default flags, which V8 refuses once
 * the launcher has set its interrupt budget: the modules a command starts with must load before the
 * flag changes, and modules a command does not need (node:v8, node:module, node:os) not at all.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testPath } from './support/golden';
import { tempProject } from './support/temp-project';

const launcher = testPath('..', 'bin', 'medallion.js');

// Preloaded into the command: records Node's loaded modules when a V8 flag is set (through the v8
// binding or node:v8) and when the process exits.
const PROBE = `
const seen = { flags: [], atFlags: undefined };
const record = (flags) => { seen.flags.push(flags); seen.atFlags ??= [...process.moduleLoadList]; };
const binding = process.binding;
process.binding = function (name) {
  const b = binding.call(process, name);
  if (name !== 'v8') return b;
  return { ...b, setFlagsFromString(flags) { record(flags); return b.setFlagsFromString(flags); } };
};
const Module = module.constructor;
const load = Module._load;
Module._load = function (request, ...rest) {
  const m = load.call(this, request, ...rest);
  if (request === 'v8' || request === 'node:v8') return { ...m, setFlagsFromString(flags) { record(flags); return m.setFlagsFromString(flags); } };
  return m;
};
process.on('exit', () => require('fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify({ ...seen, atExit: process.moduleLoadList })));
`;

function probe(args: string[], cwd: string): { flags: string[]; atFlags: string[]; atExit: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'medallion-startup-'));
  const preload = join(dir, 'probe.js');
  writeFileSync(preload, PROBE);
  const out = join(dir, 'probe.json');
  // Pipes for the standard streams, as a script or a benchmark runs a command.
  const r = spawnSync(process.execPath, ['-r', preload, launcher, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', MEDALLION_CODE_CACHE_DIR: join(dir, 'cache'), PROBE_OUT: out },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(out, 'utf8')) as { flags: string[]; atFlags: string[]; atExit: string[] };
}

describe('the CLI launcher', () => {
  const project = tempProject({ 'models/a.sql': 'select 1 as id', 'models/b.sql': "select id from {{ ref('a') }}" });

  for (const [label, args] of [
    ['--version', ['--version']],
    ['parse', ['parse']],
  ] as const) {
    it(`${label}: node:crypto, node:vm and the piped standard streams load before the interrupt budget is set; node:v8, node:module and node:os never`, () => {
      const seen = probe([...args], project);
      assert.deepEqual(seen.flags, ['--interrupt-budget=1081344']);
      for (const m of ['NativeModule crypto', 'NativeModule vm', 'NativeModule net']) assert.ok(seen.atFlags.includes(m), `${m} before the flag`);
      for (const m of ['NativeModule v8', 'NativeModule module', 'NativeModule os']) assert.ok(!seen.atExit.includes(m), `${m} not loaded`);
    });
  }
});
