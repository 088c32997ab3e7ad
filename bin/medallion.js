#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` (run by `npm install`).
// Node's deprecation notices are for the developers of a dependency, not for the CLI's users (the
// Databricks driver's node-int64 prints DEP0005 on every run otherwise).
process.noDeprecation = true;
const argv = process.argv.slice(2);
// A command is a short run: V8's optimizing compiler (TurboFan) spent more CPU than it saved. Tiering up
// after 8x the default interrupt budget (67584) cut `medallion parse`'s CPU time by ~20-30% on real
// projects of 250 to 2,400 models (bench/cold-start-bench.ts); 16x cut it by a further ~4-6% on five of
// the seven public projects, the other two even (32x cost ol_dbt ~3%, --no-opt tuva ~15%); hot loops of
// long runs still optimize.
// Not for the language server: it runs for hours, and a keystroke's path (first seen after a load) is
// what must be optimized early; VS Code's client starts dist/lsp-server.js under V8's defaults too.
// Set before the bundle compiles: the code cache is valid only under the same V8 flags, so the server
// keeps a code cache of its own.
const server = argv[0] === 'lsp';
// Compiled through V8's code cache (dist/code-cache.js, from server/src/node/code-cache.ts): a
// command starts without compiling the bundle again.
// Loaded before the flag is set, and with it the Node modules it and the bundle start with (node:crypto
// and the streams under it, node:vm): Node compiles its own modules from a code cache built under
// V8's default flags, which V8 refuses once a flag changed (node:crypto then cost ~8 ms more to load).
const { requireWithCodeCache } = require('../dist/code-cache.js');
// So are the standard streams every command writes to (for a pipe, node:net and what it loads).
if (!server) void [process.stdout, process.stderr];
// Through the v8 binding where Node still offers it (process.binding is deprecated; its warning is off
// above): node:v8, loaded only for this call, cost ~2 ms of every start.
if (!server) v8Flags()('--interrupt-budget=1081344');
const cli = requireWithCodeCache(require('path').join(__dirname, '..', 'dist', 'medallion.js'), process.env, server ? 'lsp' : undefined);
// The server ends through process.exit (the protocol's exit notification, or its input closing): its
// cache is saved then, holding what the session compiled.
if (server) process.on('exit', () => cli.save(true));
cli.exports
  .main(argv)
  .then(
    (code) => {
      if (!server) cli.save(cli.exports.loadsProject(argv));
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`medallion: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );

function v8Flags() {
  try {
    const binding = process.binding('v8');
    if (typeof binding.setFlagsFromString === 'function') return (flags) => binding.setFlagsFromString(flags);
  } catch {
    // a Node without it
  }
  return require('v8').setFlagsFromString;
}
