#!/usr/bin/env node
'use strict';
// bid-seal: the bidder's offline sealing tool (src/sdk/cli.ts), run through ts-node with the project's tsconfig.
// Paths are resolved from this file, so the tool works from any working directory.
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
// The supported runtime: started directly by an older system Node (say 20, end of life), re-run on the project's own
// Node LTS from the npm `node` package. `npx bid-seal` and npm scripts already find that one first on the PATH.
const MIN_MAJOR = 24;
const ownNode = path.join(root, 'node_modules', '.bin', 'node');
if (Number(process.versions.node.split('.')[0]) < MIN_MAJOR && fs.existsSync(ownNode)) {
  const r = require('child_process').spawnSync(ownNode, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}
process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');
require('ts-node/register/transpile-only');
require('tsconfig-paths/register');
require(path.join(root, 'src', 'sdk', 'cli.ts')).main();
