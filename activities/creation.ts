// Validator creation activities: chain reads, mnemonic key material, deposits and SSV keyshares
// registration. Each write looks at chain state first and goes through the one transaction
// manager with a deterministic idempotency key, so a retried or replayed step never repeats an
// effect (invariant 1). Secrets stay inside the activity that needs them (invariant 3): the
// mnemonic and the private keys are read, used and wiped here, and only public material returns.
import { Context, heartbeat } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import { ethers } from 'ethers';
import type { RegisteredKeyshares } from './interface';
import type { KeysharesPayload, MnemonicValidator, PublicDepositData, RollupSnapshot, SubmittedTransaction } from './types';
import { nexusInterface } from './chain/abi';
import { depositGasAllowance } from './chain/deposit-gas';
import {
  latestBlockNumber, readRollupState, readSsvOwnerNonce, readValidatorStatuses,
} from './chain/reads';
import { readClusterOperators } from './chain/operators';
import { confirmedReadBlock, nonceAtLeast, OwnerNonceBackendBehindError } from './chain/owner-nonce-floor';
import { locateRegistration, RegistrationNotFoundError, type LandedRegistration } from './chain/registration-position';
import type { FundingPolicy } from './funding/arithmetic';
import { createPreflightActivities, nextRegistrationFunding, type PreflightDependencies } from './funding/activities';
import type { TransactionManager } from './chain/tx-manager';
import { journalKeyFor, withFailureTypes, withHeartbeat } from './activity-helpers';
import { explainUnknownRollup } from './rollup-check';
import { refuseMissingStateWithDeposits } from './index-state-guard';
import { deriveSigningKeys, wipeKeys } from './keys/derivation';
import { signDepositData, VALIDATOR_DEPOSIT_GWEI, withdrawalCredentialsFor } from './keys/deposit-data';
import type { IndexStore } from './keys/index-store';
import { buildKeyshares } from './keys/keyshares';
import { parseOperatorPublicKey } from './keys/operator-keys';
import type { MnemonicVault } from './keys/mnemonic-vault';
import type { DomainMetricsSink } from './metrics-sink';
import { registerBatch, type RegistrationBatchResult } from './registration-batch';
import { failure } from './typed-failure';
import { encodeShares, sharesPipeline, type SharesPipelineDeps } from './registration-pipeline-ops';
import type { RegistrationView } from '../protocol/registration-landing';

export interface CreationDependencies {
  provider: ethers.JsonRpcProvider;
  txManager: TransactionManager;
  contracts: { nexus: string; nodeOperator: string; ssvNetwork: string; ssvToken: string; ssvNetworkViews?: string };
  /** First block to scan for SSV events (the SSVNetwork deployment block). */
  ssvFromBlock: number;
  /** Largest eth_getLogs range the RPC accepts. */
  logMaxRange: number;
  /** Blocks deep (1 = the head) at which the SSV owner nonce is read (transactions.confirmations); default 1. */
  confirmations?: number;
  /** Fork version that signs deposits (the network's GENESIS_FORK_VERSION). */
  genesisForkVersion: Uint8Array;
  /** How much SSV runway each registration brings (the amount is computed per registration). */
  funding: FundingPolicy;
  /** What the deposit fork version is checked against before each batch. */
  network: PreflightDependencies['network'];
  /** Mnemonic path only (deprecated): absent on a worker without a salt. */
  vault?: MnemonicVault;
  indexStore?: IndexStore;
  /** Dry run: snapshots say so, and the monitor plans and logs without starting any batch. */
  dryRun?: boolean;
  /** Counts created validators (worker metrics); absent in tests. */
  metrics?: DomainMetricsSink;
  /** Keyshares registrations of one batch in flight at once (transactions.pipelineDepth); absent or 1: one after another. */
  pipelineDepth?: number;
}


/** A mnemonic key to register: its index re-derives it (the pubkey is checked against it). */
interface MnemonicKeyInput {
  pubkey: string;
  keyIndex: number;
}

