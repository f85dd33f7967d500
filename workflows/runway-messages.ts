// The cluster runway watcher's query, shared by the workflow and the CLI (`nexus-bot runway`).
import { defineQuery } from '@temporalio/workflow';
import type { ClusterRunwayReading, TopUpSpend } from '../activities/funding/runway-types';

/** Where a cluster stands, as of the watcher's last poll. */
export type ClusterRunwayState =
  'ok' | 'idle' | 'topped-up' | 'below-alert' | 'budget-exhausted' | 'bot-ssv-short' | 'top-up-failed' | 'liquidated';

export interface RunwayStatus {
  /** Workflow time of the last poll (ISO). */
  updatedAt?: string;
  blockNumber?: number;
  clusters: (ClusterRunwayReading & { state: ClusterRunwayState; note?: string })[];
  /** The policy in blocks (from the worker's `runway` configuration). */
  topUpBelowBlocks?: string;
  alertBelowBlocks?: string;
  topUpToBlocks?: string;
  budgetWei?: string;
  budgetLeftWei?: string;
  budgetPeriodMs?: number;
  blockTimeSeconds?: number;
  /** The top-ups the budget still counts (inside the rolling period). */
  spends: TopUpSpend[];
  botTokensWei?: string;
  /** Top-ups requested since the watcher was first started (continue-as-new carries it). */
  topUps: number;
}

export const runwayStatusQuery = defineQuery<RunwayStatus>('runwayStatus');
