// Crash recovery of a DKG creation, end to end on the real parts (Temporal dev server, anvil with
// our contracts, moto, the worker as its own process, the cluster's four ssv-dkg operators). For
// each step boundary of a DKG batch the worker is SIGKILLed while the creation stands exactly there
// (test/harness/crash-watcher.ts), then a new worker is started:
//   1. during a ceremony     (runDkgCeremony started on a worker, its `ssv-dkg init` child running
//                             for 5 s of the ~20 s a ceremony takes at the real binary's pace)
//   2. after the ceremony    (runDkgCeremony completed, nothing of the batch on chain)
//   3. after the deposit was sent, before it was mined (journal record pending, keys INACTIVE)
//   4. after the deposit was mined, before any of its keyshares (keys DEPOSITED, no ValidatorAdded)
//   5. between keyshares     (some but not all of a ceremony's keys have a ValidatorAdded event)
// The rollup needs three batches of two keys. Every run must complete with no double deposit
// (invariant 1), every deposited key registered exactly once, no nonce gap (the i-th registration
// of the Nexus owner is signed for nonce i: invariant 4), and every archived ceremony either
// deposited on exactly its reserved nonces or reported unused with none of its keys deposited; keys
// the operators hold from a ceremony cut off by the kill are never deposited, and the worker says so.
// The five run concurrently, each in its own network.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { archiveDirOf, archivedCeremonies } from '../harness/ceremony-archive';
import { ETH, type CreationNetwork, type RollupSpec } from '../harness/creation-network';
import { concurrentCrashRuns, crashRun, type CommonOutcome } from '../harness/crash-run';
import { ceremonyChildren, lower, type CrashPoint } from '../harness/crash-watcher';
import { loadOperatorShares } from '../harness/threshold-signing';

// 384 ETH at 5000 bps: 6 validators, so three batches of two.
const ROLLUP: RollupSpec = {
  account: 2,
  name: 'rollup-crash-dkg',
  funding: 384n * ETH,
  limit: 5000,
  createMnemonic: false,
};
const MAX_BATCH = 2;
/** How long an orphaned `ssv-dkg init` (its worker killed) may take to end by itself. */
const ORPHAN_DEADLINE_MS = 60_000;
/** The worker's WARN when it runs a ceremony again with no archive of an earlier attempt (activities/dkg/ceremony-activity.ts). */
const INTERRUPTED_REPORT = 'DKG ceremony run again: no archived ceremony of an earlier attempt';

const CASES: { point: CrashPoint; title: string; pace?: 'measured' }[] = [
  {
    point: 'during-ceremony',
    title: 'crash point 1, during a ceremony (runDkgCeremony started, ssv-dkg init running)',
    pace: 'measured',
  },
  {
    point: 'after-key-material',
    title: 'crash point 2, after the ceremony and before the deposit (runDkgCeremony completed, nothing on chain)',
  },
  {
    point: 'after-deposit-sent',
    title: 'crash point 3, after the deposit was sent and before it was mined (journal record pending)',
  },
  { point: 'after-deposit-mined', title: 'crash point 4, after the deposit was mined and before any of its keyshares' },
  {
    point: 'between-keyshares',
    title: "crash point 5, between keyshares (some but not all of a ceremony's keys registered with SSV)",
  },
];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The killed worker's `ssv-dkg init` children: its own process group, so they outlive it. Waits for
 * them to end by themselves; one still running past the deadline is killed by its group id (it
 * is ours: its working folder is this network's). Says what became of them.
 */
async function endOrphans(net: CreationNetwork, pids: number[]): Promise<string> {
  if (pids.length === 0) return 'no ssv-dkg init was running at the kill';
  const deadline = Date.now() + ORPHAN_DEADLINE_MS;
  while (pids.some(alive) && Date.now() < deadline) await sleep(500);
  const left = pids.filter(alive);
  for (const pid of left) {
    const cwd = (() => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        return '';
      }
    })();
    if (cwd.startsWith(net.dir)) process.kill(-pid, 'SIGKILL');
  }
  return left.length === 0
    ? `the killed worker's ssv-dkg init (pid ${pids.join(', ')}) ended by itself`
    : `the killed worker's ssv-dkg init (pid ${left.join(', ')}) still ran ${ORPHAN_DEADLINE_MS / 1000} s after the kill: killed`;
}

