// What the pre-deposit guard (issue 13 item 8, DESIGN.md invariant 9) answers about a batch. Plain
// JSON: it travels from the activity to the creation workflow and into its status.

/** The four checks, in the order they are reported. */
export const GUARD_CHECKS = ['beacon', 'deposit-contract', 'ssv-network', 'deposit-signature'] as const;
export type GuardCheck = (typeof GUARD_CHECKS)[number];

/** A key the guard refused to deposit: every check it failed, and why, in one line each. */
export interface HeldKey {
  pubkey: string;
  failures: { check: GuardCheck; reason: string }[];
}

export interface DepositGuardResult {
  /** Keys that passed every check (in the batch's order). */
  passed: string[];
  held: HeldKey[];
  /** Checks that could not run for this batch (e.g. no beacon node configured), with why. */
  skipped: { check: GuardCheck; reason: string }[];
  /** The head block the log checks covered. */
  blockNumber: number;
}
