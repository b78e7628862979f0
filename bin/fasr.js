#!/usr/bin/env node
'use strict';
// The CLI is compiled by `npm run build` (run automatically by `npm ci` / `npm install` through `prepare`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`fasr: ${entry} is missing; run "npm run build" in ${path.join(__dirname, '..')} first\n`);
  process.exit(2);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`fasr: ${err && err.stack ? err.stack : String(err)}\n`); process.exitCode = 1; },
);
