// What crosses the activity boundary for exits: JSON only, public material only (invariant 3: no
// key and no signed-but-unbroadcast exit ever appears here).
import type { NexusValidatorStatus } from './chain/reads';
import type { NexusVersion } from './chain/nexus-version';
import type { KeyPath } from './types';

/** A validator chosen for an exit; keyPath tells the batch whether the bot signs its exit (mnemonic). */
export interface ExitValidator {
  pubkey: string;
  validatorIndex: number;
  /** Absent: the batch's key path (validators adopted from elsewhere are already leaving). */
  keyPath?: KeyPath;
}

export interface ExitCandidates {
  /** The rollup's validators already leaving (Nexus VALIDATOR_EXIT_SUBMITTED, or leaving on the beacon chain), not in `exclude`. */
  exitingElsewhere: string[];
  /**
   * Of those, the ones leaving on the beacon chain that Nexus was never told about (exited by
   * someone else, or by a batch that stopped before telling Nexus): an exit batch adopts them, so
   * that Nexus accounts them once their ETH is back.
   */
  untracked: { pubkey: string; validatorIndex: number }[];
  /**
   * Active validators that may exit, lowest beacon index first, at most maxCandidates of each kind
   * (keys with a recorded mnemonic key index, and the others), so that the planner can prefer
   * mnemonic keys.
   */
  candidates: { pubkey: string; validatorIndex: number; hasKeyIndex: boolean }[];
  /** The Nexus version (what its validatorExit can do). */
  nexusVersion: NexusVersion;
  /** SHARE_DEPOSITED keys not active on the beacon chain (pending deposits): they cannot exit yet. */
  notActive: number;
}

export type ExitOutcome = 'broadcast' | 'already-exiting' | 'rejected';

export interface ExitBroadcastResult {
  /** The epoch the exits were signed for. */
  epoch: number;
  results: { pubkey: string; validatorIndex: number; outcome: ExitOutcome; message?: string }[];
}

export interface SubmittedExit {
  /** Absent when nothing had to be sent (every key already submitted). The last one on v2024-06. */
  txHash?: string;
  /** v2024-06: one transaction per key. */
  txHashes?: string[];
  submitted: string[];
  alreadySubmitted: string[];
}

export interface ExitProgress {
  currentEpoch: number;
  genesisTime: number;
  secondsPerSlot: number;
  slotsPerEpoch: number;
  validators: {
    pubkey: string;
    nexusStatus: NexusValidatorStatus;
    /** The validator's beacon index, or null when the node does not know the key. */
    validatorIndex: number | null;
    /** The beacon node's status, or 'unknown' when it does not know the key. */
    beaconStatus: string;
    exitEpoch: number | null;
    withdrawableEpoch: number | null;
    /** The validator's ETH has left the beacon chain (or, without withdrawals, could). */
    balanceReturned: boolean;
  }[];
}

export type ExitNotification =
  { outcome: 'notified'; txHash: string } | { outcome: 'already' } | { outcome: 'waiting'; reason: string };
