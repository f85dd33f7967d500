// Exits signed by signVoluntaryExit, checked by the consensus spec code itself
// (getVoluntaryExitValidity of @lodestar/state-transition 1.46.0) on genesis states built from real
// signed deposits of keys derived from `abandon ×11 about` (test/fixtures/beacon-state.ts), without
// a beacon node. The fork schedule and genesis validators root come from each state, as the bot takes
// them from its node. Under current mainnet rules (every fork through Fulu at epoch 0) the exit
// domain must be Capella's (EIP-7044): an exit signed for the current fork version must fail. Before
// Deneb the fork in force is right and Capella's version wrong, so the rule cannot be "always Capella".
import assert from 'node:assert/strict';
import {
  loadBls,
  loadLodestarParams,
  loadLodestarStateTransition,
  loadLodestarTypes,
} from '../../../activities/esm/loaders';
import {
  exitSigningForkVersion,
  signVoluntaryExit,
  type SignedVoluntaryExitJson,
} from '../../../activities/keys/voluntary-exit';
import { buildGenesisState, wipeStateKeys, type BuiltState, type ForkRules } from '../../fixtures/beacon-state';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ABANDON_KEY0_PUBKEY =
  '0xb3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911';
const KEY_INDICES = [0, 1, 5, 9];
const INTEROP_KEYS = 2;

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

/** What the spec code says of a signed exit on the built state (signature checked). */
async function validity(built: BuiltState, exit: SignedVoluntaryExitJson): Promise<string> {
  const [{ ssz }, { getVoluntaryExitValidity }] = await Promise.all([
    loadLodestarTypes(),
    loadLodestarStateTransition(),
  ]);
  return getVoluntaryExitValidity(built.forkSeq, built.state, ssz.phase0.SignedVoluntaryExit.fromJson(exit), true);
}

/** A counter-example: the exit signed under the domain of `forkVersion`, whatever the rule says. */
async function signUnderVersion(
  built: BuiltState,
  key: BuiltState['keys'][number],
  forkVersion: string,
): Promise<SignedVoluntaryExitJson> {
  const [bls, { ssz }, { computeDomain, computeSigningRoot }, { DOMAIN_VOLUNTARY_EXIT }] = await Promise.all([
    loadBls(),
    loadLodestarTypes(),
    loadLodestarStateTransition(),
    loadLodestarParams(),
  ]);
  const message = { epoch: 0, validatorIndex: key.validatorIndex };
  const domain = computeDomain(
    DOMAIN_VOLUNTARY_EXIT,
    Buffer.from(forkVersion.slice(2), 'hex'),
    Buffer.from(built.genesisValidatorsRoot.slice(2), 'hex'),
  );
  const signature = bls.SecretKey.fromBytes(key.secretKey)
    .sign(computeSigningRoot(ssz.phase0.VoluntaryExit, message, domain))
    .toBytes();
  return ssz.phase0.SignedVoluntaryExit.toJson({ message, signature }) as unknown as SignedVoluntaryExitJson;
}

function useState(rules: ForkRules): () => BuiltState {
  let built: BuiltState | undefined;
  before(async function () {
    this.timeout(60_000);
    built = await buildGenesisState({ rules, mnemonic: ABANDON, keyIndices: KEY_INDICES, interopKeys: INTEROP_KEYS });
  });
  after(() => {
    if (built) wipeStateKeys(built);
  });
  return () => {
    if (!built) throw new Error(`the ${rules} state was not built (its before hook failed)`);
    return built;
  };
}

const sign = (
  built: BuiltState,
  key: BuiltState['keys'][number],
  patch: { validatorIndex?: number; epoch?: number } = {},
) =>
  signVoluntaryExit({
    secretKey: key.secretKey,
    validatorIndex: patch.validatorIndex ?? key.validatorIndex,
    epoch: patch.epoch ?? built.state.epochCtx.epoch,
    forkSchedule: built.forkSchedule,
    genesisValidatorsRoot: built.genesisValidatorsRoot,
  });

describe('keys: voluntary exits checked by the spec code (state-transition 1.46.0, no node)', () => {
  describe('current mainnet rules: every fork through Fulu at epoch 0', () => {
    const state = useState('fulu');

    it('the state runs Fulu on mainnet fork versions, and holds the mnemonic keys', () => {
      const built = state();
      assert.equal(hex(built.state.fork.currentVersion), '0x06000000');
      assert.equal(built.forkSchedule.FULU?.version, '0x06000000');
      assert.equal(built.forkSchedule.CAPELLA?.version, '0x03000000');
      assert.equal(built.state.epochCtx.epoch, 0);
      assert.deepEqual(
        built.keys.map((k) => k.validatorIndex),
        [2, 3, 4, 5],
      );
      assert.equal(built.keys[0].pubkey, ABANDON_KEY0_PUBKEY);
      assert.equal(exitSigningForkVersion(built.forkSchedule, 0), '0x03000000');
    });

    it('an exit signed by signVoluntaryExit is valid, for every mnemonic key', async () => {
      const built = state();
      for (const key of built.keys)
        assert.equal(await validity(built, await sign(built, key)), 'valid', `key ${key.keyIndex}`);
    });

    it('an exit signed under the pre-EIP-7044 domain (the current, Fulu, fork version) is invalid_signature', async () => {
      const built = state();
      assert.equal(
        await validity(built, await signUnderVersion(built, built.keys[0], '0x06000000')),
        'invalid_signature',
      );
      // ...while the same helper with Capella's version gives what signVoluntaryExit gives.
      assert.deepEqual(await signUnderVersion(built, built.keys[0], '0x03000000'), await sign(built, built.keys[0]));
    });

    it('a wrong key is invalid_signature; a future epoch is early_epoch', async () => {
      const built = state();
      const [a, b] = built.keys;
      assert.equal(
        await validity(built, await sign(built, b, { validatorIndex: a.validatorIndex })),
        'invalid_signature',
      );
      assert.equal(await validity(built, await sign(built, a, { epoch: 1 })), 'early_epoch');
    });
  });

  describe('before Deneb: the fork in force at the exit epoch', () => {
    const bellatrix = useState('bellatrix');
    const phase0 = useState('phase0');

    it('Bellatrix chain: signed for Bellatrix is valid; signed for Capella is invalid_signature', async () => {
      const built = bellatrix();
      assert.equal(hex(built.state.fork.currentVersion), '0x02000000');
      assert.equal(exitSigningForkVersion(built.forkSchedule, 0), '0x02000000');
      for (const key of built.keys) assert.equal(await validity(built, await sign(built, key)), 'valid');
      assert.equal(
        await validity(built, await signUnderVersion(built, built.keys[0], '0x03000000')),
        'invalid_signature',
      );
    });

    it('phase0 chain (what the Lodestar 1.5.1 dev node runs): the genesis fork version', async () => {
      const built = phase0();
      assert.equal(exitSigningForkVersion(built.forkSchedule, 0), '0x00000000');
      for (const key of built.keys) assert.equal(await validity(built, await sign(built, key)), 'valid');
      assert.equal(
        await validity(built, await signUnderVersion(built, built.keys[1], '0x03000000')),
        'invalid_signature',
      );
    });
  });
});
