// The activities the workflows call, by name and type: the contract between workflow code and
// createActivities(). Workflows import this file for its types only.
import type {
  CeremonyOutput,
  KeysharesPayload,
  MnemonicValidator,
  PublicDepositData,
  RegistrationFunding,
  RollupSnapshot,
  SubmittedTransaction,
} from './types';
import type { SigningNetworkReport } from './funding/activities';
import type { DepositGuardResult } from './guard/types';
import type { QueueSegmentInput, RegisteredKeyshares, RegistrationRequest } from '../protocol/registrar-types';
import type { DkgClusterHealth } from './dkg/ceremony-activity';
import type { FollowInput, WatchInput, WatchResult } from './watch';
import type { RollupReconciliation } from './reconcile';
import type { RunningExitBatch } from './batch-lookup';
import type { ClusterRunwayReadings, ClusterTopUpResult } from './funding/runway-types';
import type { RegistrationBatchResult } from './registration-batch';
import type { ExitBroadcastResult, ExitCandidates, ExitNotification, ExitProgress, SubmittedExit } from './exit-types';

export interface BotActivities {
  describeWorker(): Promise<string>;

  /** Chain watcher: what changed since the last poll, for all rollups. */
  detectRollupChanges(input: WatchInput): Promise<WatchResult>;
  /** Chain watcher: waits for the next block (at most maxWaitMs, heartbeating), then as detectRollupChanges. */
  waitForRollupChanges(input: FollowInput): Promise<WatchResult>;

  /** The rollup's Nexus/bridge state at one block. */
  readRollup(input: { rollupAdmin: string }): Promise<RollupSnapshot>;

  /** Mnemonic path: durably allocates `count` key indices for `requestId` (idempotent). */
  allocateKeyIndices(input: { rollupAdmin: string; requestId: string; count: number }): Promise<number[]>;
  /** Mnemonic path: derives the keys at these indices and returns their public deposit data. */
  prepareMnemonicValidators(input: {
    rollupAdmin: string;
    bridge: string;
    operatorCluster: number;
    keyIndices: number[];
    requestId?: string;
  }): Promise<MnemonicValidator[]>;
  /** Mnemonic path: both of the above in one activity (mnemonic-batch.ts). */
  allocateAndPrepareMnemonicValidators(input: AllocateAndPrepareInput): Promise<MnemonicValidator[]>;

  /**
   * DKG path, before any nonce is reserved: the cluster's operators (from the chain) answer their
   * TLS health check on the binary's version with their chain keys (else a named error).
   */
  checkDkgOperators(input: { rollupAdmin: string; operatorCluster: number }): Promise<DkgClusterHealth>;
  /** DKG path: runs and verifies an ssv-dkg ceremony whose keyshares use nonces firstNonce… */
  runDkgCeremony(input: {
    rollupAdmin: string;
    bridge: string;
    operatorCluster: number;
    firstNonce: number;
    count: number;
    requestId: string;
  }): Promise<CeremonyOutput>;

  /** Reconciliation, DKG path: the archived (re-verified) keyshares of deposited keys never registered, in nonce order. */
  loadArchivedKeyshares(input: {
    rollupAdmin: string;
    bridge: string;
    operatorCluster: number;
    requestId: string;
    pubkeys: string[];
  }): Promise<KeysharesPayload[]>;
  /**
   * DKG path: records what became of a request's archived ceremonies: 'deposited' once the deposit
   * is mined, 'unused' when the batch gave its nonces back (a WARN names the archive folders).
   */
  markDkgCeremony(input: {
    rollupAdmin: string;
    requestId: string;
    state: 'deposited' | 'unused';
    reason?: string;
  }): Promise<{ archives: string[] }>;

  /**
   * Nexus.depositValidatorRollup for the batch, after checking on chain that no key of it was
   * submitted before; a retry after a crash finds the earlier transaction instead of sending again.
   */
  submitDeposits(input: {
    rollupAdmin: string;
    requestId: string;
    deposits: PublicDepositData[];
  }): Promise<SubmittedTransaction>;

  /**
   * Before a deposit: whether `count` SSV registrations into the rollup's cluster will go through
   * (cluster not liquidated nor liquidatable, Nexus holds the SSV tokens), with each one's amount.
   */
  checkRegistrationFunding(input: {
    rollupAdmin: string;
    operatorCluster: number;
    count: number;
  }): Promise<RegistrationFunding>;
  /** Before a deposit: the deposit fork version is the connected chain's and the beacon node's (else SigningNetworkMismatchError, final). */
  checkSigningNetwork(): Promise<SigningNetworkReport>;

  /** Runway watcher: every Nexus cluster's runway (metrics exported), new clusters found since `fromBlock`. */
  readClusterRunways(input: {
    fromBlock?: number;
    knownClusters?: string[];
    budgetLeftWei?: string;
  }): Promise<ClusterRunwayReadings>;
  /** Runway watcher: approve + SSVNetwork.deposit from the bot account, once per requestId, if still needed. */
  topUpCluster(input: {
    operatorIds: number[];
    amountWei: string;
    requestId: string;
    budgetLeftWei?: string;
  }): Promise<ClusterTopUpResult>;
  /**
   * Just before a deposit (issue 13 item 8): which keys pass the four checks (unknown to the beacon
   * node, not in DepositEvent logs, not in SSVNetwork under any owner, deposit data verifies for
   * the configured network) and which are held, with why; held keys are alerted (ERROR, metric).
   */
  guardDeposits(input: {
    rollupAdmin: string;
    bridge: string;
    deposits: PublicDepositData[];
  }): Promise<DepositGuardResult>;

