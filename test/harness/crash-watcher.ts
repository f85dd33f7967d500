// Where a creation stands, seen from outside the worker (journal file, chain, workflow history,
// the ssv-dkg init child in /proc), polled every 50 ms, for the crash suites (crash-run.ts). To
// make "the creation stands exactly there" hold at the instant of the kill, the watcher pauses
// anvil's interval mining, confirms the condition on the frozen chain, and only after the kill
// lets blocks come again; nothing in the bot is hooked. A batch whose window was missed (its block
// came first) is skipped and the next batch is watched.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { ethers } from 'ethers';
import { SSV_NETWORK_V1_ABI, nexusInterface } from '../../activities/chain/abi';
import { readTxJournalRecords, type TxRecord } from '../../activities/chain/tx-manager';
import type { KeyPath } from '../../activities/types';
import { contractAt } from '../../contracts/artifacts';
import { creationWorkflowId } from '../../workflows/ids';
import { maxDepositsWithinLimit } from '../../workflows/planning';
import type { CreationNetwork } from './creation-network';
import { asBasisPoints, asRollupAdmin } from '../../protocol/identifiers';

/** anvil's block time while the watcher does not hold the chain still. */
export const BLOCK_TIME = 2;
const POLL_MS = 50;
const CRASH_POINT_DEADLINE_MS = 180_000;
/** "During a ceremony" is well inside it: the operators have been contacted, the output is not written. */
const CEREMONY_RUNNING_MS = 5_000;

export type CrashPoint =
  'during-ceremony' | 'after-key-material' | 'after-deposit-sent' | 'after-deposit-mined' | 'between-keyshares';

/**
 * The activities whose completion is "after key material", by key path: a mnemonic batch of a
 * monitor with patched('monitor-fewer-events') allocates and derives in one salt activity.
 */
const KEY_MATERIAL_ACTIVITIES: Record<KeyPath, readonly string[]> = {
  mnemonic: ['prepareMnemonicValidators', 'allocateAndPrepareMnemonicValidators'],
  dkg: ['runDkgCeremony'],
};

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

export const lower = (hex: string) => hex.toLowerCase();
const onChain = (b: DepositBatch) => b.nexusStatus.every((s) => s >= 1n);
const notOnChain = (b: DepositBatch) => b.nexusStatus.every((s) => s === 0n);
export const describeSnapshot = (s: Snapshot) =>
  `validatorCount ${s.validatorCount}; ` +
  s.batches
    .map(
      (b) =>
        `${b.key.slice(0, 40)}… ${b.journalStatus}, statuses [${b.nexusStatus.join(',')}], registered ${b.registered}/${b.pubkeys.length}`,
    )
    .join('; ');

/** The `ssv-dkg init` processes running in the worker's DKG work folder (found by their working directory). */
export function ceremonyChildren(net: CreationNetwork): number[] {
  const workDir = (net.workerConfig.dkg as { workDir?: string } | undefined)?.workDir;
  if (!workDir) return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readlinkSync(`/proc/${name}/cwd`).startsWith(`${workDir}/`)) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes('init')) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

export class CrashWatcher {
  private readonly journalPath: string;
  private readonly admin: string;
  private readonly ssv: ethers.Contract;
  private readonly pubkeysByKey = new Map<string, string[]>();
  private readonly keyMaterialActivities: readonly string[];
  private bridge: ethers.Contract | undefined;
  /** When each `ssv-dkg init` process was first seen. */
  private readonly ceremonySeen = new Map<number, number>();

  constructor(
    private readonly net: CreationNetwork,
    keyPath: KeyPath,
    private readonly aborted: () => boolean,
  ) {
    this.journalPath = join(net.dir, 'tx-journal.json');
    this.admin = net.rollups[0].admin;
    this.ssv = new ethers.Contract(net.system.addresses.ssvNetwork, SSV_NETWORK_V1_ABI, net.provider);
    this.keyMaterialActivities = KEY_MATERIAL_ACTIVITIES[keyPath];
  }

  /** The deposit records of the journal (append-only: a put in progress is a torn last line, ignored). */
  private depositRecords(): TxRecord[] {
    return readTxJournalRecords(this.journalPath).filter((r) => r.idempotencyKey.startsWith('deposit:'));
  }

