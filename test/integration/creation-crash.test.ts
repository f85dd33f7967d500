// Crash recovery of a mnemonic creation, end to end on the real parts (Temporal dev server, anvil
// with our contracts, moto, the worker as its own process). For each step boundary of a creation
// the worker is SIGKILLed while the creation stands exactly there, then a new worker is started:
//   1. after key material   (prepareMnemonicValidators completed, no deposit of the batch on chain)
//   2. after the deposit was sent, before it was mined (journal record pending, keys INACTIVE)
//   3. after the deposit was mined, before any of its keyshares (keys DEPOSITED, no ValidatorAdded)
//   4. between keyshares    (some but not all of a batch's keys have a ValidatorAdded event)
// Every run must complete with no double deposit (invariant 1), no reused key index (invariant 2),
// no missing and no double keyshares registration (invariant 4). Crash point 3 runs a second time on
// Nexus v2024-03 with a CValue bridge (the networks default to v2024-06 and DAO).
//
// The crash point is watched from outside the worker (journal file, chain, workflow history),
// polled every 50 ms. To make "the creation stands exactly there" hold at the instant of the kill,
// the watcher pauses anvil's interval mining, confirms the condition on the frozen chain, kills,
// and only then lets blocks come again; nothing in the bot is hooked. A batch whose window was
// missed (its block came first) is skipped and the next batch is watched.
//
// Each case gets its own network; the five run concurrently (most of a run is the server's
// wait for the killed worker's activity to time out), each `it` awaits and checks its own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import { SSV_NETWORK_V1_ABI, nexusInterface } from '../../activities/chain/abi';
import type { TxRecord } from '../../activities/chain/tx-manager';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { IndexStateStore } from '../../activities/keys/index-state';
import { contractAt } from '../../contracts/artifacts';
import { creationWorkflowId, monitorWorkflowId } from '../../workflows/ids';
import { monitorStatusQuery } from '../../workflows/messages';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import { rollupMonitorWorkflow } from '../../workflows/rollup-monitor';
import { ETH, startCreationNetwork, type CreationNetwork, type CreationNetworkOptions, type RollupSpec } from '../harness/creation-network';

const ROLLUP: RollupSpec = { account: 2, name: 'rollup-crash', funding: 640n * ETH, limit: 5000 };
const MAX_BATCH = 5;
const BLOCK_TIME = 2;
const POLL_MS = 50;
const CRASH_POINT_DEADLINE_MS = 180_000;
/** After the restart: the server first times out the killed worker's activity (heartbeat timeout 2 min). */
const COMPLETION_DEADLINE_MS = 300_000;

type CrashPoint = 'after-key-material' | 'after-deposit-sent' | 'after-deposit-mined' | 'between-keyshares';

type NetworkVariant = Pick<CreationNetworkOptions, 'nexusVersion' | 'bridgeKind'>;

const CASES: { point: CrashPoint; title: string; network?: NetworkVariant }[] = [
  { point: 'after-key-material', title: 'crash point 1, after key material (prepareMnemonicValidators completed, no deposit on chain)' },
  { point: 'after-deposit-sent', title: 'crash point 2, after the deposit was sent and before it was mined (journal record pending)' },
  { point: 'after-deposit-mined', title: 'crash point 3, after the deposit was mined and before any of its keyshares' },
  { point: 'between-keyshares', title: 'crash point 4, between keyshares (some but not all of a batch registered with SSV)' },
  { point: 'after-deposit-mined', title: 'crash point 3 on Nexus v2024-03 with a CValue bridge', network: { nexusVersion: 'v2024-03', bridgeKind: 'CValue' } },
];

/** A deposit transaction of the journal with the chain state of its keys. */
interface DepositBatch {
  key: string;
  journalStatus: TxRecord['status'];
  pubkeys: string[];
  /** Nexus.validators(pubkey) of each key: 0 INACTIVE, 1 DEPOSITED, 2 SHARE_DEPOSITED, ... */
  nexusStatus: bigint[];
  /** How many of its keys have a ValidatorAdded event (owner = Nexus). */
  registered: number;
}

interface Snapshot {
  validatorCount: bigint;
  batches: DepositBatch[];
}

interface CrashEvidence {
  point: CrashPoint;
  /** What the watcher saw on the frozen chain just before the kill. */
  seen: string;
  killedExitCode: number | null;
}

