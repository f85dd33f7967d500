// Activities replaced at the activity boundary for workflow tests: an in-memory chain with the
// bridge's exact staking check (planning.ts), Nexus validator statuses, and the SSV owner nonce.
// The registrar hand-off is the real activity (signal-with-start on the test server).
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { BotActivities } from '../../activities/interface';
import { createRegistrarActivities } from '../../activities/registrar-client';
import { registerBatch } from '../../activities/registration-batch';
import { createMnemonicBatchActivities } from '../../activities/mnemonic-batch';
import type { PublicDepositData, RegistrationFunding, RollupSnapshot } from '../../activities/types';
import type { ExitProgress } from '../../activities/exit-types';
import type { KeyOrigin, RollupReconciliation } from '../../activities/reconcile';
import type { RunningExitBatch } from '../../activities/batch-lookup';
import type { GuardCheck } from '../../activities/guard/types';
import { bridgeAllowsDeposits, VALIDATOR_DEPOSIT_WEI } from '../../workflows/planning';
import { asBasisPoints } from '../../protocol/identifiers';

export interface StubRollup {
  bridge: string;
  stakingLimitBps: number;
  operatorCluster: number;
  balanceWei: bigint;
  validatorCount: bigint;
}

type NexusStatus = 'DEPOSITED' | 'SHARE_DEPOSITED' | 'VALIDATOR_EXIT_SUBMITTED' | 'VALIDATOR_EXITED';

/** A validator on the stub beacon chain (mainnet timing by default: 12-s slots, 32-slot epochs). */
export interface StubBeaconValidator {
  index: number;
  /** Epoch of its voluntary exit's inclusion (undefined: active). */
  exitEpoch?: number;
  withdrawableEpoch?: number;
  /** Not yet active on the beacon chain (a pending deposit). */
  pending?: boolean;
}

export class StubChain {
  readonly rollups = new Map<string, StubRollup>();
  readonly statuses = new Map<string, NexusStatus>();
  /** nonce: signed for; position: where its ValidatorAdded stands; blockNumber: where it was mined. */
  readonly registrations: {
    pubkey: string;
    nonce: number;
    rollupAdmin: string;
    position: number;
    blockNumber: number;
  }[] = [];
  readonly depositBatches: string[][] = [];
  readonly allocations = new Map<string, number[]>();
  readonly nextIndex = new Map<string, number>();
  ownerNonce = 0;
  /** The stub chain's block of the last registration (each registration mines one block). */
  blockNumber = 100;
  /** Test hook: another registration of the owner slips in just before the next one is mined. */
  slipInBeforeNext = false;
  /** What the registrar reported (halted or resumed) and the views it asked the nonce at. */
  readonly haltReports: { halted: boolean; reason: string }[] = [];
  readonly nonceReads: { atLeast?: number; lastRegistrationBlock?: number }[] = [];
  /** Test hooks: throw from an activity before it acts. */
  failSubmitDeposits?: (attempt: number) => Error | undefined;
  /** Test hook: awaited before a deposit attempt acts (after failSubmitDeposits let it through). */
  beforeDeposit?: (attempt: number) => Promise<void>;
  /** Test hook: the next mnemonic keyshares registration fails for good (counted). */
  failNextRegistration = false;
  registrationFailures = 0;
  /** The worker's dry-run mode (readRollup says so). */
  dryRun = false;
  /** Test hook: DKG ceremonies fail (retryably), as with an operator that stays down. */
  dkgOperatorsDown = false;
  submitAttempts = 0;
  /** Test hook: keys the pre-deposit guard holds, with the check they fail (by a predicate on the pubkey). */
  guardHolds?: (pubkey: string) => GuardCheck | undefined;
  readonly guardCalls: string[][] = [];
  /** Test hook: key index allocation fails (e.g. a lost index state file); attempts and key material counted. */
  failAllocation?: () => Error | undefined;
  allocationAttempts = 0;
  preparedBatches = 0;
  // --- pre-deposit checks ---
  /** Nexus's SSV tokens, and what each registration costs (the stub's fixed price). */
  nexusSsvWei = 10n ** 24n;
  ssvPerRegistrationWei = 10n ** 19n;
  clusterLiquidatable = false;
  clusterLiquidated = false;
  readonly fundingChecks: { rollupAdmin: string; count: number; ok: boolean }[] = [];
  /** Test hook: the connected network is not the one the deposits are signed for (the activity's message). */
  signingNetworkMismatch?: string;
  /** The Nexus version the stub chain behaves as (v2024-03: validatorExit tells SSV nothing). */
  nexusVersion: 'v2024-03' | 'v2024-06' = 'v2024-06';
  /** Where each key came from (reconciliation reports it): set when its key material is made. */
  readonly keyOrigin = new Map<string, KeyOrigin>();
  readonly reconciliations: RollupReconciliation[] = [];
  /** Test hook: the exit batches Temporal's visibility lists as running (listRunningExitBatches). */
  runningExitBatches: RunningExitBatch[] = [];
  /** Keys with a recorded mnemonic key index (exit candidates report hasKeyIndex). */
  readonly keyIndexed = new Set<string>();
  readonly exitsBlockedReports: { code: string; count: number }[] = [];

