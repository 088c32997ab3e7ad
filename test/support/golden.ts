/** Golden files: compare with the committed expectation; UPDATE_GOLDENS=1 rewrites them. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function assertGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDENS === '1' || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) assert.fail(`golden file ${path} is missing`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${path} (UPDATE_GOLDENS=1 to accept)`);
}

/** Path of a file under the repository's test/ folder (tests run from out/test/). */
export function testPath(...parts: string[]): string {
  return [__dirname, '..', '..', '..', 'test', ...parts].join('/');
}