/** What a mnemonic key's keyshares need besides the key: read once per single-key activity, or per batch. */
interface MnemonicMaterial {
  operators(): ReturnType<typeof readClusterOperators>;
  mnemonic(): Promise<string>;
}

/** How long a registration waits for the read backend to reach its block before failing (retried). */
const LANDED_WAIT_MS = 10 * 60_000;
const LANDED_POLL_MS = 1_000;

export function createCreationActivities(deps: CreationDependencies) {
  const { provider, txManager, contracts } = deps;
  const scan = { fromBlock: deps.ssvFromBlock, maxRange: deps.logMaxRange };
  const confirmations = deps.confirmations ?? 1;

  const mnemonicPath = () => {
    if (!deps.vault || !deps.indexStore) {
      throw failure('MnemonicPathDisabled', 'this worker has no mnemonic vault: start it with the salt (mnemonic key path)');
    }
    return { vault: deps.vault, indexStore: deps.indexStore };
  };

  const preflight: PreflightDependencies = {
    provider, contracts, scan, funding: deps.funding, network: deps.network, metrics: deps.metrics,
  };

  const statusOf = async (pubkeys: string[]) => (await readValidatorStatuses(provider, contracts.nexus, pubkeys)).statuses;

  const pipelineDeps: SharesPipelineDeps = {
    provider, txManager, nexus: contracts.nexus, preflight, funding: deps.funding, depth: deps.pipelineDepth ?? 1,
    ownerNonce: (view) => currentOwnerNonce(view.minOwnerNonce, view.lastRegistrationBlock),
    sharesKeyFor: (pubkey, ownerNonce) => sharesKeyFor(pubkey, ownerNonce),
    landedAfterMining: (pubkey, mined) => landedAfterMining(pubkey, mined),
  };

  return {
    ...createPreflightActivities(preflight),

    async readRollup({ rollupAdmin }: { rollupAdmin: string }): Promise<RollupSnapshot> {
      const state = await readRollupState(provider, contracts.nexus, rollupAdmin);
      return {
        rollupAdmin: state.rollupAdmin, bridge: state.bridge, stakingLimitBps: state.stakingLimit,
        operatorCluster: Number(state.operatorCluster), bridgeBalanceWei: state.bridgeBalanceWei,
        validatorCount: state.validatorCount, bridgeKind: state.bridgeKind, blockNumber: state.blockNumber,
        ...(deps.dryRun ? { dryRun: true } : {}),
      };
    },

    async allocateKeyIndices({ rollupAdmin, requestId, count }: { rollupAdmin: string; requestId: string; count: number }): Promise<number[]> {
      // A rollup without index state starts at 0 only when Nexus holds no deposit for it (index-state-guard.ts).
      const whenMissing = refuseMissingStateWithDeposits({ provider, nexus: contracts.nexus, scan }, rollupAdmin);
      const allocation = await mnemonicPath().indexStore.allocateIndices(rollupAdmin, requestId, count, { whenMissing });
      return Array.from({ length: allocation.count }, (_, i) => allocation.start + i);
    },

    async prepareMnemonicValidators({ rollupAdmin, bridge, operatorCluster, keyIndices, requestId }: { rollupAdmin: string; bridge: string; operatorCluster: number; keyIndices: number[]; requestId?: string }): Promise<MnemonicValidator[]> {
      const { vault, indexStore } = mnemonicPath();
      // The keyshares are built later, at registration: check the cluster's operator keys now, so
      // that a bad one stops the batch before anything is deposited.
      const operators = await readClusterOperators(provider, contracts, operatorCluster, scan);
      for (const op of operators) parseOperatorPublicKey(op.publicKeyBase64, op.id);
      const mnemonic = await vault.readMnemonic(rollupAdmin);
      const keys = await deriveSigningKeys(mnemonic, keyIndices);
      try {
        const withdrawalCredentials = withdrawalCredentialsFor(bridge);
        const validators: MnemonicValidator[] = [];
        for (const key of keys) {
          const data = await signDepositData({
            secretKey: key.secretKey, withdrawalCredentials, amountGwei: VALIDATOR_DEPOSIT_GWEI, genesisForkVersion: deps.genesisForkVersion,
          });
          validators.push({
            keyIndex: key.index,
            deposit: { pubkey: data.pubkey, withdrawalCredentials: data.withdrawalCredentials, signature: data.signature, depositDataRoot: data.depositDataRoot },
          });
          heartbeat(validators.length);
        }
        // A shortcut for exits later (the index state alone would need every key derived again).
        if (requestId) await indexStore.recordPubkeys(rollupAdmin, requestId, validators.map((v) => v.deposit.pubkey));
        return validators;
      } finally {
        wipeKeys(keys);
      }
    },

    async submitDeposits({ rollupAdmin, requestId, deposits }: { rollupAdmin: string; requestId: string; deposits: PublicDepositData[] }): Promise<SubmittedTransaction> {
      return withHeartbeat(() => withFailureTypes(async () => {
        const idempotencyKey = `deposit:${requestId}`;
        const statuses = await statusOf(deposits.map((d) => d.pubkey));
        const submitted = statuses.filter((s) => s.status !== 'INACTIVE');
        if (submitted.length === deposits.length) {
          // Every key is already on chain: a retry after this batch's transaction was mined.
          const record = await txManager.record(idempotencyKey);
          if (record?.minedHash) deps.metrics?.validatorsCreated(rollupAdmin, deposits.length, record.minedHash);
          return { txHash: record?.minedHash ?? 'unknown (not in this worker\'s journal)', blockNumber: record?.blockNumber ?? 0 };
        }
        if (submitted.length > 0) {
          // Part of a batch cannot be on chain (one transaction deposits all): someone else used these keys.
          throw failure('DepositBatchConflict', `${submitted.length} of ${deposits.length} keys are already ${submitted[0].status} in Nexus (first ${submitted[0].pubkey}); refusing to deposit the batch`);
        }
        const data = nexusInterface.encodeFunctionData('depositValidatorRollup', [
          rollupAdmin, deposits.map((d) => [d.pubkey, d.withdrawalCredentials, d.signature, d.depositDataRoot]),
        ]);
        const mined = await explainUnknownRollup(provider, contracts.nexus, rollupAdmin, 'depositValidatorRollup',
          () => txManager.sendAndWait({ to: contracts.nexus, data, label: 'depositValidatorRollup', idempotencyKey, extraGas: depositGasAllowance(deposits.length) }));
        deps.metrics?.validatorsCreated(rollupAdmin, deposits.length, mined.hash);
        return { txHash: mined.hash, blockNumber: mined.blockNumber };
      }));
    },

    /**
     * The registrar halted (or resumed) SSV registrations: an ERROR line to alert on, naming the
     * mismatch, and the gauge nexus_ssv_registrations_halted.
     */
    async reportRegistrationsHalted(input: { halted: boolean; reason: string }): Promise<void> {
      deps.metrics?.ssvRegistrationsHalted?.(input.halted);
      if (input.halted) Context.current().log.error(`SSV registrations halted for every rollup: ${input.reason}; resume with \`nexus-bot registrar resume --reason …\` once an operator has acted`, { halted: true });
      else Context.current().log.info(`SSV registrations resumed: ${input.reason}`, { halted: false });
    },

    async readSsvOwnerNonce(input: { atLeast?: number; lastRegistrationBlock?: number } = {}): Promise<number> {
      return currentOwnerNonce(input.atLeast, input.lastRegistrationBlock);
    },

    async registerMnemonicKeyshares(input: MnemonicKeyInput & { rollupAdmin: string; operatorCluster: number } & RegistrationView): Promise<RegisteredKeyshares> {
      return withHeartbeat(async () => {
        const { vault } = mnemonicPath();
        const material: MnemonicMaterial = {
          operators: () => readClusterOperators(provider, contracts, input.operatorCluster, scan),
          mnemonic: () => vault.readMnemonic(input.rollupAdmin),
        };
        return registerMnemonicKey(input.rollupAdmin, input, input, material);
      });
    },

    async registerDkgKeyshares({ rollupAdmin, keyshares, ...view }: { rollupAdmin: string; keyshares: KeysharesPayload } & RegistrationView): Promise<RegisteredKeyshares> {
      return withHeartbeat(() => registerDkgKey(rollupAdmin, keyshares, view));
    },

    /**
     * A request's mnemonic keys, in order, in one activity (registration-batch.ts): the vault and
     * the cluster's operators are read once, when the first key needs them.
     */
    async registerMnemonicKeysharesBatch(input: { rollupAdmin: string; operatorCluster: number; keys: MnemonicKeyInput[] } & RegistrationView): Promise<RegistrationBatchResult> {
      const { vault } = mnemonicPath();
      let operators: ReturnType<MnemonicMaterial['operators']> | undefined;
      let mnemonic: Promise<string> | undefined;
      const material: MnemonicMaterial = {
        operators: () => (operators ??= readClusterOperators(provider, contracts, input.operatorCluster, scan)),
        mnemonic: () => (mnemonic ??= vault.readMnemonic(input.rollupAdmin)),
      };
      const view = { minOwnerNonce: input.minOwnerNonce, lastRegistrationBlock: input.lastRegistrationBlock };
      const pipeline = sharesPipeline(pipelineDeps, input.rollupAdmin, async () => (await material.operators()).map((o) => o.id), (k: MnemonicKeyInput) => k.pubkey,
        (key, ownerNonce) => mnemonicShares(input.rollupAdmin, key, ownerNonce, material));
      try {
        return await registerBatch(input.keys, (k) => k.pubkey, view, (key, at) => registerMnemonicKey(input.rollupAdmin, key, at, material), pipeline);
      } finally {
        mnemonic = undefined; // the words are dropped with the batch (a string cannot be wiped)
      }
    },

    /** A ceremony's keyshares, in nonce order, in one activity (registration-batch.ts). */
    async registerDkgKeysharesBatch(input: { rollupAdmin: string; keyshares: KeysharesPayload[] } & RegistrationView): Promise<RegistrationBatchResult> {
      const view = { minOwnerNonce: input.minOwnerNonce, lastRegistrationBlock: input.lastRegistrationBlock };
      const [first] = input.keyshares;
      const pipeline = sharesPipeline(pipelineDeps, input.rollupAdmin, () => Promise.resolve(first?.operatorIds ?? []), (k: KeysharesPayload) => k.publicKey,
        // A ceremony's keyshares are signed for one nonce: sent only when the run predicts that one.
        (keyshares, ownerNonce) => Promise.resolve(keyshares.ownerNonce === ownerNonce && sameIds(keyshares.operatorIds, first.operatorIds) ? keyshares : undefined));
      return registerBatch(input.keyshares, (k) => k.publicKey, view, (keyshares, at) => registerDkgKey(input.rollupAdmin, keyshares, at), pipeline);
    },
  };

  /**
   * One mnemonic key: its keyshares built for the current owner nonce (never below the view's
   * floor) and registered, unless it is registered already or an earlier transaction may land.
   */
  async function registerMnemonicKey(rollupAdmin: string, key: MnemonicKeyInput, view: RegistrationView, material: MnemonicMaterial): Promise<RegisteredKeyshares> {
    const done = await alreadyRegistered(key.pubkey, view.lastRegistrationBlock);
    if (done) return done;
    const ownerNonce = await currentOwnerNonce(view.minOwnerNonce, view.lastRegistrationBlock);
    // A retry after a crash: an earlier transaction for this key and nonce may still be pending.
    // Keyshares are random (Shamir split, RSA padding): never build new ones while it may land.
    const earlier = await earlierSharesTransaction(key.pubkey, ownerNonce);
    if (earlier) return earlier;
    return sendShares(rollupAdmin, await mnemonicShares(rollupAdmin, key, ownerNonce, material));
  }

  /** The key's keyshares for `ownerNonce`, its secret key derived again and wiped after. */
  async function mnemonicShares(rollupAdmin: string, key: MnemonicKeyInput, ownerNonce: number, material: MnemonicMaterial): Promise<KeysharesPayload> {
    const operators = await material.operators();
    const [signing] = await deriveSigningKeys(await material.mnemonic(), [key.keyIndex]);
    try {
      if (signing.pubkeyHex.toLowerCase() !== key.pubkey.toLowerCase()) {
        throw failure('KeyIndexMismatch', `key index ${key.keyIndex} of rollup ${rollupAdmin} derives ${signing.pubkeyHex}, not ${key.pubkey}`);
      }
      const payload = await buildKeyshares({ secretKey: signing.secretKey, validatorPubkey: signing.pubkey, operators, owner: contracts.nexus, ownerNonce });
      return { ...payload, ownerNonce };
    } finally {
      wipeKeys([signing]);
    }
  }

  /** One DKG key: registered only when its keyshares' nonce is the owner's next one. */
  async function registerDkgKey(rollupAdmin: string, keyshares: KeysharesPayload, view: RegistrationView): Promise<RegisteredKeyshares> {
    const done = await alreadyRegistered(keyshares.publicKey, view.lastRegistrationBlock);
    if (done) return done;
    // This attempt's or an earlier one's transaction (journaled under the signed nonce): waited
    // for, even if a backend that lags still shows the key unregistered.
    const earlier = await earlierSharesTransaction(keyshares.publicKey, keyshares.ownerNonce);
    if (earlier) return earlier;
    // A lagging read is retried; only a nonce the chain has really passed makes the keyshares stale.
    const ownerNonce = await currentOwnerNonce(view.minOwnerNonce, view.lastRegistrationBlock);
    if (ownerNonce !== keyshares.ownerNonce) {
      throw failure('StaleKeyshares', `keyshares of ${keyshares.publicKey} are signed for owner nonce ${keyshares.ownerNonce} but the owner is at ${ownerNonce}: SSV nodes would ignore them; produce them again (resign)`);
    }
    return sendShares(rollupAdmin, keyshares);
  }

  /**
   * The owner nonce at the configured confirmations, from a backend that has reached the last
   * registration's block, never below `floor` (owner-nonce-floor.ts). Its errors are named read
   * errors (retryable ones stay retryable): no failure-type conversion needed.
   */
  async function currentOwnerNonce(floor: number | undefined, lastRegistrationBlock: number | undefined): Promise<number> {
    const toBlock = confirmedReadBlock(await latestBlockNumber(provider), confirmations, lastRegistrationBlock);
    return nonceAtLeast(await readSsvOwnerNonce(provider, contracts.ssvNetwork, contracts.nexus, { ...scan, toBlock }), floor);
  }

  /** Where the key's ValidatorAdded stands in the owner's sequence, and whether it is signed for it. */
  function landedAt(pubkey: string, at: { blockNumber?: number; transactionHash?: string }) {
    return locateRegistration(provider, contracts.ssvNetwork, contracts.nexus, pubkey, {
      ...scan, confirmations, minBlock: at.blockNumber, transactionHash: at.transactionHash,
    });
  }

  /**
   * Where a transaction just mined landed. The read backend may not have reached its block yet:
   * waited for here (heartbeating) rather than by a retry, which could find the key still
   * unregistered on that backend.
   */
  async function landedAfterMining(pubkey: string, mined: { blockNumber: number; hash: string }): Promise<LandedRegistration> {
    const deadline = Date.now() + LANDED_WAIT_MS;
    for (;;) {
      try {
        return await landedAt(pubkey, { blockNumber: mined.blockNumber, transactionHash: mined.hash });
      } catch (err) {
        const behind = err instanceof OwnerNonceBackendBehindError || err instanceof RegistrationNotFoundError;
        if (!behind || Date.now() > deadline) throw err;
        await sleep(LANDED_POLL_MS);
      }
    }
  }

  /** The key's keyshares are on chain already (a retry after the transaction was mined): where they landed. */
  async function alreadyRegistered(pubkey: string, lastRegistrationBlock: number | undefined): Promise<RegisteredKeyshares | undefined> {
    // From a backend that has reached the last registration: a lagging one may still say DEPOSITED.
    confirmedReadBlock(await latestBlockNumber(provider), confirmations, lastRegistrationBlock);
    const [{ status }] = await statusOf([pubkey]);
    if (status === 'INACTIVE') {
      throw failure('KeyNotDeposited', `${pubkey} is not deposited in Nexus: keyshares are registered only after the deposit`);
    }
    if (status === 'DEPOSITED') return undefined;
    const landed = await landedAt(pubkey, { blockNumber: lastRegistrationBlock });
    return { pubkey, ownerNonce: -1, landed };
  }

  /**
   * The journal's transaction for this key at this nonce that may still land (pending or mined):
   * waited for, never sent again. Reverted or dropped attempts move on to the next key slot.
   */
  async function earlierSharesTransaction(pubkey: string, ownerNonce: number): Promise<RegisteredKeyshares | undefined> {
    const key = await sharesKeyFor(pubkey, ownerNonce);
    const record = await txManager.record(key);
    if (!record || (record.status !== 'pending' && record.status !== 'mined')) return undefined;
    return withFailureTypes(async () => {
      const mined = await txManager.waitForReceipt(key);
      return { pubkey, ownerNonce, txHash: mined.hash, landed: await landedAfterMining(pubkey, mined) };
    });
  }

  /** `shares:<pubkey>:<nonce>:<n>`, n counting attempts that reverted or were dropped. */
  function sharesKeyFor(pubkey: string, ownerNonce: number): Promise<string> {
    return journalKeyFor(txManager, `shares:${pubkey.toLowerCase()}:${ownerNonce}`);
  }

  async function sendShares(rollupAdmin: string, keyshares: KeysharesPayload): Promise<RegisteredKeyshares> {
    return withFailureTypes(async () => {
      // The amount from the cluster as it is now: never a bare 0, never a fixed sum (invariant 9).
      const { state, amountWei } = await nextRegistrationFunding(preflight, keyshares.operatorIds);
      const cluster = `cluster [${state.operatorIds.join(',')}] of ${state.snapshot.owner}`;
      if (state.liquidated) {
        throw failure('ClusterLiquidated', `${cluster} is liquidated: reactivate it before registering ${keyshares.publicKey}`);
      }
      if (state.nexusTokensWei < amountWei) {
        // Retried: the key is deposited and must get its keyshares once Nexus is topped up.
        throw failure('RegistrationUnfunded', `Nexus holds ${state.nexusTokensWei} wei SSV, registering ${keyshares.publicKey} into ${cluster} needs ${amountWei}`);
      }
      const data = encodeShares(rollupAdmin, keyshares, state.snapshot.cluster, amountWei);
      const idempotencyKey = await sharesKeyFor(keyshares.publicKey, keyshares.ownerNonce);
      const mined = await txManager.sendAndWait({ to: contracts.nexus, data, label: 'depositValidatorShares', idempotencyKey });
      // After mining: the position its ValidatorAdded really took (the registrar halts on a mismatch).
      const landed = await landedAfterMining(keyshares.publicKey, mined);
      return { pubkey: keyshares.publicKey, ownerNonce: keyshares.ownerNonce, txHash: mined.hash, landed };
    });
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => Number(id) === Number(b[i]));
}