  // --- exits: a beacon chain whose clock is the test server's (skipped) time ---
  readonly beacon = new Map<string, StubBeaconValidator>();
  /** Which rollup each key belongs to. */
  readonly owner = new Map<string, string>();
  /** ETH returned to each bridge and not yet accounted by Nexus (the bridge's getRewards). */
  readonly rewardsWei = new Map<string, bigint>();
  readonly exitBroadcasts: string[] = [];
  /** The epoch each broadcastMnemonicExits call signed for (a re-broadcast repeats the first). */
  readonly signedEpochs: number[] = [];
  readonly nexusExitCalls: string[][] = [];
  readonly transferredCalls: string[] = [];
  readonly progressReads: number[] = [];
  secondsPerSlot = 12;
  slotsPerEpoch = 32;
  /** Epochs from exit to withdrawable (mainnet MIN_VALIDATOR_WITHDRAWABILITY_DELAY) and until the sweep pays. */
  withdrawabilityDelay = 256;
  sweepDelayEpochs = 100;
  /** Test hooks. */
  beaconDown = false;
  beaconDownCalls = 0;
  rejectExitsOf = new Set<string>();
  /** Test hook: a key registered with SSV is active on the beacon chain at once (an exit candidate). */
  activateRegistered = false;
  /** Test hook: the next exit broadcast of these keys is accepted, then dropped from the pool (never included). */
  dropNextExitOf = new Set<string>();
  /** The test server's clock (ms). */
  now: () => Promise<number> = async () => Date.now();
  private readonly latches = new Map<string, { reached: () => void; released: Promise<void> }>();

  /**
   * Test hook: the next call of activity `name` stops at its start until `release()` (for a pause
   * that must arrive while the activity runs). Resolves `reached` when the activity got there.
   */
  latch(name: string): { reached: Promise<void>; release: () => void } {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = () => {};
    const reachedP = new Promise<void>((resolve) => {
      reached = resolve;
    });
    this.latches.set(name, { reached, released });
    return { reached: reachedP, release };
  }

  async latchPoint(name: string): Promise<void> {
    const latch = this.latches.get(name);
    if (!latch) return;
    this.latches.delete(name);
    latch.reached();
    await latch.released;
  }
  private nextBeaconIndex = 0;

  async currentEpoch(): Promise<number> {
    return Math.floor((await this.now()) / 1000 / (this.secondsPerSlot * this.slotsPerEpoch));
  }

