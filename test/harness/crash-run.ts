// A crash run of a creation on the real parts, shared by the mnemonic and the DKG crash suites:
// its own network, the worker SIGKILLed where the CrashWatcher sees the creation stand at the
// crash point, a new worker started, the monitor awaited to completion, then the invariants every
// key path shares (1 and 4) checked, and the suite's own.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import type { KeyPath } from '../../activities/types';
import { contractAt } from '../../contracts/artifacts';
import { monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../protocol/messages';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { signedForNonce } from '../fixtures/keyshares/checks';
import { checkTransactionJournal } from './journal-check';
import {
  startCreationNetwork,
  type CreationNetwork,
  type CreationNetworkOptions,
  type RollupSpec,
} from './creation-network';
import { BLOCK_TIME, CrashWatcher, describeSnapshot, lower, workerLogTail, type CrashPoint } from './crash-watcher';
import { asRollupAdmin } from '../../protocol/identifiers';

/** After the restart: the server first times out the killed worker's activity (heartbeat timeout 1 min). */
const COMPLETION_DEADLINE_MS = 300_000;

export interface CrashEvidence {
  point: CrashPoint;
  /** What the watcher saw on the frozen chain just before the kill. */
  seen: string;
  killedExitCode: number | null;
  /** What the key path's own checks noted (e.g. what the killed worker's ceremony left). */
  note?: string;
}

export interface CrashRunOptions {
  point: CrashPoint;
  keyPath: KeyPath;
  rollup: RollupSpec;
  maxBatch: number;
  taskQueue: string;
  /** More of the network (Nexus version, bridge kind, DKG operators). */
  network?: Omit<CreationNetworkOptions, 'rollups' | 'blockTime' | 'taskQueue'>;
  aborted: () => boolean;
  /** The key path's own invariants, after the common ones held; may return a note for the report. */
  checkInvariants: (net: CreationNetwork, total: number, common: CommonOutcome) => Promise<string | void>;
  /** Called right after the kill, before the restart (e.g. to look at what the killed worker left). */
  afterKill?: (net: CreationNetwork) => Promise<void>;
}

/** One crash run in its own network: crash at `point`, restart, wait for completion, check the invariants. */
export async function crashRun(opts: CrashRunOptions): Promise<CrashEvidence> {
  const { point, aborted } = opts;
  const net = await startCreationNetwork({
    rollups: [opts.rollup],
    blockTime: BLOCK_TIME,
    taskQueue: opts.taskQueue,
    ...opts.network,
  });
  try {
    const watcher = new CrashWatcher(net, opts.keyPath, aborted);
    const admin = net.rollups[0].admin;
    const total = watcher.total();
    assert.ok(total > opts.maxBatch, `the rollup must need more than one batch (plans ${total})`);

    const first = await net.startWorker();
    const monitor = await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue,
      workflowId: monitorWorkflowId(asRollupAdmin(admin)),
      args: [
        {
          rollupAdmin: asRollupAdmin(admin),
          keyPath: opts.keyPath,
          pollInterval: '2 seconds',
          maxBatch: opts.maxBatch,
        },
      ],
    });

    const seen = await watcher.waitAndFreeze(point);
    process.kill(first.pid, 'SIGKILL');
    const killedExitCode = await first.exited;
    await watcher.resumeMining();
    await opts.afterKill?.(net);
    await net.startWorker();

    const deadline = Date.now() + COMPLETION_DEADLINE_MS;
    for (;;) {
      if (aborted()) throw new Error('aborted');
      const status = await monitor.query(monitorStatusQuery).catch(() => undefined);
      if (status && status.validatorsCreated === total && status.phase === 'idle') break;
      if (Date.now() > deadline) {
        assert.fail(
          `${point}: not complete ${COMPLETION_DEADLINE_MS / 1000} s after the restart: ${JSON.stringify(status)}\n` +
            `${describeSnapshot(await watcher.snapshot())}\n${workerLogTail(net)}`,
        );
      }
      await sleep(500);
    }

    const note = await opts.checkInvariants(net, total, await checkCommonInvariants(net, total));
    return { point, seen, killedExitCode, ...(note ? { note } : {}) };
  } finally {
    await net.stop();
  }
}

/** What the common invariants saw: deposited pubkeys, and the ValidatorAdded events (owner = Nexus) in nonce order. */
export interface CommonOutcome {
  deposited: string[];
  added: ethers.EventLog[];
}

