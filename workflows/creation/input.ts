// A creation batch's input and result (what the monitor starts it with and reads back).
import type { Duration } from '@temporalio/common';
import type { KeyPath } from '../../activities/types';
import type { HeldKey } from '../../activities/guard/types';
import type { CreationStatus } from '../../protocol/messages';

export interface CreateValidatorsInput {
  rollupAdmin: string;
  bridge: string;
  operatorCluster: number;
  keyPath: KeyPath;
  count: number;
  /** While the registrations are not fundable, how often to check again (default 10 minutes; a resume signal checks at once). */
  fundingRecheckInterval?: Duration;
  /**
   * Issue 15 item 3, mnemonic batches: write fewer history events. Set by a monitor run that has
   * patched('monitor-fewer-events') (monitor/events.ts), so the change is behind that patch and
   * costs no patch of its own here (each patch writes a marker and a search-attribute upsert per
   * run: the batch's two older patches are known to hold for such a batch and are not asked either).
   * - the pre-deposit reads and the registrar hand-off run as local activities (one marker each,
   *   no activity events and no workflow task of their own);
   * - the monitor is told only what it cannot see otherwise (a pause hold, a funding hold), not
   *   every phase: the phase is in the batch's Phase search attribute (the Web UI) and its
   *   creationStatus query (the CLI's status and show);
   * - the pubkeys go out with the next phase in one upsert, the first phase with the start;
   * - key indices are allocated and the keys derived in one salt activity (phase 'allocating').
   * Batches started without it (histories from before) replay the remote activities and signals.
   */
  fewerEvents?: boolean;
  /**
   * A mnemonic creation larger than one batch (creation/rounds.ts): `count` validators in rounds of
   * at most `size` (the monitor's maxBatch, which bounds one deposit transaction). Before each
   * round after the first the rollup is read and the plan made again, with this run's deposits not
   * yet seen on chain counted as pending (`validatorCountAtPlan`: the count the monitor planned
   * from, a decimal string). Set only together with `fewerEvents`.
   */
  rounds?: { size: number; validatorCountAtPlan: string };
}

export const DEFAULT_FUNDING_RECHECK = '10 minutes';

export interface CreateValidatorsResult {
  /** Validators deposited by this batch. */
  deposited: string[];
  /** Of those, the ones whose keyshares are registered with SSV. */
  registered: string[];
  /** Deposited keys whose keyshares still need registering (with the reason), so the monitor tracks them. */
  unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
  /** Keys the pre-deposit guard held: none of their ETH was sent (mnemonic batches; a DKG batch fails instead). */
  held?: HeldKey[];
  /** A creation in rounds that ended before `count` (the plan shrank, a pause, a failed round): why. */
  stoppedEarly?: string;
}

export type CreationPhase = CreationStatus['phase'];