  /** n validators of the rollup, deposited, registered and active on the beacon chain (as if created long ago). */
  addActiveValidators(admin: string, n: number, tag = 'v'): string[] {
    const r = this.rollup(admin);
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const pubkey = pubkeyFor(`${admin}:${tag}${i}`);
      this.statuses.set(pubkey, 'SHARE_DEPOSITED');
      this.owner.set(pubkey, admin);
      this.beacon.set(pubkey, { index: this.nextBeaconIndex++ });
      keys.push(pubkey);
    }
    r.balanceWei -= BigInt(n) * VALIDATOR_DEPOSIT_WEI;
    r.validatorCount += BigInt(n);
    return keys;
  }

  /** The key becomes an active validator on the stub beacon chain (the next index). */
  activate(pubkey: string): void {
    if (!this.beacon.has(pubkey)) this.beacon.set(pubkey, { index: this.nextBeaconIndex++ });
  }

  /** Someone else (another tool, an operator by hand) exits a validator: the bot must count it. */
  async exitOutsideTheBot(pubkey: string): Promise<void> {
    const v = this.beacon.get(pubkey);
    if (!v) throw new Error(`no validator ${pubkey}`);
    v.exitEpoch = (await this.currentEpoch()) + 5;
    v.withdrawableEpoch = v.exitEpoch + this.withdrawabilityDelay;
  }

  beaconStatus(v: StubBeaconValidator, epoch: number): string {
    if (v.pending) return 'pending_queued';
    if (v.exitEpoch === undefined) return 'active_ongoing';
    if (epoch < v.exitEpoch) return 'active_exiting';
    if (epoch < (v.withdrawableEpoch as number)) return 'exited_unslashed';
    if (epoch < (v.withdrawableEpoch as number) + this.sweepDelayEpochs) return 'withdrawal_possible';
    return 'withdrawal_done';
  }

  /** The sweep: a withdrawal_done validator's 32 ETH is in its bridge (credited once). */
  private readonly swept = new Set<string>();
  async sweep(): Promise<void> {
    const epoch = await this.currentEpoch();
    for (const [pubkey, v] of this.beacon) {
      if (this.swept.has(pubkey) || this.beaconStatus(v, epoch) !== 'withdrawal_done') continue;
      this.swept.add(pubkey);
      const admin = this.owner.get(pubkey) as string;
      const r = this.rollup(admin);
      r.balanceWei += VALIDATOR_DEPOSIT_WEI;
      this.rewardsWei.set(admin, (this.rewardsWei.get(admin) ?? 0n) + VALIDATOR_DEPOSIT_WEI);
    }
  }

  beaconCall(): void {
    if (this.beaconDown) {
      this.beaconDownCalls++;
      throw new Error('connect ECONNREFUSED 127.0.0.1:5052 (beacon node down, simulated)');
    }
  }

  addRollup(admin: string, rollup: StubRollup): void {
    this.rollups.set(admin, rollup);
  }

  rollup(admin: string): StubRollup {
    const rollup = this.rollups.get(admin);
    if (!rollup) throw ApplicationFailure.nonRetryable(`rollup ${admin} is not registered`, 'RollupNotRegistered');
    return rollup;
  }
}

export const pubkeyFor = (tag: string) => `0x${Buffer.from(tag).toString('hex').padEnd(96, '0').slice(0, 96)}`;

