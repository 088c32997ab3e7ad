#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` (run by `npm install`).
// Node's deprecation notices are for the developers of a dependency, not for the CLI's users (the
// Databricks driver's node-int64 prints DEP0005 on every run otherwise).
process.noDeprecation = true;
// A command is a short run: V8's optimizing compiler (TurboFan) spent more CPU than it saved. Tiering up
// after 8x the default interrupt budget (67584) cut `medallion parse`'s CPU time by ~20-30% on real
// projects of 250 to 2,400 models (bench/cold-start-bench.ts); hot loops of long runs still optimize.
// Set before the bundle compiles: the code cache is valid only under the same V8 flags.
require('v8').setFlagsFromString('--interrupt-budget=540672');
// Compiled through V8's code cache (dist/code-cache.js, from server/src/node/code-cache.ts): a
// command starts without compiling the bundle again.
const argv = process.argv.slice(2);
const cli = require('../dist/code-cache.js').requireWithCodeCache(require('path').join(__dirname, '..', 'dist', 'medallion.js'));
cli.exports
  .main(argv)
  .then(
    (code) => {
      cli.save(cli.exports.loadsProject(argv));
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`medallion: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );
