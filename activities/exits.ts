// Validator exit activities: choose the validators to exit, sign and broadcast voluntary exits
// (mnemonic keys), tell Nexus (on v2024-06 this also asks SSV operators to exit; see
// exit-submit.ts), follow the validators on the beacon chain, and account each one in Nexus once
// its ETH is back (by the bridge kind's own rule, chain/bridge-kind.ts).
//
// Every step looks at chain and beacon state before acting, so a retried or replayed step never
// exits, broadcasts or notifies twice (invariant 6), and every transaction goes through the one
// transaction manager with a deterministic idempotency key (invariant 5). Keys are derived, used
// and wiped inside broadcastMnemonicExits; a signed exit is a bearer instrument (anyone holding it
// can exit the validator), so it is signed right before its broadcast and never returned.
import { Context, heartbeat } from '@temporalio/activity';
import { failure, withFailureTypes } from './typed-failure';
import type { ethers } from 'ethers';
import { nexusInterface } from './chain/abi';
import { readExitAccounting } from './chain/bridge-kind';
import type { NexusVersion } from './chain/nexus-version';
import {
  clusterTuple,
  readClusterSnapshot,
  readRollupState,
  readRollupValidatorKeys,
  readValidatorOperatorIds,
  readValidatorStatuses,
} from './chain/reads';
import type { TransactionManager } from './chain/tx-manager';
import { journalKeyFor, withHeartbeat } from './activity-helpers';
import { deriveSigningKeys, wipeKeys } from './keys/derivation';
import { findKeyIndices } from './keys/key-lookup';
import { depositedKeys, indexStateMissing } from './index-state-guard';
import type { IndexStore } from './keys/index-store';
import type { MnemonicVault } from './keys/mnemonic-vault';
import type { DomainMetricsSink } from './metrics-sink';
import type { ExitBroadcastResult, ExitCandidates, ExitProgress, ExitNotification, SubmittedExit } from './exit-types';
import type { BeaconClient } from './beacon/client';
import { isExitingOrExited } from './beacon/validators';
import type { signVoluntaryExit } from './keys/voluntary-exit';
import { liveTransaction, submitValidatorExits, type ExitSubmitInput } from './exit-submit';

/** The Beacon API calls the exit activities make (activities/beacon/client.ts). */
export type ExitBeaconClient = Pick<BeaconClient, 'getChainInfo' | 'getValidators' | 'submitVoluntaryExit'>;

export interface ExitDependencies {
  provider: ethers.JsonRpcProvider;
  txManager: TransactionManager;
  contracts: { nexus: string; ssvNetwork: string };
  ssvFromBlock: number;
  logMaxRange: number;
  beacon: ExitBeaconClient;
  /** signVoluntaryExit (activities/keys/voluntary-exit.ts); injected so tests can count signatures. */
  signExit: typeof signVoluntaryExit;
  /** Mnemonic path only (deprecated): absent on a worker without a salt. */
  vault?: MnemonicVault;
  indexStore?: IndexStore;
  /** Counts exits (worker metrics); absent in tests. */
  metrics?: DomainMetricsSink;
  /** Dry run: no exit is signed or broadcast (transactions are refused by the transaction manager). */
  dryRun?: boolean;
  /** The Nexus version, resolved once per process (chain/nexus-version.ts). */
  nexusVersion: () => Promise<NexusVersion>;
}

/** Upper bound of candidates returned at once (a batch is smaller). */
const MAX_CANDIDATES = 1_000;

