// Loaded by mocha before any test: every test's temporary files (mkdtemp under os.tmpdir(), and
// the servers and workers the tests start, which inherit TMPDIR) go into one directory per run,
// removed when the run passes. A failed run keeps it for inspection and says where it is.
// The main mocha process makes it; parallel workers and child processes inherit it through the
// environment, so only the process that made it removes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OWNED = 'NEXUS_BOT_TEST_TMPDIR';

if (!process.env[OWNED]) {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-bot-tests-'));
  process.env[OWNED] = dir;
  process.env.TMPDIR = dir;
  process.on('exit', (code) => {
    if (code !== 0) {
      process.stderr.write(`test run failed: its temporary files are kept in ${dir}\n`);
      return;
    }
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      // A server still closing its files: the directory stays, the run's result does not change.
      process.stderr.write(`could not remove the tests' temporary directory ${dir}: ${String(err)}\n`);
    }
  });
}
