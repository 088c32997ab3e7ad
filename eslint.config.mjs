// Lint (npm run lint, first step of npm test): typescript-eslint with type information for
// promise handling, and import restrictions that enforce the layering of ARCHITECTURE.md
// (complementing test/architecture.test.ts, which also sees require() and dynamic imports).
import tseslint from 'typescript-eslint';

const FORBIDDEN_IN_CORE = [
  { group: ['vscode', 'vscode-*', 'vscode-*/**'], message: 'The core knows no editor and no LSP: convert at the edge (server/src/lsp/convert.ts).' },
  { group: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'http2', 'node:http2', 'dgram', 'node:dgram', 'dns', 'node:dns', 'tls', 'node:tls', 'os', 'node:os', 'process', 'node:process', 'worker_threads', 'node:worker_threads'], message: 'The core does no I/O: take a FileHost or a value from the caller.' },
  { group: ['@duckdb/*', '@databricks/*', '@aws-sdk/*'], message: 'The core talks to no engine or cloud: that is server/src/engines, server/src/landing.' },
];

/** No relative import leaves server/src/core (one rule per folder depth). */
const outOfCore = (depth) => ({ regex: `^(\\.\\./){${depth}}`, message: 'The core imports only the core.' });

const LSP_ONLY = { group: ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageserver-*'], message: 'Only server/src/lsp knows the LSP library.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'packages/cli/bin/**', 'packages/cli/dist/**', 'client/src/webview/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['server/src/**/*.ts', 'client/src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // A promise nobody awaits loses its error (a failed run reported as done, an unhandled rejection).
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test registers suites and tests synchronously; their promises are the runner's.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/await-thenable': 'error',
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-self-assign': 'error',
      'no-unsafe-finally': 'error',
      'no-cond-assign': ['error', 'except-parens'],
    },
  },
  { files: ['server/src/core/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [...FORBIDDEN_IN_CORE, outOfCore(1)] }] } },
  { files: ['server/src/core/*/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [...FORBIDDEN_IN_CORE, outOfCore(2)] }] } },
  { files: ['server/src/core/*/*/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [...FORBIDDEN_IN_CORE, outOfCore(3)] }] } },
  {
    files: ['server/src/core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'The core reads no environment: the caller passes env in.' },
        { object: 'process', property: 'cwd', message: 'The core has no working folder: the caller passes paths in.' },
      ],
    },
  },
  {
    files: ['server/src/cli/**/*.ts', 'server/src/node/**/*.ts', 'server/src/engines/**/*.ts', 'server/src/runner/**/*.ts', 'server/src/landing/**/*.ts', 'server/src/deps/**/*.ts', 'server/src/analysis/**/*.ts', 'server/src/sample/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [LSP_ONLY, { group: ['vscode'], message: 'Only client/ knows vscode.' }] }] },
  },
  {
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+server/(?!src/lsp/protocol$)', message: 'The client is thin: it reaches the server only through server/src/lsp/protocol.' },
            LSP_ONLY,
            { group: ['@duckdb/*', '@databricks/*', '@aws-sdk/*', 'yaml', 'node-sql-parser'], message: 'The client runs nothing itself: ask the language server.' },
          ],
        },
      ],
    },
  },
);
