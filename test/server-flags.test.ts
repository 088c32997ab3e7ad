/**
 * The language server's node flags (client/src/server-flags.ts) are valid and take effect: node
 * starts with them, and its young generation starts at the configured floor and grows past V8's
 * default ceiling (16 MB semi-spaces) when a load keeps allocating.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { LANGUAGE_SERVER_NODE_FLAGS } from '../client/src/server-flags';

/** The young generation's size in MB (V8's new_space) at start and after ~3 million small objects kept alive. */
const PROBE = `
const v8 = require('node:v8');
const semi = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
const atStart = semi();
let kept = [];
for (let i = 0; i < 3e6; i++) kept.push({ i });
const grown = semi();
kept = null;
process.stdout.write(JSON.stringify({ atStart, grown }));
`;

function probe(flags: readonly string[]): { atStart: number; grown: number } {
  const r = spawnSync(process.execPath, [...flags, '-e', PROBE], { encoding: 'utf8' });
  assert.equal(r.status, 0, `node ${flags.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { atStart: number; grown: number };
}

function flagValue(name: string): number {
  const flag = LANGUAGE_SERVER_NODE_FLAGS.find((f) => f.startsWith(`--${name}=`));
  assert.ok(flag, `--${name} is set`);
  return Number(flag.split('=')[1]);
}

describe("the language server's node flags", () => {
  it('set the young generation: started at the floor, grown past the default ceiling', () => {
    const min = flagValue('min-semi-space-size');
    const max = flagValue('max-semi-space-size');
    const defaults = probe([]);
    const server = probe(LANGUAGE_SERVER_NODE_FLAGS);
    assert.ok(defaults.atStart < min, `V8's default starts below the floor (${defaults.atStart} MB)`);
    assert.equal(server.atStart, min, 'starts at the floor');
    assert.ok(server.grown > defaults.grown, `grows past the default (${server.grown} vs ${defaults.grown} MB)`);
    // V8 counts both semi-spaces once the young generation has grown.
    assert.ok(server.grown <= 2 * max, `within the ceiling (${server.grown} MB)`);
  });
});
