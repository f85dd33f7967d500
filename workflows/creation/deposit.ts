// The deposit of a creation batch: the pre-deposit guard first (issue 13 item 8), then one writer
// activity that deposits through Nexus (checked on chain first: never twice, invariant 1).
import { log, patched, proxyActivities } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import type { PublicDepositData } from '../../activities/types';
import type { HeldKey } from '../../activities/guard/types';
import { GUARD_OPTIONS, TRANSACTION_OPTIONS } from '../activity-options';
import { proxyRoleActivities } from '../role-activities';
import type { CreationBatch } from './batch';

// The deposit runs where the chain writer is.
const { submitDeposits } = proxyRoleActivities<BotActivities>('writer', TRANSACTION_OPTIONS);
const { guardDeposits } = proxyActivities<BotActivities>(GUARD_OPTIONS);

/**
 * Issue 13 item 8: the four pre-deposit checks, just before the deposit. Returns the keys that
 * passed; held ones are in the status (with every failed check) and an ERROR line (the activity
 * also logs one and counts nexus_deposit_guard_held_total). Histories from before the guard
 * existed replay without it (patched).
 */
export async function guard(batch: CreationBatch, deposits: PublicDepositData[]): Promise<Set<string>> {
  const { input, status } = batch;
  if (!batch.fewerEvents && !patched('predeposit-guard')) return new Set(deposits.map((d) => d.pubkey));
  const verdict = await guardDeposits({ rollupAdmin: input.rollupAdmin, bridge: input.bridge, deposits });
  status.guard = { held: verdict.held, skipped: verdict.skipped.map((s) => s.check), blockNumber: verdict.blockNumber };
  if (verdict.held.length > 0) {
    log.error('creation batch: pre-deposit guard held key(s), none of their ETH sent', {
      rollupAdmin: input.rollupAdmin,
      keyPath: input.keyPath,
      held: describeHeld(verdict.held),
      passed: verdict.passed.length,
    });
  }
  return new Set(verdict.passed);
}

/** `requestId` keys the transaction (a creation in rounds has one per round). */
export async function deposit(
  batch: CreationBatch,
  deposits: PublicDepositData[],
  requestId = batch.requestId,
): Promise<void> {
  await submitDeposits({ rollupAdmin: batch.input.rollupAdmin, requestId, deposits });
}

/** One line per held key and failed check (workflow-side twin of activities/guard/checks.ts). */
export function describeHeld(held: readonly HeldKey[]): string {
  return held.map((h) => `${h.pubkey}: ${h.failures.map((f) => `[${f.check}] ${f.reason}`).join(' | ')}`).join('; ');
}
