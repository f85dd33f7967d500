#!/usr/bin/env node
// The worker as one process (what deploy/systemd/nexus-bot.service starts): runs worker/main.ts
// through tsx (a runtime dependency) in this same process, so SIGTERM reaches the worker itself
// (`tsx worker/main.ts`, what `npm run worker` runs, is a parent that relays signals to a child).
require('tsx/cjs');
require('../main.ts');
