// The exit signature domain's fork version over fork schedules (pre-Altair, Altair, Bellatrix,
// Capella, Deneb and later under EIP-7044, forks absent), a mainnet exit checked against
// @lodestar/config's own exit domain and the published mainnet domain, and bad input named.
// test/unit/keys/voluntary-exit-mainnet-rules.test.ts checks signed exits with the spec code.
import assert from 'node:assert/strict';
import type { ForkSchedule } from '../../../activities/beacon/fork-schedule';
import {
  loadBls,
  loadLodestarConfig,
  loadLodestarNetworks,
  loadLodestarParams,
  loadLodestarStateTransition,
  loadLodestarTypes,
} from '../../../activities/esm/loaders';
import { VoluntaryExitSigningError } from '../../../activities/keys/errors';
import { exitSigningForkVersion, signVoluntaryExit } from '../../../activities/keys/voluntary-exit';
import { MAINNET_FORK_SCHEDULE } from '../../fixtures/fork-schedules';

const MAINNET: ForkSchedule = MAINNET_FORK_SCHEDULE;
/** Mainnet's genesis validators root. */
const MAINNET_GVR = '0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95';
/** computeDomain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION, mainnet GVR) (facts/local-infra.md §5). */
const MAINNET_EXIT_DOMAIN = '0x04000000bba4da96354c9f25476cf1bc69bf583a7f9e0af049305b62de676640';
const SECRET_KEY = Uint8Array.from(
  Buffer.from('263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3', 'hex'),
);

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

function signingError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VoluntaryExitSigningError, `expected VoluntaryExitSigningError, got ${String(err)}`);
    assert.equal(err.name, 'VoluntaryExitSigningError');
    assert.match(err.message, message);
    return true;
  });
}

