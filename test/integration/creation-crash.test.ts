// Crash recovery of a mnemonic creation, end to end on the real parts (Temporal dev server, anvil
// with our contracts, moto, the worker as its own process). For each step boundary of a creation
// the worker is SIGKILLed while the creation stands exactly there, then a new worker is started:
//   1. after key material   (the key-material activity completed, no deposit of the batch on chain)
//   2. after the deposit was sent, before it was mined (journal record pending, keys INACTIVE)
//   3. after the deposit was mined, before any of its keyshares (keys DEPOSITED, no ValidatorAdded)
//   4. between keyshares    (some but not all of a batch's keys have a ValidatorAdded event)
// Every run must complete with no double deposit (invariant 1), no reused key index (invariant 2),
// no missing and no double keyshares registration (invariant 4). Crash point 3 runs a second time on
// Nexus v2024-03 with a CValue bridge (the networks default to v2024-06 and DAO).
//
// The crash point is watched from outside the worker (test/harness/crash-watcher.ts: journal file,
// chain, workflow history, with anvil's mining paused at the instant of the kill). Each case gets
// its own network; the five run concurrently, each `it` awaits and checks its own.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { IndexStateStore } from '../../activities/keys/index-state';
import { ETH, type CreationNetwork, type CreationNetworkOptions, type RollupSpec } from '../harness/creation-network';
import { concurrentCrashRuns, crashRun, type CommonOutcome } from '../harness/crash-run';
import { lower, type CrashPoint } from '../harness/crash-watcher';

const ROLLUP: RollupSpec = { account: 2, name: 'rollup-crash', funding: 640n * ETH, limit: 5000 };
const MAX_BATCH = 5;

type NetworkVariant = Pick<CreationNetworkOptions, 'nexusVersion' | 'bridgeKind'>;

const CASES: { point: CrashPoint; title: string; network?: NetworkVariant }[] = [
  {
    point: 'after-key-material',
    title: 'crash point 1, after key material (the key-material activity completed, no deposit on chain)',
  },
  {
    point: 'after-deposit-sent',
    title: 'crash point 2, after the deposit was sent and before it was mined (journal record pending)',
  },
  { point: 'after-deposit-mined', title: 'crash point 3, after the deposit was mined and before any of its keyshares' },
  {
    point: 'between-keyshares',
    title: 'crash point 4, between keyshares (some but not all of a batch registered with SSV)',
  },
  {
    point: 'after-deposit-mined',
    title: 'crash point 3 on Nexus v2024-03 with a CValue bridge',
    network: { nexusVersion: 'v2024-03', bridgeKind: 'CValue' },
  },
];

/** Invariant 2: the allocated indices are distinct, and every deposited key is the key of an allocated index. */
async function checkKeyIndices(net: CreationNetwork, total: number, { deposited }: CommonOutcome): Promise<void> {
  const r = net.rollups[0];
  const state = await new IndexStateStore({ folder: join(net.dir, 'key-indices') }).readState(r.admin);
  const indices = state.allocations.flatMap((a) => Array.from({ length: a.count }, (_, i) => a.start + i));
  assert.equal(
    new Set(indices).size,
    indices.length,
    `an index was allocated twice: ${JSON.stringify(state.allocations)}`,
  );
  const keys = await deriveSigningKeys(await net.vault.readMnemonic(r.admin), indices);
  const indexOf = new Map(keys.map((k) => [lower(k.pubkeyHex), k.index]));
  wipeKeys(keys);
  const usedIndices = deposited.map((p) => {
    const index = indexOf.get(p);
    assert.ok(index !== undefined, `deposited key ${p} is not the key of any allocated index`);
    return index;
  });
  assert.equal(new Set(usedIndices).size, total, 'an index was used for two deposits');
}

describe('creation survives a worker SIGKILL at each step boundary (Temporal + anvil + moto + worker process)', function () {
  this.timeout(480_000);
  concurrentCrashRuns(
    CASES,
    (c, aborted) =>
      crashRun({
        point: c.point,
        keyPath: 'mnemonic',
        rollup: ROLLUP,
        maxBatch: MAX_BATCH,
        network: c.network,
        aborted,
        checkInvariants: checkKeyIndices,
        taskQueue: ['nexus-bot-crash', c.point, c.network?.nexusVersion, c.network?.bridgeKind]
          .filter(Boolean)
          .join('-'),
      }),
    (c) => `${c.title}: completes after a restart, no double deposit, no missing keyshares, no reused index`,
  );
});
