// Fork schedules parsed from a node's /eth/v1/config/spec: mainnet's (through @lodestar/config's
// own JSON form), Lodestar 1.5.1's dev spec (Deneb still named EIP4844, never scheduled), and every
// malformed or inconsistent schedule rejected with what is wrong.
import assert from 'node:assert/strict';
import {
  forkAtEpoch,
  forkScheduleFromSpec,
  forkScheduleProblems,
  type ForkSchedule,
} from '../../../activities/beacon/fork-schedule';
import { loadLodestarConfig, loadLodestarNetworks } from '../../../activities/esm/loaders';
import { MAINNET_FORK_SCHEDULE } from '../../fixtures/fork-schedules';

const FAR = '18446744073709551615';

const MAINNET_SCHEDULE: ForkSchedule = MAINNET_FORK_SCHEDULE;

describe('beacon: fork schedule from a spec', () => {
  it('mainnet, from @lodestar/config in the spec endpoint form', async () => {
    const [{ chainConfigToJson }, { networksChainConfig }] = await Promise.all([
      loadLodestarConfig(),
      loadLodestarNetworks(),
    ]);
    assert.deepEqual(forkScheduleFromSpec(chainConfigToJson(networksChainConfig.mainnet)), MAINNET_SCHEDULE);
  });

  it('Lodestar 1.5.1 dev: FAR_FUTURE epochs are null, EIP4844 is not Deneb, absent forks stay absent', () => {
    const schedule = forkScheduleFromSpec({
      SLOTS_PER_EPOCH: '8',
      GENESIS_FORK_VERSION: '0x00000001',
      ALTAIR_FORK_VERSION: '0x01000001',
      ALTAIR_FORK_EPOCH: '74240',
      BELLATRIX_FORK_VERSION: '0x02000001',
      BELLATRIX_FORK_EPOCH: FAR,
      CAPELLA_FORK_VERSION: '0x03000001',
      CAPELLA_FORK_EPOCH: FAR,
      EIP4844_FORK_VERSION: '0x04000001',
      EIP4844_FORK_EPOCH: FAR,
    });
    assert.deepEqual(schedule, {
      GENESIS: { version: '0x00000001', epoch: 0 },
      ALTAIR: { version: '0x01000001', epoch: 74240 },
      BELLATRIX: { version: '0x02000001', epoch: null },
      CAPELLA: { version: '0x03000001', epoch: null },
    });
    assert.deepEqual(forkAtEpoch(schedule, 74239), { fork: 'GENESIS', version: '0x00000001' });
    assert.deepEqual(forkAtEpoch(schedule, 74240), { fork: 'ALTAIR', version: '0x01000001' });
  });

  it('upper-case hex versions are normalised to lower case', () => {
    assert.deepEqual(forkScheduleFromSpec({ GENESIS_FORK_VERSION: '0x1000000A' }), {
      GENESIS: { version: '0x1000000a', epoch: 0 },
    });
  });

  it('rejects malformed and inconsistent specs, naming every problem', () => {
    assert.throws(() => forkScheduleFromSpec({}), /^Error: invalid fork schedule: GENESIS_FORK_VERSION is missing$/);
    assert.throws(
      () =>
        forkScheduleFromSpec({
          GENESIS_FORK_VERSION: '0x00000000',
          ALTAIR_FORK_VERSION: '0x01000000',
          BELLATRIX_FORK_EPOCH: '5',
        }),
      /ALTAIR_FORK_EPOCH is missing while ALTAIR_FORK_VERSION is listed; BELLATRIX_FORK_VERSION is missing while BELLATRIX_FORK_EPOCH is listed/,
    );
    assert.throws(
      () =>
        forkScheduleFromSpec({
          GENESIS_FORK_VERSION: '0x0000',
          ALTAIR_FORK_VERSION: '0x01000000',
          ALTAIR_FORK_EPOCH: '-1',
        }),
      /GENESIS_FORK_VERSION must be 4 bytes of 0x-hex, got "0x0000"; ALTAIR_FORK_EPOCH must be a decimal epoch, got "-1"/,
    );
    assert.throws(
      () =>
        forkScheduleFromSpec({
          GENESIS_FORK_VERSION: '0x00000000',
          ALTAIR_FORK_VERSION: '0x01000000',
          ALTAIR_FORK_EPOCH: '10',
          BELLATRIX_FORK_VERSION: '0x02000000',
          BELLATRIX_FORK_EPOCH: '5',
        }),
      /BELLATRIX at epoch 5 comes before ALTAIR at epoch 10/,
    );
    assert.throws(
      () =>
        forkScheduleFromSpec({
          GENESIS_FORK_VERSION: '0x00000000',
          CAPELLA_FORK_VERSION: '0x03000000',
          CAPELLA_FORK_EPOCH: FAR,
          DENEB_FORK_VERSION: '0x04000000',
          DENEB_FORK_EPOCH: '7',
        }),
      /^Error: invalid fork schedule: DENEB is scheduled at epoch 7 but the earlier fork CAPELLA never activates$/,
    );
  });

  it('forkScheduleProblems checks schedules given as JSON (e.g. through a workflow)', () => {
    assert.deepEqual(forkScheduleProblems(MAINNET_SCHEDULE), []);
    assert.deepEqual(forkScheduleProblems({ GENESIS: { version: '0x00000000', epoch: 3 } }), [
      'GENESIS must be at epoch 0, got 3',
    ]);
    assert.deepEqual(forkScheduleProblems({ GENESIS: { version: '0x0000000G', epoch: 0 } }), [
      'GENESIS version must be 4 bytes of lower-case 0x-hex, got "0x0000000G"',
    ]);
    assert.deepEqual(
      forkScheduleProblems({
        GENESIS: { version: '0x00000000', epoch: 0 },
        ALTAIR: { version: '0x01000000', epoch: 1.5 },
      }),
      ['ALTAIR epoch must be a non-negative integer or null, got 1.5'],
    );
    assert.deepEqual(forkScheduleProblems({} as ForkSchedule), ['GENESIS is missing']);
  });
});
