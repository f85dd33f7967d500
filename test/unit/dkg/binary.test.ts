// Where ssv-dkg comes from and which version it is (fake executables written here only to answer
// `version`, as the fixture cli/version.txt shows the real one does).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkBinaryVersion, parseVersionOutput, resolveSsvDkg, SSV_DKG_VERSION } from '../../../activities/dkg/binary';
import { DkgUnavailableError, DkgVersionMismatchError } from '../../../activities/dkg/errors';
import { cliFixture } from './fixtures';

function fake(printed: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dkg-bin-')), 'ssv-dkg');
  writeFileSync(file, `#!/bin/sh\n[ "$1" = version ] && printf '%s\\n' '${printed}'\n`);
  chmodSync(file, 0o755);
  return file;
}
const noCache = () => {
  throw new Error('not installed');
};

describe('dkg binary', () => {
  it("the expected version is the fixture's and tools/install.sh's", () => {
    assert.equal(SSV_DKG_VERSION, cliFixture('version.txt').trim());
    assert.equal(parseVersionOutput(cliFixture('version.txt')), 'v3.1.0-653210c');
  });

  it('resolves dkg.binary first, then NEXUS_BOT_SSV_DKG, then the tool cache', () => {
    const a = fake(SSV_DKG_VERSION);
    const b = fake(SSV_DKG_VERSION);
    assert.deepEqual(resolveSsvDkg({ configured: a, env: { NEXUS_BOT_SSV_DKG: b }, toolCache: noCache }), {
      path: a,
      source: 'config',
    });
    assert.deepEqual(resolveSsvDkg({ env: { NEXUS_BOT_SSV_DKG: b }, toolCache: noCache }), { path: b, source: 'env' });
    assert.deepEqual(resolveSsvDkg({ env: {}, toolCache: () => a }), { path: a, source: 'tool-cache' });
  });

  it('without a binary: one clear DkgUnavailableError (what was looked for, how to install, DKG refused)', () => {
    assert.throws(
      () => resolveSsvDkg({ env: {}, toolCache: noCache }),
      (err: unknown) => {
        assert.ok(err instanceof DkgUnavailableError);
        assert.match(err.message, /neither dkg\.binary nor NEXUS_BOT_SSV_DKG is set and the tool cache has none/);
        assert.match(err.message, /tools\/install\.sh ssv-dkg/);
        assert.match(err.message, /DKG rollups are refused on this worker/);
        return true;
      },
    );
    assert.throws(
      () => resolveSsvDkg({ env: { NEXUS_BOT_SSV_DKG: '/nonexistent/ssv-dkg' }, toolCache: () => fake('x') }),
      /NEXUS_BOT_SSV_DKG = \/nonexistent\/ssv-dkg does not exist/,
    );
    const notExec = path.join(mkdtempSync(path.join(tmpdir(), 'dkg-bin-')), 'ssv-dkg');
    writeFileSync(notExec, '');
    assert.throws(() => resolveSsvDkg({ configured: notExec }), /dkg\.binary = .* is not executable/);
  });

  it("checks the binary's version: another one → DkgVersionMismatchError", async () => {
    assert.equal(await checkBinaryVersion(fake(SSV_DKG_VERSION)), SSV_DKG_VERSION);
    await assert.rejects(
      checkBinaryVersion(fake('v3.0.2-1234567')),
      (err: unknown) =>
        err instanceof DkgVersionMismatchError && err.found === 'v3.0.2-1234567' && err.expected === SSV_DKG_VERSION,
    );
    await assert.rejects(checkBinaryVersion(fake('hello')), DkgUnavailableError);
  });
});