/** No nonce gap, and what became of every ceremony (deposited on its reserved nonces, or reported unused). */
async function checkDkgInvariants(
  net: CreationNetwork,
  { deposited, added }: CommonOutcome,
  orphans: Promise<string>,
): Promise<string> {
  // No nonce gap: checked for both key paths by crashRun (each registration signed for its nonce).
  const byNonce = added.map((e) => lower(e.args[2] as string));
  const depositedKeys = new Set(deposited);
  const fromDepositedCeremonies: string[] = [];
  const ceremonies = archivedCeremonies(archiveDirOf(net));
  for (const { dir, manifest } of ceremonies) {
    const pubkeys = manifest.pubkeys.map(lower);
    if (manifest.state === 'deposited') {
      assert.deepEqual(
        byNonce.slice(manifest.firstNonce, manifest.firstNonce + manifest.count),
        pubkeys,
        `ceremony ${dir}: its keys are not registered on its reserved nonces`,
      );
      fromDepositedCeremonies.push(...pubkeys);
    } else {
      // A ceremony whose output was never used is reported (marked unused), and none of its keys deposited.
      assert.equal(
        manifest.state,
        'unused',
        `ceremony ${dir} is ${manifest.state}: neither deposited nor reported unused`,
      );
      for (const p of pubkeys) assert.ok(!depositedKeys.has(p), `${p} of the unused ceremony ${dir} was deposited`);
    }
  }
  assert.deepEqual(
    fromDepositedCeremonies.sort(),
    [...deposited].sort(),
    'the deposited keys are not exactly those of the ceremonies marked deposited',
  );

  // Keys the operators hold shares of that no archived ceremony names: a ceremony cut off by the kill.
  const archived = new Set(ceremonies.flatMap((c) => c.manifest.pubkeys.map(lower)));
  const held = [...loadOperatorShares(net.dkgOperators?.outputDirs ?? []).keys()];
  const unnamed = held.filter((p) => !archived.has(p));
  for (const p of unnamed) assert.ok(!depositedKeys.has(p), `${p}, of no archived ceremony, was deposited`);
  // The bot never saw those keys: it reports the interrupted attempt when it runs the ceremony again.
  if (unnamed.length > 0)
    assert.ok(
      readFileSync(net.workerLog, 'utf8').includes(INTERRUPTED_REPORT),
      'the interrupted ceremony was not reported',
    );
  const unused = ceremonies.filter((c) => c.manifest.state === 'unused').length;
  return (
    `${ceremonies.length} ceremonies archived (${unused} unused); ${await orphans}; ` +
    `operators hold shares of ${held.length} keys, ${unnamed.length} of no archived ceremony (never deposited${unnamed.length > 0 ? ', reported' : ''})`
  );
}

describe('DKG creation survives a worker SIGKILL at each step boundary (Temporal + anvil + moto + worker process + ssv-dkg operators)', function () {
  this.timeout(480_000);
  concurrentCrashRuns(
    CASES,
    (c, aborted) => {
      let orphans: Promise<string> = Promise.resolve('no ssv-dkg init was running at the kill');
      return crashRun({
        point: c.point,
        keyPath: 'dkg',
        rollup: ROLLUP,
        maxBatch: MAX_BATCH,
        aborted,
        taskQueue: `nexus-bot-crash-dkg-${c.point}`,
        network: { dkg: { pace: c.pace } },
        afterKill: async (net) => {
          const pids = ceremonyChildren(net);
          orphans = endOrphans(net, pids);
          orphans.catch(() => undefined); // awaited by the checks
        },
        checkInvariants: (net, _total, common) => checkDkgInvariants(net, common, orphans),
      });
    },
    (c) =>
      `${c.title}: completes after a restart, no double deposit, every key registered once, no nonce gap, no unreported ceremony`,
  );
});
