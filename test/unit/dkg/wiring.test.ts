// Worker wiring of the DKG activities: the real ones when ssv-dkg resolves, else the DkgUnavailable
// stand-in with one clear message; config errors name the field. (The fake "binary" is an empty
// executable file: nothing runs it here.)
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { ConfigError, parseWorkerConfig } from '../../../worker/config';
import { buildDkgDependencies } from '../../../worker/dependencies';

const chain = {
  provider: undefined as never,
  contracts: { nexus: '0x', nodeOperator: '0x', ssvNetwork: '0x' },
  scan: { fromBlock: 0, maxRange: 1 },
  genesisForkVersion: new Uint8Array(4),
};

describe('dkg wiring', () => {
  const savedTools = process.env.NEXUS_BOT_TOOLS_DIR;
  before(() => {
    process.env.NEXUS_BOT_TOOLS_DIR = mkdtempSync(path.join(tmpdir(), 'dkg-tools-'));
  });
  after(() => {
    if (savedTools === undefined) delete process.env.NEXUS_BOT_TOOLS_DIR;
    else process.env.NEXUS_BOT_TOOLS_DIR = savedTools;
  });

  it('no binary anywhere: runDkgCeremony fails for good with the one message; markDkgCeremony still works', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'dkg-state-'));
    const setup = buildDkgDependencies(parseWorkerConfig({}), chain, { XDG_STATE_HOME: state });
    assert.equal(setup.dkg, undefined);
    assert.match(setup.dkgUnavailable ?? '', /tools\/install\.sh ssv-dkg.*DKG rollups are refused on this worker/);
    assert.equal(setup.dkgArchive.root, path.join(state, 'nexus-bot', 'nexus-bot-worker', 'dkg', 'archive'));
    const activities = createActivities({ workerName: 'w', ...setup });
    await assert.rejects(
      activities.runDkgCeremony({
        rollupAdmin: '0xab',
        bridge: '0xcd',
        operatorCluster: 1,
        firstNonce: 0,
        count: 1,
        requestId: 'r',
      }),
      (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, 'DkgUnavailable');
        assert.equal(err.nonRetryable, true);
        assert.equal(err.message, setup.dkgUnavailable);
        return true;
      },
    );
    assert.deepEqual(await activities.markDkgCeremony({ rollupAdmin: '0xab', requestId: 'r', state: 'unused' }), {
      archives: [],
    });
  });

  it('a binary resolves: the real activities, network defaulting to keys.depositNetwork, dirs under the state dir', () => {
    const bin = path.join(mkdtempSync(path.join(tmpdir(), 'dkg-bin-')), 'ssv-dkg');
    writeFileSync(bin, '');
    chmodSync(bin, 0o755);
    const state = mkdtempSync(path.join(tmpdir(), 'dkg-state-'));
    const setup = buildDkgDependencies(parseWorkerConfig({ keys: { depositNetwork: 'hoodi' } }), chain, {
      NEXUS_BOT_SSV_DKG: bin,
      XDG_STATE_HOME: state,
    });
    assert.equal(setup.dkg?.binary.path, bin);
    assert.equal(setup.dkg?.network, 'hoodi');
    assert.equal(setup.dkg?.workDir, path.join(state, 'nexus-bot', 'nexus-bot-worker', 'dkg', 'work'));
    assert.deepEqual(setup.dkg?.timeout, { fixedSeconds: 120, perValidatorSeconds: 3 });
  });

  it('a configured binary that is missing, or an unreadable CA file, stops the start naming the field', () => {
    assert.throws(
      () => buildDkgDependencies(parseWorkerConfig({ dkg: { binary: '/nonexistent/ssv-dkg' } }), chain, {}),
      (err: unknown) => err instanceof ConfigError && /dkg\.binary: .*does not exist/.test(err.message),
    );
    const bin = path.join(mkdtempSync(path.join(tmpdir(), 'dkg-bin-')), 'ssv-dkg');
    writeFileSync(bin, '');
    chmodSync(bin, 0o755);
    assert.throws(
      () =>
        buildDkgDependencies(
          parseWorkerConfig({ dkg: { binary: bin, operatorCaFiles: { 3: '/nonexistent/ca.pem' } } }),
          chain,
          {},
        ),
      /dkg\.operatorCaFiles\.3: cannot read \/nonexistent\/ca\.pem: ENOENT/,
    );
  });
});