const lower = (hex: string) => hex.toLowerCase();
const onChain = (b: DepositBatch) => b.nexusStatus.every((s) => s >= 1n);
const notOnChain = (b: DepositBatch) => b.nexusStatus.every((s) => s === 0n);
const describeSnapshot = (s: Snapshot) =>
  `validatorCount ${s.validatorCount}; ` +
  s.batches.map((b) => `${b.key.slice(0, 40)}… ${b.journalStatus}, statuses [${b.nexusStatus.join(',')}], registered ${b.registered}/${b.pubkeys.length}`).join('; ');

class CrashWatcher {
  private readonly journalPath: string;
  private readonly admin: string;
  private readonly ssv: ethers.Contract;
  private readonly pubkeysByKey = new Map<string, string[]>();
  private bridge: ethers.Contract | undefined;

  constructor(private readonly net: CreationNetwork, private readonly aborted: () => boolean) {
    this.journalPath = join(net.dir, 'tx-journal.json');
    this.admin = net.rollups[0].admin;
    this.ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
  }

  /** The deposit records of the journal (written atomically by rename: never torn). */
  private depositRecords(): TxRecord[] {
    let text: string;
    try {
      text = readFileSync(this.journalPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const journal = JSON.parse(text) as { records: Record<string, TxRecord> };
    return Object.values(journal.records).filter((r) => r.idempotencyKey.startsWith('deposit:'));
  }

  private pubkeysOf(record: TxRecord): string[] {
    let pubkeys = this.pubkeysByKey.get(record.idempotencyKey);
    if (!pubkeys) {
      const { data } = ethers.Transaction.from(record.attempts[0].raw);
      const [, validators] = nexusInterface.decodeFunctionData('depositValidatorRollup', data) as unknown as [string, [string, string, string, string][]];
      pubkeys = validators.map((v) => lower(v[0]));
      this.pubkeysByKey.set(record.idempotencyKey, pubkeys);
    }
    return pubkeys;
  }

  async snapshot(): Promise<Snapshot> {
    const records = this.depositRecords();
    this.bridge ??= await contractAt('NexusBaseBridge', this.net.rollups[0].bridge, this.net.provider);
    const bridge = this.bridge;
    const nexus = this.net.system.contracts.nexus;
    const [validatorCount, added] = await Promise.all([
      bridge.getFunction('validatorCount')() as Promise<bigint>,
      this.ssv.queryFilter(this.ssv.filters.ValidatorAdded(this.net.system.addresses.nexus), 0) as Promise<ethers.EventLog[]>,
    ]);
    const registered = new Set(added.map((e) => lower(e.args[2] as string)));
    const batches = await Promise.all(records.map(async (record): Promise<DepositBatch> => {
      const pubkeys = this.pubkeysOf(record);
      const nexusStatus = await Promise.all(pubkeys.map((p) => nexus.getFunction('validators')(p) as Promise<bigint>));
      return { key: record.idempotencyKey, journalStatus: record.status, pubkeys, nexusStatus, registered: pubkeys.filter((p) => registered.has(p)).length };
    }));
    return { validatorCount, batches };
  }

  /** The run id of the current creation child if its history holds a completed prepareMnemonicValidators. */
  async keyMaterialDone(): Promise<string | undefined> {
    const id = creationWorkflowId(this.admin);
    let runId: string;
    try {
      runId = (await this.net.client.workflow.getHandle(id).describe()).runId;
    } catch {
      return undefined; // not started yet
    }
    const history = await this.net.client.workflow.getHandle(id, runId).fetchHistory();
    const activityTypes = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) activityTypes.set(String(event.eventId), scheduled.activityType?.name ?? '');
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed && activityTypes.get(String(completed.scheduledEventId)) === 'prepareMnemonicValidators') return runId;
    }
    return undefined;
  }

  /**
   * Whether the creation stands at `point` now: a description of it, else undefined. The bridge's
   * validatorCount must match the batches on chain (the batch at hand has not moved it, or has).
   */
  async check(point: CrashPoint, keyMaterialRun?: string): Promise<string | undefined> {
    const snap = await this.snapshot();
    const countOf = (batches: DepositBatch[]) => BigInt(batches.filter(onChain).reduce((n, b) => n + b.pubkeys.length, 0));
    const others = (b: DepositBatch) => snap.batches.filter((x) => x !== b);
    switch (point) {
      case 'after-key-material': {
        if (!keyMaterialRun) return undefined;
        const key = `deposit:${creationWorkflowId(this.admin)}/${keyMaterialRun}`;
        const batch = snap.batches.find((b) => b.key === key);
        if (batch && !notOnChain(batch)) return undefined;
        if (snap.validatorCount !== countOf(snap.batches.filter((b) => b.key !== key))) return undefined;
        return `key material of run ${keyMaterialRun} done, its deposit ${batch ? `journaled ${batch.journalStatus}, keys INACTIVE` : 'not journaled'}; ${describeSnapshot(snap)}`;
      }
      case 'after-deposit-sent': {
        const batch = snap.batches.find((b) => b.journalStatus === 'pending' && notOnChain(b) && snap.validatorCount === countOf(others(b)));
        return batch && `deposit ${batch.key} pending, keys INACTIVE, validatorCount not moved; ${describeSnapshot(snap)}`;
      }
      case 'after-deposit-mined': {
        const batch = snap.batches.find((b) => b.nexusStatus.every((s) => s === 1n) && b.registered === 0 && snap.validatorCount === countOf(snap.batches));
        return batch && `deposit ${batch.key} mined (keys DEPOSITED, validatorCount rose), no ValidatorAdded for its keys; ${describeSnapshot(snap)}`;
      }
      case 'between-keyshares': {
        const batch = snap.batches.find((b) => b.registered >= 1 && b.registered < b.pubkeys.length);
        return batch && `batch ${batch.key}: ${batch.registered} of ${batch.pubkeys.length} keys registered; ${describeSnapshot(snap)}`;
      }
    }
  }

  /** A cheap first look (journal file, history): worth freezing the chain to check closely? */
  private async candidate(point: CrashPoint, skipped: Set<string>): Promise<{ run?: string } | undefined> {
    switch (point) {
      case 'after-key-material': {
        const run = await this.keyMaterialDone();
        return run && !skipped.has(run) ? { run } : undefined;
      }
      case 'after-deposit-sent':
        return this.depositRecords().some((r) => r.status === 'pending' && !skipped.has(r.idempotencyKey)) ? {} : undefined;
      default:
        return {};
    }
  }

  private setIntervalMining(seconds: number): Promise<unknown> {
    return this.net.provider.send('evm_setIntervalMining', [seconds]);
  }

  /**
   * Waits until the creation stands at `point`, with block production paused; the caller kills the
   * worker and then calls `resumeMining`. Batches whose window passed are skipped.
   */
  async waitAndFreeze(point: CrashPoint): Promise<string> {
    const skipped = new Set<string>();
    const deadline = Date.now() + CRASH_POINT_DEADLINE_MS;
    for (let polls = 0; ; polls++) {
      if (this.aborted()) throw new Error('aborted');
      const candidate = await this.candidate(point, skipped);
      if (candidate) {
        const quick = point === 'after-key-material' || point === 'after-deposit-sent' ? true : await this.check(point);
        if (quick) {
          await this.setIntervalMining(0);
          const seen = await this.check(point, candidate.run);
          if (seen) return seen;
          await this.resumeMining();
          // The window of this batch passed before the chain stood still: watch the next batch.
          if (candidate.run) skipped.add(candidate.run);
          if (point === 'after-deposit-sent') for (const r of this.depositRecords()) if (r.status === 'pending') skipped.add(r.idempotencyKey);
        }
      }
      if (polls % 20 === 19) {
        // About once a second: give up when the creation finished (or stalled) without standing there.
        const snap = await this.snapshot();
        if (snap.batches.reduce((n, b) => n + b.registered, 0) >= this.total()) {
          throw new Error(`crash point ${point} was never observed: the creation finished first (${describeSnapshot(snap)})`);
        }
        if (Date.now() > deadline) throw new Error(`crash point ${point} not reached in ${CRASH_POINT_DEADLINE_MS / 1000} s (${describeSnapshot(snap)})\n${workerLogTail(this.net)}`);
      }
      await sleep(POLL_MS);
    }
  }

  async resumeMining(): Promise<void> {
    await this.setIntervalMining(BLOCK_TIME);
  }

  total(): number {
    const r = this.net.rollups[0];
    return Number(maxDepositsWithinLimit({ bridgeBalanceWei: r.funding, validatorCount: 0n, stakingLimitBps: r.limit }));
  }
}

function workerLogTail(net: CreationNetwork): string {
  try {
    return `--- worker log (tail) ---\n${readFileSync(net.workerLog, 'utf8').slice(-4000)}`;
  } catch {
    return '(no worker log)';
  }
}

/** One crash run in its own network: crash at `point`, restart, wait for completion, check the invariants. */
async function crashRun(point: CrashPoint, aborted: () => boolean, variant: NetworkVariant = {}): Promise<CrashEvidence> {
  const taskQueue = ['nexus-bot-crash', point, variant.nexusVersion, variant.bridgeKind].filter(Boolean).join('-');
  const net = await startCreationNetwork({ rollups: [ROLLUP], blockTime: BLOCK_TIME, taskQueue, ...variant });
  try {
    const watcher = new CrashWatcher(net, aborted);
    const admin = net.rollups[0].admin;
    const total = watcher.total();
    assert.ok(total > MAX_BATCH, `the rollup must need more than one batch (plans ${total})`);

    const first = await net.startWorker();
    const monitor = await net.client.workflow.start(rollupMonitorWorkflow, {
      taskQueue: net.taskQueue, workflowId: monitorWorkflowId(admin),
      args: [{ rollupAdmin: admin, keyPath: 'mnemonic', pollInterval: '2 seconds', maxBatch: MAX_BATCH }],
    });

    const seen = await watcher.waitAndFreeze(point);
    process.kill(first.pid, 'SIGKILL');
    const killedExitCode = await first.exited;
    await watcher.resumeMining();
    await net.startWorker();

    const deadline = Date.now() + COMPLETION_DEADLINE_MS;
    for (;;) {
      if (aborted()) throw new Error('aborted');
      const status = await monitor.query(monitorStatusQuery).catch(() => undefined);
      if (status && status.validatorsCreated === total && status.phase === 'idle') break;
      if (Date.now() > deadline) {
        assert.fail(`${point}: not complete ${COMPLETION_DEADLINE_MS / 1000} s after the restart: ${JSON.stringify(status)}\n` +
          `${describeSnapshot(await watcher.snapshot())}\n${workerLogTail(net)}`);
      }
      await sleep(500);
    }

    await checkInvariants(net, total);
    return { point, seen, killedExitCode };
  } finally {
    await net.stop();
  }
}

async function checkInvariants(net: CreationNetwork, total: number): Promise<void> {
  const r = net.rollups[0];
  const nexus = net.system.contracts.nexus;

  const bridge = await contractAt('NexusBaseBridge', r.bridge, net.provider);
  assert.equal(await bridge.getFunction('validatorCount')(), BigInt(total), 'bridge validatorCount is not the planned total');

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

  // Invariant 2: the allocated indices are distinct, and every deposited key is the key of an allocated index.
  const state = await new IndexStateStore({ folder: join(net.dir, 'key-indices') }).readState(r.admin);
  const indices = state.allocations.flatMap((a) => Array.from({ length: a.count }, (_, i) => a.start + i));
  assert.equal(new Set(indices).size, indices.length, `an index was allocated twice: ${JSON.stringify(state.allocations)}`);
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
  let aborted = false;
  const runs = new Map<string, Promise<{ evidence?: CrashEvidence; error?: unknown }>>();

  before(function () {
    // Concurrent runs, started a little apart so that the networks do not all boot at once.
    for (const [i, c] of CASES.entries()) {
      runs.set(c.title, sleep(i * 4_000)
        .then(() => crashRun(c.point, () => aborted, c.network))
        .then((evidence) => ({ evidence }), (error: unknown) => ({ error })));
    }
  });

  after(async function () {
    this.timeout(120_000);
    aborted = true; // a run still going (its `it` timed out) stops at its next poll and stops its network
    await Promise.all(runs.values());
  });

  for (const c of CASES) {
    it(`${c.title}: completes after a restart, no double deposit, no missing keyshares, no reused index`, async () => {
      const outcome = await runs.get(c.title);
      if (!outcome || outcome.error !== undefined) throw outcome?.error ?? new Error('not run');
      assert.equal(outcome.evidence?.point, c.point);
      assert.equal(outcome.evidence?.killedExitCode, null, 'the first worker was not killed by the signal');
    });
  }
});
