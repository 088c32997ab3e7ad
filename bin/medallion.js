#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` (run by `npm install`).
// Node's deprecation notices are for the developers of a dependency, not for the CLI's users (the
// Databricks driver's node-int64 prints DEP0005 on every run otherwise).
process.noDeprecation = true;
require('../dist/medallion.js')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`medallion: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );
