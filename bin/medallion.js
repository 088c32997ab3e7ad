#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` (run by `npm install`).
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
