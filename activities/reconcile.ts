// Reconciliation: what the chain, the beacon node, the index state and the ceremony archive say
// about every key ever submitted for a rollup. The monitor's memory is only a cache of this: it
// compares, and acts on the keys that need the bot (workflows/reconciliation.ts).
//
// Reads only. The answer names only the keys that need something (deposited without keyshares,
// exit submitted) and counts the rest, so that its size stays small for 10,000 keys.
import { heartbeat } from '@temporalio/activity';
import type { ethers } from 'ethers';
import { readRollupValidatorKeys, readValidatorStatuses, type NexusValidatorStatus } from './chain/reads';
import { withFailureTypes } from './typed-failure';
import type { IndexStore } from './keys/index-store';
import type { CeremonyArchive, CeremonyState } from './dkg/archive';
import type { BeaconClient } from './beacon/client';

export interface ReconcileDependencies {
  provider: ethers.JsonRpcProvider;
  contracts: { nexus: string };
  ssvFromBlock: number;
  logMaxRange: number;
  /** Absent on a worker without a beacon node: exit-submitted keys are then listed with beacon status 'unknown'. */
  beacon?: Pick<BeaconClient, 'getChainInfo' | 'getValidators'>;
  /** Mnemonic path: the recorded pubkey of each allocated index. */
  indexStore?: IndexStore;
  /** DKG path: which ceremony made which key, and for which owner nonce its keyshares are signed. */
  archive?: CeremonyArchive;
}

/** Where a deposited key's keyshares can come from. */
export type KeyOrigin =
  | { kind: 'mnemonic'; keyIndex: number }
  | { kind: 'dkg'; requestId: string; ownerNonce: number; ceremonyState: CeremonyState }
  | { kind: 'unknown' };

export interface RollupReconciliation {
  /** The block the Nexus statuses were read at. */
  blockNumber: number;
  /** Keys Nexus accepted a deposit for (ValidatorSubmitted), by their Nexus status now. */
  submitted: number;
  counts: Partial<Record<NexusValidatorStatus, number>>;
  /** Nexus DEPOSITED: 32 ETH sent, keyshares never registered (no SSV operator runs them). */
  depositedUnregistered: { pubkey: string; origin: KeyOrigin }[];
  /** Nexus VALIDATOR_EXIT_SUBMITTED: to be followed until their ETH is back and accounted. */
  exitSubmitted: {
    pubkey: string;
    validatorIndex: number | null;
    beaconStatus: string;
    keyPath: 'mnemonic' | 'dkg' | 'unknown';
  }[];
  /** The beacon chain's epoch at the read (exit follow-up is measured in epochs); absent without a beacon node. */
  currentEpoch?: number;
}

export function createReconcileActivities(deps: ReconcileDependencies) {
  const scan = { fromBlock: deps.ssvFromBlock, maxRange: deps.logMaxRange };
  return {
    /** The chain's view of every key submitted for the rollup, with what each actionable key needs. */
    async reconcileRollup(input: { rollupAdmin: string }): Promise<RollupReconciliation> {
      return withFailureTypes(async () => {
        const chain = await deps.beacon?.getChainInfo(); // a node of another network fails here
        const { pubkeys } = await readRollupValidatorKeys(deps.provider, deps.contracts.nexus, input.rollupAdmin, scan);
        heartbeatIfActivity(pubkeys.length);
        const { blockNumber, statuses } = await readValidatorStatuses(deps.provider, deps.contracts.nexus, pubkeys);
        const counts: RollupReconciliation['counts'] = {};
        for (const { status } of statuses) counts[status] = (counts[status] ?? 0) + 1;
        const deposited = statuses.filter((s) => s.status === 'DEPOSITED').map((s) => s.pubkey);
        const exiting = statuses.filter((s) => s.status === 'VALIDATOR_EXIT_SUBMITTED').map((s) => s.pubkey);
        const origins = await keyOrigins(input.rollupAdmin, [...deposited, ...exiting]);
        const onBeacon = exiting.length > 0 && deps.beacon ? await deps.beacon.getValidators(exiting) : new Map();
        return {
          blockNumber,
          submitted: pubkeys.length,
          counts,
          ...(chain ? { currentEpoch: chain.currentEpoch } : {}),
          depositedUnregistered: deposited.map((pubkey) => ({
            pubkey,
            origin: origins.get(pubkey) ?? { kind: 'unknown' },
          })),
          exitSubmitted: exiting.map((pubkey) => {
            const v = onBeacon.get(pubkey);
            const origin = origins.get(pubkey);
            return {
              pubkey,
              validatorIndex: v?.index ?? null,
              beaconStatus: v?.status ?? 'unknown',
              keyPath: origin?.kind ?? 'unknown',
            };
          }),
        };
      });
    },
  };

  /** Mnemonic index (recorded with its allocation) or archived ceremony of each key; neither: unknown. */
  async function keyOrigins(rollupAdmin: string, pubkeys: string[]): Promise<Map<string, KeyOrigin>> {
    const origins = new Map<string, KeyOrigin>();
    if (pubkeys.length === 0) return origins;
    const wanted = new Set(pubkeys);
    if (deps.indexStore) {
      const state = await deps.indexStore.readState(rollupAdmin);
      for (const allocation of state.allocations) {
        allocation.pubkeys?.forEach((recorded, i) => {
          const key = recorded.toLowerCase();
          if (wanted.has(key)) origins.set(key, { kind: 'mnemonic', keyIndex: allocation.start + i });
        });
      }
    }
    if (deps.archive) {
      for (const archived of deps.archive.listRollup(rollupAdmin)) {
        const m = archived.manifest;
        m.pubkeys.forEach((raw, i) => {
          const key = raw.toLowerCase();
          if (wanted.has(key) && !origins.has(key))
            origins.set(key, {
              kind: 'dkg',
              requestId: m.requestId,
              ownerNonce: m.firstNonce + i,
              ceremonyState: m.state,
            });
        });
      }
    }
    return origins;
  }
}

/** Long scans report progress when run as an activity (the bench calls this outside one). */
function heartbeatIfActivity(details: unknown): void {
  try {
    heartbeat(details);
  } catch {
    // not inside an activity
  }
}