export function createExitActivities(deps: ExitDependencies) {
  const { provider, txManager, contracts, beacon } = deps;
  const scan = { fromBlock: deps.ssvFromBlock, maxRange: deps.logMaxRange };

  return {
    /**
     * The rollup's validators that may exit, in the documented order (lowest beacon validator index
     * first: the longest-active go first), and those already leaving that planning must count.
     * Checks the beacon node's network first.
     */
    async readExitCandidates(input: {
      rollupAdmin: string;
      exclude: string[];
      maxCandidates: number;
    }): Promise<ExitCandidates> {
      return withFailureTypes(async () => {
        const max = Math.min(Math.max(0, Math.floor(input.maxCandidates)), MAX_CANDIDATES);
        await beacon.getChainInfo(); // a node of another network fails here, before anything is chosen
        const { pubkeys } = await readRollupValidatorKeys(provider, contracts.nexus, input.rollupAdmin, scan);
        const { statuses } = await readValidatorStatuses(provider, contracts.nexus, pubkeys);
        const relevant = statuses.filter(
          (s) => s.status === 'SHARE_DEPOSITED' || s.status === 'VALIDATOR_EXIT_SUBMITTED',
        );
        const onBeacon = await beacon.getValidators(relevant.map((s) => s.pubkey));
        const excluded = new Set(input.exclude.map((k) => k.toLowerCase()));
        // Keys with a recorded mnemonic index: the bot can sign their exit on any Nexus version.
        const withIndex = deps.indexStore
          ? await recordedPubkeys(deps.indexStore, input.rollupAdmin)
          : new Set<string>();
        const nexusVersion = await deps.nexusVersion();
        const exitingElsewhere: string[] = [];
        const untracked: ExitCandidates['untracked'] = [];
        const candidates: ExitCandidates['candidates'] = [];
        let notActive = 0;
        for (const { pubkey, status } of relevant) {
          if (excluded.has(pubkey)) continue;
          const v = onBeacon.get(pubkey);
          if (status === 'VALIDATOR_EXIT_SUBMITTED' || (v && isExitingOrExited(v.status))) {
            exitingElsewhere.push(pubkey);
            if (status === 'SHARE_DEPOSITED' && v) untracked.push({ pubkey, validatorIndex: v.index });
          } else if (v?.status === 'active_ongoing')
            candidates.push({ pubkey, validatorIndex: v.index, hasKeyIndex: withIndex.has(pubkey) });
          else notActive++; // not on the beacon chain yet (pending deposit), cannot exit
        }
        candidates.sort((a, b) => a.validatorIndex - b.validatorIndex);
        // Up to `max` of each kind: the planner prefers mnemonic keys (workflows/exit-choice.ts).
        const ofKind = (hasKeyIndex: boolean) => candidates.filter((c) => c.hasKeyIndex === hasKeyIndex).slice(0, max);
        return {
          exitingElsewhere,
          untracked,
          candidates: [...ofKind(true), ...ofKind(false)].sort((a, b) => a.validatorIndex - b.validatorIndex),
          notActive,
          nexusVersion,
        };
      });
    },

    /**
     * Mnemonic keys: re-derives each key from the rollup's mnemonic and its recorded index, signs
     * its VoluntaryExit with the domain of the beacon node's fork schedule and broadcasts it. A
     * validator the node already shows leaving is skipped; a rejection is reported per validator
     * (with the node's message) and the others go on. Unknown keys fail the whole call before any
     * broadcast.
     */
    async broadcastMnemonicExits(input: {
      rollupAdmin: string;
      validators: { pubkey: string; validatorIndex: number }[];
      epoch?: number;
    }): Promise<ExitBroadcastResult> {
      return withHeartbeat(() =>
        withFailureTypes(async () => {
          if (!deps.vault || !deps.indexStore) {
            throw failure(
              'MnemonicPathDisabled',
              'this worker has no mnemonic vault: start it with the salt (mnemonic key path)',
            );
          }
          const { vault, indexStore } = deps;
          if (deps.dryRun)
            throw failure(
              'DryRunRefusal',
              `dry run: ${input.validators.length} exit(s) not signed or broadcast (the worker runs with dryRun)`,
            );
          const chain = await beacon.getChainInfo();
          // A re-broadcast signs for the first broadcast's epoch: BLS signing is deterministic, so the same message.
          const epoch = input.epoch ?? chain.currentEpoch;
          if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > chain.currentEpoch) {
            throw failure(
              'InvalidInput',
              `epoch must be an integer from 0 to the current epoch ${chain.currentEpoch}, got ${input.epoch}`,
            );
          }
          const onBeacon = await beacon.getValidators(input.validators.map((v) => v.pubkey));
          const results: ExitBroadcastResult['results'] = [];
          const toSign: { pubkey: string; validatorIndex: number }[] = [];
          for (const { pubkey: raw, validatorIndex } of input.validators) {
            const pubkey = raw.toLowerCase();
            const v = onBeacon.get(pubkey);
            if (!v)
              results.push({
                pubkey,
                validatorIndex,
                outcome: 'rejected',
                message: 'the beacon node does not know this validator',
              });
            else if (v.index !== validatorIndex)
              results.push({
                pubkey,
                validatorIndex,
                outcome: 'rejected',
                message: `the beacon node has this key at index ${v.index}, not ${validatorIndex}`,
              });
            else if (isExitingOrExited(v.status))
              results.push({
                pubkey,
                validatorIndex,
                outcome: 'already-exiting',
                message: `beacon status ${v.status}`,
              });
            else toSign.push({ pubkey, validatorIndex });
          }
          if (toSign.length === 0) return { epoch, results };
          // Read and decrypted once (Secrets Manager and the keystore KDF are the slow part).
          const mnemonic = await vault.readMnemonic(input.rollupAdmin);
          const indices = await findKeyIndices({
            indexStore,
            rollupAdmin: input.rollupAdmin,
            pubkeys: toSign.map((v) => v.pubkey),
            readMnemonic: async () => mnemonic,
            onProgress: (n) => heartbeat(n),
            whenMissing: async (location) =>
              indexStateMissing(
                input.rollupAdmin,
                (await depositedKeys({ provider, nexus: contracts.nexus, scan }, input.rollupAdmin)).length,
                location,
                "the exiting keys' indices are not known without it",
              ),
          });
          const keys = await deriveSigningKeys(
            mnemonic,
            toSign.map((v) => indices.get(v.pubkey) as number),
          );
          try {
            for (const [i, { pubkey, validatorIndex }] of toSign.entries()) {
              if (keys[i].pubkeyHex !== pubkey)
                throw failure(
                  'KeyIndexMismatch',
                  `key index ${keys[i].index} derives ${keys[i].pubkeyHex}, not ${pubkey}`,
                );
              const signed = await deps.signExit({
                secretKey: keys[i].secretKey,
                validatorIndex,
                epoch,
                forkSchedule: chain.forkSchedule,
                genesisValidatorsRoot: chain.genesisValidatorsRoot,
              });
              try {
                await beacon.submitVoluntaryExit(signed);
                results.push({ pubkey, validatorIndex, outcome: 'broadcast' });
              } catch (err) {
                if ((err as Error)?.name !== 'VoluntaryExitRejectedError') throw err; // unavailability: retried
                results.push({ pubkey, validatorIndex, outcome: 'rejected', message: (err as Error).message });
              }
              heartbeat(i + 1);
            }
          } finally {
            wipeKeys(keys);
          }
          return { epoch, results };
        }),
      );
    },

    /**
     * Nexus.validatorExit for the keys still SHARE_DEPOSITED, in the form of the Nexus version
     * (exit-submit.ts): the batch at once on v2024-03 (DKG keys refused), one key at a time with
     * its SSV operator ids on v2024-06. Keys already submitted or exited are skipped.
     */
    async submitValidatorExit(input: ExitSubmitInput): Promise<SubmittedExit> {
      return withHeartbeat(() =>
        withFailureTypes(async () => {
          const version = await deps.nexusVersion();
          return submitValidatorExits(
            { provider, txManager, contracts, scan, metrics: deps.metrics, onProgress: (n) => heartbeat(n) },
            version,
            input,
          );
        }),
      );
    },

    /**
     * Exits the limit requires that the monitor refuses to start: a gauge (nexus_exits_blocked) and
     * a WARN line to alert on. Count 0 clears it.
     */
    async reportExitsBlocked(input: {
      rollupAdmin: string;
      reason: string;
      code: string;
      count: number;
    }): Promise<void> {
      deps.metrics?.exitsBlocked(input.rollupAdmin, input.code, input.count);
      if (input.count > 0)
        Context.current().log.warn(
          `exits blocked: ${input.count} exit(s) of rollup ${input.rollupAdmin} refused: ${input.reason}`,
          { rollupAdmin: input.rollupAdmin, code: input.code, count: input.count },
        );
    },

    /** Where each exiting validator stands: Nexus status and beacon status, with the chain's clock. */
    async readExitProgress(input: { pubkeys: string[] }): Promise<ExitProgress> {
      return withFailureTypes(async () => {
        const chain = await beacon.getChainInfo();
        const { statuses } = await readValidatorStatuses(provider, contracts.nexus, input.pubkeys);
        const onBeacon = await beacon.getValidators(input.pubkeys);
        const capella = chain.forkSchedule.CAPELLA?.epoch;
        const withdrawalsEnabled = capella !== undefined && capella !== null && chain.currentEpoch >= capella;
        return {
          currentEpoch: chain.currentEpoch,
          genesisTime: chain.genesisTime,
          secondsPerSlot: chain.secondsPerSlot,
          slotsPerEpoch: chain.slotsPerEpoch,
          validators: statuses.map(({ pubkey, status }) => {
            const v = onBeacon.get(pubkey);
            return {
              pubkey,
              nexusStatus: status,
              validatorIndex: v?.index ?? null,
              beaconStatus: v?.status ?? 'unknown',
              exitEpoch: v?.exitEpoch ?? null,
              withdrawableEpoch: v?.withdrawableEpoch ?? null,
              // With withdrawals (Capella on), the balance is back once swept (withdrawal_done). On a
              // chain without them (the local phase0 node) it can only be withdrawable; there the
              // local network's stand-in pays the bridge, as the sweep would.
              balanceReturned:
                v?.status === 'withdrawal_done' || (v?.status === 'withdrawal_possible' && !withdrawalsEnabled),
            };
          }),
        };
      });
    },

    /**
     * Nexus.validatorExitBalanceTransferred for one key whose ETH is back in the bridge, with the
     * operator ids it was registered with and the current SSV cluster snapshot (re-read on every
     * attempt). 'waiting' when the bridge does not hold 32 ETH of returned stake yet.
     */
    async notifyExitBalanceTransferred(input: { rollupAdmin: string; pubkey: string }): Promise<ExitNotification> {
      return withHeartbeat(() =>
        withFailureTypes(async () => {
          const pubkey = input.pubkey.toLowerCase();
          const prefix = `exit-transferred:${pubkey}`;
          const earlier = await liveTransaction(txManager, prefix);
          if (earlier) {
            const mined = await txManager.waitForReceipt(earlier);
            deps.metrics?.validatorsExited(input.rollupAdmin, 1, mined.hash);
            return { outcome: 'notified', txHash: mined.hash };
          }
          const [{ status }] = (await readValidatorStatuses(provider, contracts.nexus, [pubkey])).statuses;
          if (status === 'VALIDATOR_EXITED') return { outcome: 'already' };
          if (status !== 'VALIDATOR_EXIT_SUBMITTED') {
            throw failure(
              'ValidatorNotExitable',
              `${pubkey} is ${status} in Nexus, not VALIDATOR_EXIT_SUBMITTED: its exit was never submitted`,
            );
          }
          const rollup = await readRollupState(provider, contracts.nexus, input.rollupAdmin);
          // The bridge's own condition for updateExitedValidators, by its kind (DAO / CValue-Rebase).
          const accounting = await readExitAccounting(provider, rollup.bridge, rollup.bridgeKind);
          if (!accounting.ready) return { outcome: 'waiting', reason: accounting.reason };
          const operatorIds = await readValidatorOperatorIds(
            provider,
            contracts.ssvNetwork,
            contracts.nexus,
            pubkey,
            scan,
          );
          const snapshot = await readClusterSnapshot(
            provider,
            contracts.ssvNetwork,
            contracts.nexus,
            operatorIds,
            scan,
          );
          const c = clusterTuple(snapshot.cluster);
          const data = nexusInterface.encodeFunctionData('validatorExitBalanceTransferred', [
            input.rollupAdmin,
            pubkey,
            operatorIds,
            [c.validatorCount, c.networkFeeIndex, c.index, c.active, c.balance],
          ]);
          const mined = await txManager.sendAndWait({
            to: contracts.nexus,
            data,
            label: 'validatorExitBalanceTransferred',
            idempotencyKey: await nextKey(prefix),
          });
          deps.metrics?.validatorsExited(input.rollupAdmin, 1, mined.hash);
          return { outcome: 'notified', txHash: mined.hash };
        }),
      );
    },
  };

  function nextKey(prefix: string): Promise<string> {
    return journalKeyFor(txManager, prefix);
  }
}

/** Pubkeys recorded with their key index in the rollup's index state (lower case). */
async function recordedPubkeys(store: IndexStore, rollupAdmin: string): Promise<Set<string>> {
  const state = await store.readState(rollupAdmin);
  return new Set(state.allocations.flatMap((a) => (a.pubkeys ?? []).map((k) => k.toLowerCase())));
}
