#!/usr/bin/env node
'use strict';
// bid-seal: the bidder's offline sealing tool (src/sdk/cli.ts), run through ts-node with the project's tsconfig.
// Paths are resolved from this file, so the tool works from any working directory.
const path = require('path');

const root = path.resolve(__dirname, '..');
process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');
require('ts-node/register/transpile-only');
require('tsconfig-paths/register');
require(path.join(root, 'src', 'sdk', 'cli.ts')).main();