  /** Whether a workflow (e.g. a reservation holder) is still running. */
  isWorkflowRunning(input: { workflowId: string }): Promise<boolean>;
  /** Hands a request to the SSV registrar workflow (signal-with-start). */
  requestRegistration(request: RegistrationRequest): Promise<void>;
  /** Whether the running SSV registrar holds a request (queued, served, reserved, or possibly spilled); false when none runs. */
  registrarKnowsRequest(input: { requestId: string }): Promise<boolean>;
  /** The requests a registrar queue segment holds (its input, from its history); undefined when Temporal no longer has it. */
  readQueueSegment(input: { workflowId: string }): Promise<QueueSegmentInput | undefined>;

  /**
   * The Nexus contract's SSV owner nonce (number of ValidatorAdded events of that owner). `atLeast`:
   * the registrar's floor; a read below it is a lagging backend (OwnerNonceBehindError, retried).
   */
  readSsvOwnerNonce(input?: { atLeast?: number } & RegistrationChainView): Promise<number>;
  /** Builds a mnemonic key's keyshares for the current owner nonce (never below `minOwnerNonce`) and registers them. */
  registerMnemonicKeyshares(
    input: {
      rollupAdmin: string;
      operatorCluster: number;
      keyIndex: number;
      pubkey: string;
      minOwnerNonce?: number;
    } & RegistrationChainView,
  ): Promise<RegisteredKeyshares>;
  /** Registers DKG keyshares, after checking that their nonce is the owner's next one (read never below `minOwnerNonce`). */
  registerDkgKeyshares(
    input: { rollupAdmin: string; keyshares: KeysharesPayload; minOwnerNonce?: number } & RegistrationChainView,
  ): Promise<RegisteredKeyshares>;
  /**
   * A request's mnemonic keys registered in order in one activity (registration-batch.ts), each as
   * registerMnemonicKeyshares does, the view advanced past each key; stops after a key that landed
   * off its signed nonce. A failure carries the keys registered before it (details[0]).
   */
  registerMnemonicKeysharesBatch(
    input: {
      rollupAdmin: string;
      operatorCluster: number;
      keys: { pubkey: string; keyIndex: number }[];
      minOwnerNonce?: number;
    } & RegistrationChainView,
  ): Promise<RegistrationBatchResult>;
  /** A ceremony's keyshares registered in nonce order in one activity, each as registerDkgKeyshares does (same stops and failures as the mnemonic batch). */
  registerDkgKeysharesBatch(
    input: { rollupAdmin: string; keyshares: KeysharesPayload[]; minOwnerNonce?: number } & RegistrationChainView,
  ): Promise<RegistrationBatchResult>;
  /** The registrar halted or resumed SSV registrations: ERROR line and gauge nexus_ssv_registrations_halted. */
  reportRegistrationsHalted(input: { halted: boolean; reason: string }): Promise<void>;

  /** Every key submitted for the rollup, by Nexus status, with the deposited-unregistered and exit-submitted ones named (activities/reconcile.ts). */
  reconcileRollup(input: { rollupAdmin: string }): Promise<RollupReconciliation>;
  /** The rollup's exit batches still running (Temporal visibility), with the keys each follows. */
  listRunningExitBatches(input: { rollupAdmin: string }): Promise<RunningExitBatch[]>;

  // --- exits (activities/exits.ts) ---
  /** The rollup's validators that may exit (lowest beacon index first) and those already leaving. */
  readExitCandidates(input: { rollupAdmin: string; exclude: string[]; maxCandidates: number }): Promise<ExitCandidates>;
  /** Mnemonic keys: sign and broadcast voluntary exits (keys re-derived from the recorded index). */
  broadcastMnemonicExits(input: {
    rollupAdmin: string;
    validators: { pubkey: string; validatorIndex: number }[];
    epoch?: number;
  }): Promise<ExitBroadcastResult>;
  /**
   * Nexus.validatorExit for the keys not yet submitted, in the Nexus version's form: the batch at
   * once on v2024-03 (DKG keys refused: DkgExitUnsupported), one key with its SSV operator ids per
   * transaction on v2024-06 (SSV operators then exit it).
   */
  submitValidatorExit(input: {
    rollupAdmin: string;
    requestId: string;
    pubkeys: string[];
    dkgPubkeys?: string[];
  }): Promise<SubmittedExit>;
  /** Exits the limit requires that the monitor refuses to start: gauge nexus_exits_blocked and a WARN line (count 0 clears). */
  reportExitsBlocked(input: { rollupAdmin: string; reason: string; code: string; count: number }): Promise<void>;
  /** Nexus and beacon status of exiting validators, with the beacon chain's clock. */
  readExitProgress(input: { pubkeys: string[] }): Promise<ExitProgress>;
  /** Nexus.validatorExitBalanceTransferred for one key whose ETH is back ('waiting' if not yet). */
  notifyExitBalanceTransferred(input: { rollupAdmin: string; pubkey: string }): Promise<ExitNotification>;
}

/**
 * The owner nonce is read `confirmations` blocks deep, from a backend whose head has reached
 * `lastRegistrationBlock` (the block of the last registration the registrar saw mined); else
 * OwnerNonceBackendBehindError, retried.
 */
export interface RegistrationChainView {
  lastRegistrationBlock?: number;
}

export type { RegisteredKeyshares } from '../protocol/registrar-types';

/** allocateAndPrepareMnemonicValidators (mnemonic-batch.ts): a batch's key indices and key material in one salt step. */
export interface AllocateAndPrepareInput {
  rollupAdmin: string;
  bridge: string;
  operatorCluster: number;
  requestId: string;
  count: number;
}