describe('keys: voluntary exit signing', () => {
  describe('exitSigningForkVersion', () => {
    it('mainnet: the fork in force before Deneb, the Capella version from Deneb on (EIP-7044)', () => {
      const cases: [number, string][] = [
        [0, '0x00000000'],
        [74239, '0x00000000'], // phase0
        [74240, '0x01000000'],
        [144895, '0x01000000'], // Altair
        [144896, '0x02000000'],
        [194047, '0x02000000'], // Bellatrix
        [194048, '0x03000000'],
        [269567, '0x03000000'], // Capella
        [269568, '0x03000000'],
        [364032, '0x03000000'],
        [411392, '0x03000000'],
        [10 ** 9, '0x03000000'], // Deneb, Electra, Fulu, later
      ];
      for (const [epoch, version] of cases)
        assert.equal(exitSigningForkVersion(MAINNET, epoch), version, `epoch ${epoch}`);
    });

    it('forks absent or never scheduled: the fork in force', () => {
      // Lodestar 1.5.1 dev: Altair at 74240, Bellatrix and Capella never, no Deneb.
      const dev: ForkSchedule = {
        GENESIS: { version: '0x00000001', epoch: 0 },
        ALTAIR: { version: '0x01000001', epoch: 74240 },
        BELLATRIX: { version: '0x02000001', epoch: null },
        CAPELLA: { version: '0x03000001', epoch: null },
      };
      assert.equal(exitSigningForkVersion(dev, 10), '0x00000001');
      assert.equal(exitSigningForkVersion(dev, 80_000), '0x01000001');
      assert.equal(exitSigningForkVersion({ GENESIS: { version: '0x00000001', epoch: 0 } }, 10 ** 6), '0x00000001');
      // Capella reached, Deneb listed but never scheduled.
      const capella: ForkSchedule = {
        ...MAINNET,
        DENEB: { version: '0x04000000', epoch: null },
        ELECTRA: undefined,
        FULU: undefined,
      };
      assert.equal(exitSigningForkVersion(capella, 10 ** 7), '0x03000000');
    });

    it('a devnet with every fork at epoch 0: Capella, never the current (Fulu) version', () => {
      const devnet: ForkSchedule = Object.fromEntries(
        Object.entries(MAINNET).map(([fork, e]) => [fork, { ...e, epoch: 0 }]),
      ) as ForkSchedule;
      assert.equal(exitSigningForkVersion(devnet, 0), '0x03000000');
      // The same devnet before Deneb: Bellatrix is in force.
      const bellatrix: ForkSchedule = {
        ...devnet,
        CAPELLA: { version: '0x03000000', epoch: 5 },
        DENEB: { version: '0x04000000', epoch: 9 },
        ELECTRA: undefined,
        FULU: undefined,
      };
      assert.equal(exitSigningForkVersion(bellatrix, 4), '0x02000000');
      assert.equal(exitSigningForkVersion(bellatrix, 5), '0x03000000');
      assert.equal(exitSigningForkVersion(bellatrix, 9), '0x03000000');
    });

    it('bad epochs and bad schedules are named', () => {
      signingError(() => exitSigningForkVersion(MAINNET, -1), /^epoch must be a non-negative integer, got -1$/);
      signingError(() => exitSigningForkVersion(MAINNET, 1.5), /^epoch must be a non-negative integer, got 1.5$/);
      const { CAPELLA: _capella, ...noCapella } = MAINNET;
      signingError(
        () => exitSigningForkVersion(noCapella, 300_000),
        /^the fork schedule is invalid: DENEB is scheduled at epoch 269568 but the earlier fork CAPELLA never activates$/,
      );
      signingError(
        () => exitSigningForkVersion({ ...MAINNET, DENEB: { version: '0x04000000', epoch: 100 } }, 300_000),
        /^the fork schedule is invalid: DENEB at epoch 100 comes before CAPELLA at epoch 194048$/,
      );
      signingError(
        () => exitSigningForkVersion({ ...MAINNET, CAPELLA: { version: '0x0300', epoch: 194048 } }, 300_000),
        /CAPELLA version must be 4 bytes of lower-case 0x-hex, got "0x0300"/,
      );
    });
  });

  describe('signVoluntaryExit', () => {
    it('mainnet today: the Beacon API JSON, signed under the domain @lodestar/config computes for exits', async () => {
      const epoch = 420_000;
      const exit = await signVoluntaryExit({
        secretKey: SECRET_KEY,
        validatorIndex: 123_456,
        epoch,
        forkSchedule: MAINNET,
        genesisValidatorsRoot: MAINNET_GVR,
      });
      assert.deepEqual(Object.keys(exit), ['message', 'signature']);
      assert.deepEqual(exit.message, { epoch: '420000', validator_index: '123456' });
      assert.match(exit.signature, /^0x[0-9a-f]{192}$/);

      const [
        bls,
        { ssz },
        { computeDomain, computeSigningRoot },
        { DOMAIN_VOLUNTARY_EXIT, SLOTS_PER_EPOCH },
        { createBeaconConfig },
        { networksChainConfig },
      ] = await Promise.all([
        loadBls(),
        loadLodestarTypes(),
        loadLodestarStateTransition(),
        loadLodestarParams(),
        loadLodestarConfig(),
        loadLodestarNetworks(),
      ]);
      // Lodestar's own rule (a mainnet-preset process, so its SLOTS_PER_EPOCH is mainnet's here).
      const lodestarDomain = createBeaconConfig(
        networksChainConfig.mainnet,
        Buffer.from(MAINNET_GVR.slice(2), 'hex'),
      ).getDomainForVoluntaryExit(epoch * SLOTS_PER_EPOCH);
      assert.equal(hex(lodestarDomain), MAINNET_EXIT_DOMAIN);
      assert.equal(
        hex(
          computeDomain(
            DOMAIN_VOLUNTARY_EXIT,
            Buffer.from('03000000', 'hex'),
            Buffer.from(MAINNET_GVR.slice(2), 'hex'),
          ),
        ),
        MAINNET_EXIT_DOMAIN,
      );
      const root = computeSigningRoot(ssz.phase0.VoluntaryExit, { epoch, validatorIndex: 123_456 }, lodestarDomain);
      const pk = bls.SecretKey.fromBytes(SECRET_KEY).toPublicKey();
      assert.ok(bls.Signature.fromBytes(Buffer.from(exit.signature.slice(2), 'hex')).verify(pk, root));
    });

    it('bad input is named, and no message holds the secret key', async () => {
      const base = {
        secretKey: SECRET_KEY,
        validatorIndex: 1,
        epoch: 1,
        forkSchedule: MAINNET,
        genesisValidatorsRoot: MAINNET_GVR,
      };
      const reject = async (patch: Partial<typeof base>, message: RegExp) => {
        const err = await signVoluntaryExit({ ...base, ...patch }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof VoluntaryExitSigningError, String(err));
        assert.match(err.message, message);
        assert.ok(!err.message.includes('263dbd79'));
      };
      await reject({ validatorIndex: -3 }, /^validator index must be a non-negative integer, got -3$/);
      await reject(
        { genesisValidatorsRoot: '0x1234' },
        /^genesis validators root must be 32 bytes of 0x-hex, got "0x1234"$/,
      );
      await reject({ secretKey: new Uint8Array(32) }, /^the secret key for validator 1 is not a valid BLS secret key/);
      await reject({ secretKey: new Uint8Array(31).fill(1) }, /is not a valid BLS secret key/);
    });
  });
});
