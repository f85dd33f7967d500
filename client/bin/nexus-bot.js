#!/usr/bin/env node
// The `nexus-bot` command: runs the TypeScript CLI through tsx (a runtime dependency).
require('tsx/cjs');
require('../main.ts');
