/**
 * Layer boundaries from ARCHITECTURE.md, checked over the import graph: the core is pure (no
 * editor, no LSP, no file system, no network, no engines), and only the adapters may reach out.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { testPath } from './support/golden';

const repo = testPath('..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

/**
 * Where `text` reads the machine's clock or randomness itself: `new Date()` without an argument,
 * `Date()`, `Date.now`, `Math.random`, `performance.now`, `crypto.randomUUID`/`getRandomValues`
 * (called or passed along). Found in the syntax tree, so comments and strings never count.
 */
function clockReads(file: string, text: string): string[] {
  const found: string[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const at = (node: ts.Node, what: string): void => {
    found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) at(node, 'new Date()');
    else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') at(node, 'Date()');
    else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const name = `${node.expression.text}.${node.name.text}`;
      if (['Date.now', 'Math.random', 'performance.now', 'crypto.randomUUID', 'crypto.getRandomValues'].includes(name)) at(node, name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Module specifiers the pure core may never import. */
const FORBIDDEN_IN_CORE = [/^vscode/, /^vscode-languageserver/, /^vscode-languageclient/, /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|os|process)$/, /^@duckdb\//, /^@databricks\//, /^@aws-sdk\//];

describe('architecture', () => {
  const coreFiles = sources(join(repo, 'server', 'src', 'core'));

  it('the core exists and is checked', () => {
    assert.ok(coreFiles.length > 10);
  });

  it('server/src/core imports neither vscode, the LSP libraries, the file system, the network nor an engine', () => {
    const violations: string[] = [];
    for (const file of coreFiles) {
      for (const spec of imports(file)) {
        if (FORBIDDEN_IN_CORE.some((re) => re.test(spec))) violations.push(`${relative(repo, file)} imports ${spec}`);
        if (spec.startsWith('.') && !join(file, '..', spec).startsWith(join(repo, 'server', 'src', 'core'))) violations.push(`${relative(repo, file)} reaches out of the core: ${spec}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the core reads no environment or clock of its own except where passed in', () => {
    const violations = coreFiles.filter((f) => /process\.env|process\.cwd\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(repo, f));
    assert.deepEqual(violations, []);
  });

  it('the core reads no clock or randomness of its own: time and chance come in as a Clock (core/clock.ts)', () => {
    // The check finds each form it looks for, and nothing in comments, strings or dates built from a value.
    const probe = [
      'const a = new Date();',
      'const b = Date.now();',
      'const c = Math.random() * 2;',
      'const d = [1].map(Math.random);',
      'const e = Date();',
      'const f = performance.now();',
      'const g = crypto.randomUUID();',
      'const ok = new Date(0), ok2 = new Date(Date.UTC(2024, 0, 1)), ok3 = "new Date() Date.now()"; // Math.random()',
    ].join('\n');
    assert.deepEqual(clockReads('probe.ts', probe), ['probe.ts:1 new Date()', 'probe.ts:2 Date.now', 'probe.ts:3 Math.random', 'probe.ts:4 Math.random', 'probe.ts:5 Date()', 'probe.ts:6 performance.now', 'probe.ts:7 crypto.randomUUID']);
    const violations = coreFiles.flatMap((f) => clockReads(relative(repo, f), readFileSync(f, 'utf8')));
    assert.deepEqual(violations, []);
  });

  it('the VS Code client is thin: vscode, the language client, node, its own views and the shared protocol only', () => {
    // Nothing in the client (its webview scripts included) reaches into the core.
    const allowed = [/^vscode$/, /^vscode-languageclient(\/node)?$/, /^node:/, /^\.\/[\w-]+$/, /^(\.\.\/)+server\/src\/lsp\/protocol$/];
    const violations: string[] = [];
    for (const file of sources(join(repo, 'client', 'src'))) {
      for (const spec of imports(file)) if (!allowed.some((re) => re.test(spec))) violations.push(`${relative(repo, file)} imports ${spec}`);
    }
    assert.deepEqual(violations, []);
  });

  it('only the language server adapter knows the LSP library', () => {
    const violations: string[] = [];
    for (const file of sources(join(repo, 'server', 'src'))) {
      if (file.includes(`${join('src', 'lsp')}`)) continue;
      for (const spec of imports(file)) if (/^vscode-languageserver/.test(spec)) violations.push(`${relative(repo, file)} imports ${spec}`);
    }
    assert.deepEqual(violations, []);
  });

  it('the Jinja engine imports nothing at all outside itself', () => {
    const jinja = coreFiles.filter((f) => f.includes(`${join('core', 'jinja')}`));
    assert.ok(jinja.length > 0);
    for (const file of jinja) for (const spec of imports(file)) assert.ok(spec.startsWith('./'), `${relative(repo, file)} imports ${spec}`);
  });
});