export function stubActivities(
  chain: StubChain,
  client: Client,
  taskQueue: string,
  registrarWorkflowId: string,
): BotActivities {
  const activities: BotActivities = {
    async describeWorker() {
      return 'stub-worker';
    },
    async detectRollupChanges() {
      return { nextFromBlock: 1, wake: [], balances: {} };
    },
    async waitForRollupChanges() {
      return { nextFromBlock: 1, wake: [], balances: {} };
    },
    // The runway watcher is tested on the real chain (test/integration/cluster-runway.test.ts).
    async readClusterRunways() {
      throw ApplicationFailure.nonRetryable('the stub chain has no SSV clusters', 'NotStubbed');
    },
    async topUpCluster() {
      throw ApplicationFailure.nonRetryable('the stub chain has no SSV clusters', 'NotStubbed');
    },
    async readRollup({ rollupAdmin }): Promise<RollupSnapshot> {
      const r = chain.rollup(rollupAdmin);
      return {
        rollupAdmin,
        bridge: r.bridge,
        stakingLimitBps: asBasisPoints(r.stakingLimitBps),
        operatorCluster: r.operatorCluster,
        bridgeBalanceWei: r.balanceWei.toString(),
        validatorCount: r.validatorCount.toString(),
        bridgeKind: 'DAO',
        blockNumber: 1,
        ...(chain.dryRun ? { dryRun: true } : {}),
      };
    },
    async allocateKeyIndices({ rollupAdmin, requestId, count }) {
      chain.allocationAttempts++;
      const failure = chain.failAllocation?.();
      if (failure) throw failure;
      const earlier = chain.allocations.get(requestId);
      if (earlier) return earlier;
      const start = chain.nextIndex.get(rollupAdmin) ?? 0;
      const indices = Array.from({ length: count }, (_, i) => start + i);
      chain.nextIndex.set(rollupAdmin, start + count);
      chain.allocations.set(requestId, indices);
      return indices;
    },
    async prepareMnemonicValidators({ rollupAdmin, keyIndices }) {
      await chain.latchPoint('prepareMnemonicValidators');
      chain.preparedBatches++;
      const made = keyIndices.map((keyIndex) => ({ keyIndex, deposit: depositFor(`${rollupAdmin}:m${keyIndex}`) }));
      for (const m of made) chain.keyOrigin.set(m.deposit.pubkey, { kind: 'mnemonic', keyIndex: m.keyIndex });
      return made;
    },
    // The production composition of the two above (activities/mnemonic-batch.ts).
    async allocateAndPrepareMnemonicValidators(input) {
      return createMnemonicBatchActivities(activities).allocateAndPrepareMnemonicValidators(input);
    },
    async markDkgCeremony() {
      return { archives: [] };
    },
    async checkDkgOperators() {
      return { version: 'v3.1.0-653210c', operators: [] };
    },
    async runDkgCeremony({ rollupAdmin, firstNonce, count, operatorCluster, requestId }) {
      await chain.latchPoint('runDkgCeremony');
      if (chain.dkgOperatorsDown) throw new Error('ssv-dkg operator 3 unreachable (simulated)');
      return {
        ceremonyId: `ceremony-${firstNonce}`,
        validators: Array.from({ length: count }, (_, i) => {
          const deposit = depositFor(`${rollupAdmin}:d${firstNonce + i}`);
          chain.keyOrigin.set(deposit.pubkey, {
            kind: 'dkg',
            requestId,
            ownerNonce: firstNonce + i,
            ceremonyState: 'verified',
          });
          return {
            deposit,
            keyshares: {
              publicKey: deposit.pubkey,
              operatorIds: [1, 2, 3, 4].map((id) => id + operatorCluster * 10),
              sharesData: '0x',
              ownerNonce: firstNonce + i,
            },
          };
        }),
      };
    },
    async submitDeposits({ rollupAdmin, deposits }) {
      chain.submitAttempts++;
      const injected = chain.failSubmitDeposits?.(chain.submitAttempts);
      if (injected) throw injected;
      await chain.beforeDeposit?.(chain.submitAttempts);
      const pubkeys = deposits.map((d) => d.pubkey);
      if (pubkeys.every((p) => chain.statuses.has(p))) return { txHash: '0xalready', blockNumber: 1 }; // a retry after a crash
      if (pubkeys.some((p) => chain.statuses.has(p)))
        throw ApplicationFailure.nonRetryable(
          'a key of the batch was deposited before',
          'Revert:IncorrectValidatorStatus',
        );
      const r = chain.rollup(rollupAdmin);
      const state = {
        bridgeBalanceWei: r.balanceWei,
        validatorCount: r.validatorCount,
        stakingLimitBps: asBasisPoints(r.stakingLimitBps),
      };
      if (!bridgeAllowsDeposits(state, BigInt(deposits.length))) {
        throw ApplicationFailure.nonRetryable('the bridge rejects this batch', 'Revert:StakingLimitExceeding');
      }
      r.balanceWei -= BigInt(deposits.length) * VALIDATOR_DEPOSIT_WEI;
      r.validatorCount += BigInt(deposits.length);
      for (const p of pubkeys) {
        chain.statuses.set(p, 'DEPOSITED');
        chain.owner.set(p, rollupAdmin);
      }
      chain.depositBatches.push(pubkeys);
      return { txHash: `0xdeposit${chain.depositBatches.length}`, blockNumber: 1 };
    },
    async guardDeposits({ deposits }) {
      chain.guardCalls.push(deposits.map((d) => d.pubkey));
      const held = deposits.flatMap((d) => {
        const check = chain.guardHolds?.(d.pubkey);
        return check ? [{ pubkey: d.pubkey, failures: [{ check, reason: `stub: fails ${check}` }] }] : [];
      });
      return {
        passed: deposits.map((d) => d.pubkey).filter((p) => !held.some((h) => h.pubkey === p)),
        held,
        skipped: [],
        blockNumber: 1,
      };
    },
    async checkSigningNetwork() {
      if (chain.signingNetworkMismatch)
        throw ApplicationFailure.nonRetryable(chain.signingNetworkMismatch, 'SigningNetworkMismatchError');
      return { chainId: 17000, forkVersion: '0x01017000' };
    },
    async checkRegistrationFunding({ rollupAdmin, operatorCluster, count }) {
      const amounts = Array.from({ length: count }, () => chain.ssvPerRegistrationWei);
      const total = chain.ssvPerRegistrationWei * BigInt(count);
      const cluster = `SSV cluster of owner 0xNexus with operators [${[1, 2, 3, 4].map((id) => id + operatorCluster * 10).join(',')}]`;
      const problem: Pick<RegistrationFunding, 'reason' | 'message'> | undefined = chain.clusterLiquidated
        ? { reason: 'cluster-liquidated', message: `${cluster} is liquidated` }
        : chain.clusterLiquidatable
          ? { reason: 'cluster-liquidatable', message: `${cluster} is liquidatable now` }
          : chain.nexusSsvWei < total
            ? {
                reason: 'nexus-ssv-short',
                message: `Nexus holds ${chain.nexusSsvWei} wei SSV tokens, the ${count} registrations of this batch need ${total} wei`,
              }
            : undefined;
      chain.fundingChecks.push({ rollupAdmin, count, ok: !problem });
      return {
        ok: !problem,
        ...problem,
        amountsWei: amounts.map(String),
        totalWei: total.toString(),
        nexusTokensWei: chain.nexusSsvWei.toString(),
        clusterBalanceWei: '0',
        burnPerValidatorWei: '1',
        operatorIds: [1, 2, 3, 4],
        validatorCount: 0,
        blockNumber: 1,
      };
    },
    ...createRegistrarActivities({ client, taskQueue, registrarWorkflowId }),
    ...stubExitActivities(chain),
    async reconcileRollup({ rollupAdmin }) {
      chain.beaconCall();
      const epoch = await chain.currentEpoch();
      const mine = [...chain.statuses].filter(([pubkey]) => chain.owner.get(pubkey) === rollupAdmin);
      const counts: RollupReconciliation['counts'] = {};
      for (const [, status] of mine) counts[status] = (counts[status] ?? 0) + 1;
      const origin = (pubkey: string): KeyOrigin => chain.keyOrigin.get(pubkey) ?? { kind: 'unknown' };
      const view: RollupReconciliation = {
        blockNumber: 1,
        submitted: mine.length,
        counts,
        currentEpoch: epoch,
        depositedUnregistered: mine
          .filter(([, s]) => s === 'DEPOSITED')
          .map(([pubkey]) => ({ pubkey, origin: origin(pubkey) })),
        exitSubmitted: mine
          .filter(([, s]) => s === 'VALIDATOR_EXIT_SUBMITTED')
          .map(([pubkey]) => {
            const v = chain.beacon.get(pubkey);
            const kind = origin(pubkey).kind;
            return {
              pubkey,
              validatorIndex: v?.index ?? null,
              beaconStatus: v ? chain.beaconStatus(v, epoch) : 'unknown',
              keyPath: kind,
            };
          }),
      };
      chain.reconciliations.push(view);
      return view;
    },
    async listRunningExitBatches() {
      return chain.runningExitBatches;
    },
    async loadArchivedKeyshares({ pubkeys, operatorCluster }) {
      return pubkeys
        .map((pubkey) => {
          const origin = chain.keyOrigin.get(pubkey);
          if (origin?.kind !== 'dkg')
            throw ApplicationFailure.nonRetryable(`no archived keyshares for ${pubkey}`, 'DkgInvocationError');
          return {
            publicKey: pubkey,
            operatorIds: [1, 2, 3, 4].map((id) => id + operatorCluster * 10),
            sharesData: '0x',
            ownerNonce: origin.ownerNonce,
          };
        })
        .sort((a, b) => a.ownerNonce - b.ownerNonce);
    },
    async readSsvOwnerNonce(input = {}) {
      chain.nonceReads.push(input);
      return chain.ownerNonce;
    },
    async reportRegistrationsHalted(input) {
      chain.haltReports.push(input);
    },
    async registerMnemonicKeyshares({ rollupAdmin, pubkey }) {
      if (chain.failNextRegistration) {
        chain.failNextRegistration = false;
        chain.registrationFailures++;
        throw ApplicationFailure.nonRetryable(
          'operator 3 key refused by the keyshares builder (simulated)',
          'KeysharesBuildError',
        );
      }
      return register(rollupAdmin, pubkey, chain.ownerNonce);
    },
    async registerDkgKeyshares({ rollupAdmin, keyshares }) {
      if (keyshares.ownerNonce !== chain.ownerNonce) {
        throw ApplicationFailure.nonRetryable(
          `keyshares signed for nonce ${keyshares.ownerNonce}, the owner is at ${chain.ownerNonce}`,
          'StaleKeyshares',
        );
      }
      return register(rollupAdmin, keyshares.publicKey, keyshares.ownerNonce);
    },
    // The real batch loop (registration-batch.ts) over the single-key stubs above, looked up when
    // called: a test that replaces one of them sees each key of a batch go through it.
    async registerMnemonicKeysharesBatch({ rollupAdmin, operatorCluster, keys, ...view }) {
      return registerBatch(
        keys,
        (k) => k.pubkey,
        view,
        (key, at) => activities.registerMnemonicKeyshares({ rollupAdmin, operatorCluster, ...key, ...at }),
      );
    },
    async registerDkgKeysharesBatch({ rollupAdmin, keyshares, ...view }) {
      return registerBatch(
        keyshares,
        (k) => k.publicKey,
        view,
        (k, at) => activities.registerDkgKeyshares({ rollupAdmin, keyshares: k, ...at }),
      );
    },
  };
  return activities;

  function register(rollupAdmin: string, pubkey: string, nonce: number) {
    const status = chain.statuses.get(pubkey);
    if (status === 'SHARE_DEPOSITED') {
      return { pubkey, ownerNonce: chain.registrations.find((r) => r.pubkey === pubkey)?.nonce ?? -1 };
    }
    if (status !== 'DEPOSITED')
      throw ApplicationFailure.nonRetryable(`${pubkey} is not deposited`, 'Revert:IncorrectValidatorStatus');
    chain.statuses.set(pubkey, 'SHARE_DEPOSITED');
    chain.owner.set(pubkey, rollupAdmin);
    if (chain.activateRegistered) chain.activate(pubkey);
    if (chain.slipInBeforeNext) {
      // Another ValidatorAdded of the owner, mined first: this one lands a nonce later than signed.
      chain.slipInBeforeNext = false;
      chain.ownerNonce++;
    }
    const position = chain.ownerNonce++;
    const blockNumber = ++chain.blockNumber;
    chain.registrations.push({ pubkey, nonce, rollupAdmin, position, blockNumber });
    const txHash = `0xshares${nonce}`;
    return {
      pubkey,
      ownerNonce: nonce,
      txHash,
      landed: { ownerNonce: position, blockNumber, transactionHash: txHash, signatureValid: position === nonce },
    };
  }
}

