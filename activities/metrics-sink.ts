// Domain counters the activities report (worker/observability/metrics.ts implements them as
// Prometheus metrics). Optional everywhere: activities built without one (tests) report nothing.
//
// Counts are reported by the activity that finds its transaction mined, with the transaction's
// hash: a retried activity that finds the same transaction again reports the same hash, and the
// sink counts each hash once per process. (Across processes a count can be lost or, if a worker
// dies between counting and completing the activity, made twice: counters are per process.)
import type { FundingProblem } from './types';

export interface DomainMetricsSink {
  /** Validators deposited through Nexus (depositValidatorRollup mined). */
  validatorsCreated(rollupAdmin: string, count: number, txHash: string): void;
  /** Exits submitted to Nexus (validatorExit mined). */
  validatorsExitSubmitted(rollupAdmin: string, count: number, txHash: string): void;
  /** Validators accounted as exited in Nexus (validatorExitBalanceTransferred mined). */
  validatorsExited(rollupAdmin: string, count: number, txHash: string): void;
  /** A batch's pre-deposit funding check: the problem found, or undefined when fundable. */
  registrationFunding?(rollupAdmin: string, problem: FundingProblem | undefined): void;
  /** A key the pre-deposit guard held (nothing of it deposited), by the check it failed. */
  depositGuardHeld?(rollupAdmin: string, check: string, count: number): void;
  /** SSV registrations halted (1) or going (0): a registration landed at the wrong owner nonce. */
  ssvRegistrationsHalted?(halted: boolean): void;
  /** Exits the limit requires but the bot refuses to start (a gauge: the latest count, 0 when none). */
  exitsBlocked(rollupAdmin: string, reason: string, count: number): void;
  /** A Nexus cluster's runway (operator ids "1,2,3,4"); null when nothing burns (no validators). */
  clusterRunway?(cluster: string, runwayBlocks: number | null, runwayDays: number | null): void;
  /** A top-up of the cluster (SSVNetwork.deposit mined), amount in SSV wei; counted once per hash. */
  clusterTopUp?(cluster: string, amountWei: string, txHash: string): void;
  /** SSV wei the runway watcher may still spend on top-ups in the current budget period. */
  topUpBudgetLeft?(wei: string): void;
}
