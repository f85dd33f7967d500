// What the cluster runway activities and workflow exchange: JSON only (bigints as decimal strings).

/** The configured runway policy (worker config `runway`), in blocks and wei. */
export interface RunwayPolicy {
  topUpBelowBlocks: string;
  topUpToBlocks: string;
  alertBelowBlocks: string;
  /** SSV tokens the bot may spend on top-ups per budget period. */
  budgetWei: string;
  budgetPeriodMs: number;
  blockTimeSeconds: number;
}

/** One Nexus-owned SSV cluster as read at one block. */
export interface ClusterRunwayReading {
  /** Its operator ids joined by commas, e.g. "1,2,3,4" (the metric label). */
  cluster: string;
  operatorIds: number[];
  validatorCount: number;
  balanceWei: string;
  burnPerBlockWei: string;
  /** Blocks before it becomes liquidatable; null when nothing burns (no validators). */
  runwayBlocks: string | null;
  runwayDays: number | null;
  liquidated: boolean;
  /** SSV tokens that bring it to topUpToBlocks when its runway is below topUpBelowBlocks, else "0". */
  topUpWei: string;
}

export interface ClusterRunwayReadings {
  clusters: ClusterRunwayReading[];
  /** Every cluster that ever had a Nexus validator (carried, so the next scan starts at nextFromBlock). */
  knownClusters: string[];
  nextFromBlock: number;
  policy: RunwayPolicy;
  /** SSV tokens the bot account holds (what top-ups are paid from). */
  botTokensWei: string;
  blockNumber: number;
}

export type TopUpOutcome = 'deposited' | 'not-needed' | 'bot-ssv-short' | 'dry-run';

export interface ClusterTopUpResult {
  outcome: TopUpOutcome;
  amountWei: string;
  txHash?: string;
  blockNumber?: number;
  /** One line for logs and status. */
  message: string;
}

/** A top-up the budget counts (kept while inside the rolling period). */
export interface TopUpSpend {
  /** ms since epoch (workflow time). */
  at: number;
  cluster: string;
  amountWei: string;
}