/** Invariants 1 and 4 on any key path: one deposit per key, each key registered with SSV exactly once. */
export async function checkCommonInvariants(net: CreationNetwork, total: number): Promise<CommonOutcome> {
  const r = net.rollups[0];
  const nexus = net.system.contracts.nexus;

  const bridge = await contractAt('NexusBaseBridge', r.bridge, net.provider);
  assert.equal(
    await bridge.getFunction('validatorCount')(),
    BigInt(total),
    'bridge validatorCount is not the planned total',
  );

  // Invariant 1: one deposit per key, none repeated.
  const depositContract = await contractAt('DepositContract', net.system.addresses.depositContract, net.provider);
  const deposits = (await depositContract.queryFilter(depositContract.filters.DepositEvent(), 0)) as ethers.EventLog[];
  assert.equal(deposits.length, total, 'DepositEvent logs: a double (or missing) deposit');
  const deposited = deposits.map((e) => lower(e.args[0] as string));
  assert.equal(new Set(deposited).size, total, 'a pubkey was deposited twice');

  // No missing keyshares: every deposited key is SHARE_DEPOSITED.
  for (const pubkey of deposited) {
    assert.equal(await nexus.getFunction('validators')(pubkey), 2n, `${pubkey} is not SHARE_DEPOSITED`);
  }

  // Invariant 4: exactly one SSV registration per key (the owner nonce sequence has no extra entry).
  const ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
  const added = (await ssv.queryFilter(ssv.filters.ValidatorAdded(net.system.addresses.nexus), 0)) as ethers.EventLog[];
  assert.equal(added.length, total, 'ValidatorAdded events (owner = Nexus): a double or missing registration');
  const registered = added.map((e) => lower(e.args[2] as string));
  assert.equal(new Set(registered).size, total, 'a key was registered with SSV twice');
  assert.deepEqual([...registered].sort(), [...deposited].sort(), 'the registered keys are not the deposited keys');

  // No nonce gap: an SSV node accepts the i-th registration of the owner only if it is signed for
  // nonce i (the chain accepts any), so each payload's signature is checked against its position.
  for (const [nonce, event] of added.entries()) {
    const [, operatorIds, publicKey, sharesData] = event.args as unknown as [string, bigint[], string, string];
    assert.ok(
      signedForNonce(
        { publicKey, sharesData, operatorIds: operatorIds.map(Number) },
        net.system.addresses.nexus,
        nonce,
      ),
      `ValidatorAdded #${nonce} (${publicKey}) is not signed for owner nonce ${nonce}: a nonce gap`,
    );
  }
  // The journal agrees with the chain: every bot transaction journaled, none lost, no nonce twice.
  await checkTransactionJournal(net.provider, net.dir, new ethers.Wallet(net.botKey).address);
  return { deposited, added };
}

/**
 * Registers the suite's runs: all started concurrently in `before` (a little apart, so that the
 * networks do not all boot at once; most of a run is the server's wait for the killed worker's
 * activity to time out), one `it` per case awaiting and checking its own.
 */
export function concurrentCrashRuns<C extends { title: string; point: CrashPoint }>(
  cases: readonly C[],
  run: (c: C, aborted: () => boolean) => Promise<CrashEvidence>,
  itTitle: (c: C) => string,
): void {
  let aborted = false;
  const runs = new Map<string, Promise<{ evidence?: CrashEvidence; error?: unknown }>>();

  before(function () {
    for (const [i, c] of cases.entries()) {
      runs.set(
        c.title,
        sleep(i * 4_000)
          .then(() => run(c, () => aborted))
          .then(
            (evidence) => ({ evidence }),
            (error: unknown) => ({ error }),
          ),
      );
    }
  });

  after(async function () {
    this.timeout(120_000);
    aborted = true; // a run still going (its `it` timed out) stops at its next poll and stops its network
    await Promise.all(runs.values());
  });

  for (const c of cases) {
    it(itTitle(c), async () => {
      const outcome = await runs.get(c.title);
      if (!outcome || outcome.error !== undefined) throw outcome?.error ?? new Error('not run');
      // Where the creation stood at the kill, for the log of a run that passes too.
      console.log(
        `      seen: ${outcome.evidence?.seen.slice(0, 240)}${outcome.evidence?.note ? `\n      note: ${outcome.evidence.note}` : ''}`,
      );
      assert.equal(outcome.evidence?.point, c.point);
      assert.equal(outcome.evidence?.killedExitCode, null, 'the first worker was not killed by the signal');
    });
  }
}