function depositFor(tag: string): PublicDepositData {
  return {
    pubkey: pubkeyFor(tag),
    withdrawalCredentials: `0x01${'0'.repeat(62)}`,
    signature: `0x${'0'.repeat(192)}`,
    depositDataRoot: `0x${'0'.repeat(64)}`,
  };
}

/** The exit activities over the stub chain and beacon chain, with the real ones' checks. */
function stubExitActivities(
  chain: StubChain,
): Pick<
  BotActivities,
  | 'readExitCandidates'
  | 'broadcastMnemonicExits'
  | 'submitValidatorExit'
  | 'readExitProgress'
  | 'notifyExitBalanceTransferred'
  | 'reportExitsBlocked'
> {
  const leaving = (status: string) => status !== 'active_ongoing' && status !== 'pending_queued';
  const exitNow = async (pubkey: string) => {
    const v = chain.beacon.get(pubkey) as StubBeaconValidator;
    if (v.exitEpoch !== undefined) return;
    v.exitEpoch = (await chain.currentEpoch()) + 5; // compute_activation_exit_epoch, an empty exit queue
    v.withdrawableEpoch = v.exitEpoch + chain.withdrawabilityDelay;
  };
  return {
    async readExitCandidates({ rollupAdmin, exclude, maxCandidates }) {
      chain.beaconCall();
      const epoch = await chain.currentEpoch();
      const excluded = new Set(exclude);
      const exitingElsewhere: string[] = [];
      const untracked: { pubkey: string; validatorIndex: number }[] = [];
      const candidates: { pubkey: string; validatorIndex: number; hasKeyIndex: boolean }[] = [];
      let notActive = 0;
      for (const [pubkey, status] of chain.statuses) {
        if (chain.owner.get(pubkey) !== rollupAdmin || excluded.has(pubkey)) continue;
        if (status !== 'SHARE_DEPOSITED' && status !== 'VALIDATOR_EXIT_SUBMITTED') continue;
        const v = chain.beacon.get(pubkey);
        const beaconStatus = v ? chain.beaconStatus(v, epoch) : 'unknown';
        if (status === 'VALIDATOR_EXIT_SUBMITTED' || leaving(beaconStatus)) {
          exitingElsewhere.push(pubkey);
          if (status === 'SHARE_DEPOSITED' && v) untracked.push({ pubkey, validatorIndex: v.index });
        } else if (v && beaconStatus === 'active_ongoing')
          candidates.push({ pubkey, validatorIndex: v.index, hasKeyIndex: chain.keyIndexed.has(pubkey) });
        else notActive++;
      }
      candidates.sort((a, b) => a.validatorIndex - b.validatorIndex);
      const ofKind = (k: boolean) => candidates.filter((c) => c.hasKeyIndex === k).slice(0, maxCandidates);
      return {
        exitingElsewhere,
        untracked,
        notActive,
        nexusVersion: chain.nexusVersion,
        candidates: [...ofKind(true), ...ofKind(false)].sort((a, b) => a.validatorIndex - b.validatorIndex),
      };
    },
    async broadcastMnemonicExits({ validators, epoch: signFor }) {
      await chain.latchPoint('broadcastMnemonicExits');
      chain.beaconCall();
      const now = await chain.currentEpoch();
      const epoch = signFor ?? now;
      chain.signedEpochs.push(epoch);
      const results: Awaited<ReturnType<BotActivities['broadcastMnemonicExits']>>['results'] = [];
      for (const { pubkey, validatorIndex } of validators) {
        const v = chain.beacon.get(pubkey);
        if (!v)
          results.push({
            pubkey,
            validatorIndex,
            outcome: 'rejected',
            message: 'the beacon node does not know this validator',
          });
        else if (leaving(chain.beaconStatus(v, now)))
          results.push({ pubkey, validatorIndex, outcome: 'already-exiting' });
        else if (chain.rejectExitsOf.has(pubkey))
          results.push({
            pubkey,
            validatorIndex,
            outcome: 'rejected',
            message: 'HTTP 500: VOLUNTARY_EXIT_ERROR_INVALID_SIGNATURE (simulated)',
          });
        else if (chain.dropNextExitOf.delete(pubkey))
          chain.exitBroadcasts.push(pubkey); // accepted, then lost from the pool
        else {
          chain.exitBroadcasts.push(pubkey);
          await exitNow(pubkey);
          results.push({ pubkey, validatorIndex, outcome: 'broadcast' });
        }
      }
      return { epoch, results };
    },
    async submitValidatorExit({ pubkeys, dkgPubkeys }) {
      const toSubmit = pubkeys.filter((k) => chain.statuses.get(k) === 'SHARE_DEPOSITED');
      const wrong = pubkeys.find(
        (k) =>
          !['SHARE_DEPOSITED', 'VALIDATOR_EXIT_SUBMITTED', 'VALIDATOR_EXITED'].includes(chain.statuses.get(k) ?? ''),
      );
      if (wrong) throw ApplicationFailure.nonRetryable(`${wrong} cannot exit`, 'ValidatorNotExitable');
      if (toSubmit.length === 0) return { submitted: [], alreadySubmitted: pubkeys };
      const alreadySubmitted = pubkeys.filter((k) => !toSubmit.includes(k));
      if (chain.nexusVersion === 'v2024-03') {
        if (toSubmit.some((k) => dkgPubkeys?.includes(k)))
          throw ApplicationFailure.nonRetryable('Nexus v2024-03 cannot exit DKG validators', 'DkgExitUnsupported');
        // Status only: SSV is not told, nobody exits a key the bot did not broadcast an exit for.
        chain.nexusExitCalls.push(toSubmit);
        for (const k of toSubmit) chain.statuses.set(k, 'VALIDATOR_EXIT_SUBMITTED');
        return { txHash: `0xexit${chain.nexusExitCalls.length}`, submitted: toSubmit, alreadySubmitted };
      }
      // v2024-06: one call per key; SSV operators broadcast its exit (mnemonic keys already exiting).
      for (const k of toSubmit) {
        chain.nexusExitCalls.push([k]);
        chain.statuses.set(k, 'VALIDATOR_EXIT_SUBMITTED');
        await exitNow(k);
      }
      const txHashes = toSubmit.map((_, i) => `0xexit${chain.nexusExitCalls.length - toSubmit.length + i + 1}`);
      return { txHash: txHashes[txHashes.length - 1], txHashes, submitted: toSubmit, alreadySubmitted };
    },
    async reportExitsBlocked({ code, count }) {
      chain.exitsBlockedReports.push({ code, count });
    },
    async readExitProgress({ pubkeys }): Promise<ExitProgress> {
      chain.beaconCall();
      await chain.sweep();
      const epoch = await chain.currentEpoch();
      chain.progressReads.push(epoch);
      return {
        currentEpoch: epoch,
        genesisTime: 0,
        secondsPerSlot: chain.secondsPerSlot,
        slotsPerEpoch: chain.slotsPerEpoch,
        validators: pubkeys.map((pubkey) => {
          const v = chain.beacon.get(pubkey);
          const beaconStatus = v ? chain.beaconStatus(v, epoch) : 'unknown';
          return {
            pubkey,
            nexusStatus: chain.statuses.get(pubkey) ?? 'INACTIVE',
            beaconStatus,
            validatorIndex: v?.index ?? null,
            exitEpoch: v?.exitEpoch ?? null,
            withdrawableEpoch: v?.withdrawableEpoch ?? null,
            balanceReturned: beaconStatus === 'withdrawal_done',
          };
        }),
      };
    },
    async notifyExitBalanceTransferred({ rollupAdmin, pubkey }) {
      const status = chain.statuses.get(pubkey);
      if (status === 'VALIDATOR_EXITED') return { outcome: 'already' as const };
      if (status !== 'VALIDATOR_EXIT_SUBMITTED')
        throw ApplicationFailure.nonRetryable(`${pubkey} is ${status}`, 'ValidatorNotExitable');
      const rewards = chain.rewardsWei.get(rollupAdmin) ?? 0n;
      if (rewards < VALIDATOR_DEPOSIT_WEI)
        return { outcome: 'waiting' as const, reason: `bridge holds ${rewards} wei of returned ETH` };
      chain.rewardsWei.set(rollupAdmin, rewards - VALIDATOR_DEPOSIT_WEI);
      chain.rollup(rollupAdmin).validatorCount -= 1n;
      chain.statuses.set(pubkey, 'VALIDATOR_EXITED');
      chain.transferredCalls.push(pubkey);
      return { outcome: 'notified' as const, txHash: `0xtransferred${chain.transferredCalls.length}` };
    },
  };
}
