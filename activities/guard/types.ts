// What the pre-deposit guard (issue 13 item 8, DESIGN.md invariant 9) answers about a batch. Plain
// JSON: it travels from the activity to the creation workflow and into its status.

// The checks and a held key are the protocol's (the creation workflow's status shows them).
export { GUARD_CHECKS, type GuardCheck, type HeldKey } from '../../protocol/nexus';
import type { GuardCheck, HeldKey } from '../../protocol/nexus';

export interface DepositGuardResult {
  /** Keys that passed every check (in the batch's order). */
  passed: string[];
  held: HeldKey[];
  /** Checks that could not run for this batch (e.g. no beacon node configured), with why. */
  skipped: { check: GuardCheck; reason: string }[];
  /** The head block the log checks covered. */
  blockNumber: number;
}