  private pubkeysOf(record: TxRecord): string[] {
    let pubkeys = this.pubkeysByKey.get(record.idempotencyKey);
    if (!pubkeys) {
      const { data } = ethers.Transaction.from(record.attempts[0].raw);
      const [, validators] = nexusInterface.decodeFunctionData('depositValidatorRollup', data) as unknown as [
        string,
        [string, string, string, string][],
      ];
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
      this.ssv.queryFilter(this.ssv.filters.ValidatorAdded(this.net.system.addresses.nexus), 0) as Promise<
        ethers.EventLog[]
      >,
    ]);
    const registered = new Set(added.map((e) => lower(e.args[2] as string)));
    const batches = await Promise.all(
      records.map(async (record): Promise<DepositBatch> => {
        const pubkeys = this.pubkeysOf(record);
        const nexusStatus = await Promise.all(
          pubkeys.map((p) => nexus.getFunction('validators')(p) as Promise<bigint>),
        );
        return {
          key: record.idempotencyKey,
          journalStatus: record.status,
          pubkeys,
          nexusStatus,
          registered: pubkeys.filter((p) => registered.has(p)).length,
        };
      }),
    );
    return { validatorCount, batches };
  }

  /** The `ssv-dkg init` processes that have run for CEREMONY_RUNNING_MS at least. */
  private ceremoniesUnderWay(): number[] {
    const now = Date.now();
    return ceremonyChildren(this.net).filter((pid) => {
      if (!this.ceremonySeen.has(pid)) this.ceremonySeen.set(pid, now);
      return now - (this.ceremonySeen.get(pid) ?? now) >= CEREMONY_RUNNING_MS;
    });
  }

  /** The current creation child's handle and run id, or undefined before it starts. */
  private async creationRun() {
    const id = creationWorkflowId(asRollupAdmin(this.admin));
    try {
      const description = await this.net.client.workflow.getHandle(id).describe();
      return {
        handle: this.net.client.workflow.getHandle(id, description.runId),
        runId: description.runId,
        description,
      };
    } catch {
      return undefined; // not started yet
    }
  }

  /** The run id of the current creation child if its history holds a completed key-material activity. */
  async keyMaterialDone(): Promise<string | undefined> {
    const run = await this.creationRun();
    if (!run) return undefined;
    const history = await run.handle.fetchHistory();
    const activityTypes = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) activityTypes.set(String(event.eventId), scheduled.activityType?.name ?? '');
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed && this.keyMaterialActivities.includes(activityTypes.get(String(completed.scheduledEventId)) ?? ''))
        return run.runId;
    }
    return undefined;
  }

  /** The current creation run's key-material activity, pending and started on a worker (attempt, run id). */
  private async keyMaterialStarted(): Promise<string | undefined> {
    const run = await this.creationRun();
    const started = run?.description.raw.pendingActivities?.find(
      (a) =>
        this.keyMaterialActivities.includes(a.activityType?.name ?? '') &&
        a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
    return started ? `run ${run?.runId}, attempt ${started.attempt}` : undefined;
  }

  /**
   * Whether the creation stands at `point` now: a description of it, else undefined. The bridge's
   * validatorCount must match the batches on chain (the batch at hand has not moved it, or has).
   */
  async check(point: CrashPoint, keyMaterialRun?: string): Promise<string | undefined> {
    const snap = await this.snapshot();
    const countOf = (batches: DepositBatch[]) =>
      BigInt(batches.filter(onChain).reduce((n, b) => n + b.pubkeys.length, 0));
    const others = (b: DepositBatch) => snap.batches.filter((x) => x !== b);
    switch (point) {
      case 'during-ceremony': {
        const [started, children] = [await this.keyMaterialStarted(), this.ceremoniesUnderWay()];
        if (!started || children.length === 0 || snap.validatorCount !== countOf(snap.batches)) return undefined;
        return `${this.keyMaterialActivities.join('/')} started (${started}), ssv-dkg init running for ${CEREMONY_RUNNING_MS / 1000} s or more (pid ${children.join(', ')}); ${describeSnapshot(snap)}`;
      }
      case 'after-key-material': {
        if (!keyMaterialRun) return undefined;
        const key = `deposit:${creationWorkflowId(asRollupAdmin(this.admin))}/${keyMaterialRun}`;
        const batch = snap.batches.find((b) => b.key === key);
        if (batch && !notOnChain(batch)) return undefined;
        if (snap.validatorCount !== countOf(snap.batches.filter((b) => b.key !== key))) return undefined;
        return `${this.keyMaterialActivities.join('/')} of run ${keyMaterialRun} done, its deposit ${batch ? `journaled ${batch.journalStatus}, keys INACTIVE` : 'not journaled'}; ${describeSnapshot(snap)}`;
      }
      case 'after-deposit-sent': {
        const batch = snap.batches.find(
          (b) => b.journalStatus === 'pending' && notOnChain(b) && snap.validatorCount === countOf(others(b)),
        );
        return (
          batch && `deposit ${batch.key} pending, keys INACTIVE, validatorCount not moved; ${describeSnapshot(snap)}`
        );
      }
      case 'after-deposit-mined': {
        const batch = snap.batches.find(
          (b) =>
            b.nexusStatus.every((s) => s === 1n) && b.registered === 0 && snap.validatorCount === countOf(snap.batches),
        );
        return (
          batch &&
          `deposit ${batch.key} mined (keys DEPOSITED, validatorCount rose), no ValidatorAdded for its keys; ${describeSnapshot(snap)}`
        );
      }
      case 'between-keyshares': {
        const batch = snap.batches.find((b) => b.registered >= 1 && b.registered < b.pubkeys.length);
        return (
          batch &&
          `batch ${batch.key}: ${batch.registered} of ${batch.pubkeys.length} keys registered; ${describeSnapshot(snap)}`
        );
      }
    }
  }

  /** A cheap first look (journal file, history, /proc): worth freezing the chain to check closely? */
  private async candidate(point: CrashPoint, skipped: Set<string>): Promise<{ run?: string } | undefined> {
    switch (point) {
      case 'during-ceremony':
        return this.ceremoniesUnderWay().length > 0 ? {} : undefined;
      case 'after-key-material': {
        const run = await this.keyMaterialDone();
        return run && !skipped.has(run) ? { run } : undefined;
      }
      case 'after-deposit-sent':
        return this.depositRecords().some((r) => r.status === 'pending' && !skipped.has(r.idempotencyKey))
          ? {}
          : undefined;
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
    const lookFirst = point === 'after-deposit-mined' || point === 'between-keyshares';
    for (let polls = 0; ; polls++) {
      if (this.aborted()) throw new Error('aborted');
      const candidate = await this.candidate(point, skipped);
      if (candidate && (!lookFirst || (await this.check(point)))) {
        await this.setIntervalMining(0);
        const seen = await this.check(point, candidate.run);
        if (seen) return seen;
        await this.resumeMining();
        // The window of this batch passed before the chain stood still: watch the next batch.
        if (candidate.run) skipped.add(candidate.run);
        if (point === 'after-deposit-sent')
          for (const r of this.depositRecords()) if (r.status === 'pending') skipped.add(r.idempotencyKey);
      }
      if (polls % 20 === 19) {
        // About once a second: give up when the creation finished (or stalled) without standing there.
        const snap = await this.snapshot();
        if (snap.batches.reduce((n, b) => n + b.registered, 0) >= this.total()) {
          throw new Error(
            `crash point ${point} was never observed: the creation finished first (${describeSnapshot(snap)})`,
          );
        }
        if (Date.now() > deadline)
          throw new Error(
            `crash point ${point} not reached in ${CRASH_POINT_DEADLINE_MS / 1000} s (${describeSnapshot(snap)})\n${workerLogTail(this.net)}`,
          );
      }
      await sleep(POLL_MS);
    }
  }

  async resumeMining(): Promise<void> {
    await this.setIntervalMining(BLOCK_TIME);
  }

  total(): number {
    const r = this.net.rollups[0];
    return Number(
      maxDepositsWithinLimit({
        bridgeBalanceWei: r.funding,
        validatorCount: 0n,
        stakingLimitBps: asBasisPoints(r.limit),
      }),
    );
  }
}

export function workerLogTail(net: CreationNetwork): string {
  try {
    return `--- worker log (tail) ---\n${readFileSync(net.workerLog, 'utf8').slice(-4000)}`;
  } catch {
    return '(no worker log)';
  }
}
