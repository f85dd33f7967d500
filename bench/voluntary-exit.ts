// Voluntary exit cost (DESIGN.md §5 benchmarks): `npx tsx bench/voluntary-exit.ts [exits=200]`.
// Times building a genesis state under current mainnet rules (test/fixtures/beacon-state.ts: forks
// through Fulu at epoch 0, 2 interop + 4 mnemonic validators from signed deposits), then per exit:
// signVoluntaryExit (fork version, domain, signing root, BLS signature, Beacon API JSON) and the spec
// check getVoluntaryExitValidity with the signature verified.
import { performance } from 'node:perf_hooks';
import {
  loadBls,
  loadLodestarConfig,
  loadLodestarNetworks,
  loadLodestarParams,
  loadLodestarStateTransition,
  loadLodestarTypes,
} from '../activities/esm/loaders';
import { signVoluntaryExit, type SignedVoluntaryExitJson } from '../activities/keys/voluntary-exit';
import { buildGenesisState, wipeStateKeys } from '../test/fixtures/beacon-state';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  await Promise.all([
    loadBls(),
    loadLodestarTypes(),
    loadLodestarParams(),
    loadLodestarStateTransition(),
    loadLodestarConfig(),
    loadLodestarNetworks(),
  ]);
  const [{ ssz }, { getVoluntaryExitValidity }] = await Promise.all([
    loadLodestarTypes(),
    loadLodestarStateTransition(),
  ]);

  let t = performance.now();
  const built = await buildGenesisState({
    rules: 'fulu',
    mnemonic: MNEMONIC,
    keyIndices: [0, 1, 5, 9],
    interopKeys: 2,
  });
  const buildMs = performance.now() - t;

  const exits: SignedVoluntaryExitJson[] = [];
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const key = built.keys[i % built.keys.length];
    exits.push(
      await signVoluntaryExit({
        secretKey: key.secretKey,
        validatorIndex: key.validatorIndex,
        epoch: 0,
        forkSchedule: built.forkSchedule,
        genesisValidatorsRoot: built.genesisValidatorsRoot,
      }),
    );
  }
  const signMs = performance.now() - t;
  wipeStateKeys(built);

  t = performance.now();
  for (const exit of exits) {
    const validity = getVoluntaryExitValidity(
      built.forkSeq,
      built.state,
      ssz.phase0.SignedVoluntaryExit.fromJson(exit),
      true,
    );
    if (validity !== 'valid') throw new Error(`exit of validator ${exit.message.validator_index} is ${validity}`);
  }
  const checkMs = performance.now() - t;

  const row = (what: string, total: number, per?: number) =>
    console.log(
      `${what.padEnd(70)} ${total.toFixed(1).padStart(9)} ms${per === undefined ? '' : `  ${(total / per).toFixed(3).padStart(7)} ms/exit`}`,
    );
  console.log(`exits: ${n} (node ${process.version}, bls ${(await loadBls()).implementation})`);
  row('genesis state, mainnet rules through Fulu, 6 validators (signed deposits)', buildMs);
  row('signVoluntaryExit (EIP-7044 domain, signing root, BLS sign, JSON)', signMs, n);
  row('getVoluntaryExitValidity with signature verification', checkMs, n);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
