// Where a creation batch waits before it commits anything: until its SSV registrations are
// fundable (both key paths) and until every DKG operator is healthy (DKG, before the reservation).
import { ActivityFailure, condition, log, proxyActivities } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import type { FundingHold } from '../../protocol/messages';
import { DKG_HEALTH_OPTIONS, DKG_HEALTH_RECHECK } from '../activity-options';
import { describeFailure } from '../failures';
import type { CreationBatch } from './batch';
import { DEFAULT_FUNDING_RECHECK } from './input';

const { checkDkgOperators } = proxyActivities<BotActivities>(DKG_HEALTH_OPTIONS);

/**
 * Invariant 9: the deposit fork version is the connected network's (a mismatch fails the batch
 * for good), and the batch's SSV registrations will go through. Until they will, the batch holds
 * here, deposits nothing, says why (status, monitor, WARN log, metric) and checks again on a
 * durable timer or at once on a resume signal; a pause holds it at `safePoint`.
 */
export async function awaitFundableRegistrations(batch: CreationBatch, safePoint: string): Promise<void> {
  const { input, status, gate } = batch;
  for (;;) {
    await batch.reads().checkSigningNetwork();
    const funding = await batch.reads().checkRegistrationFunding({
      rollupAdmin: input.rollupAdmin,
      operatorCluster: input.operatorCluster,
      count: input.count,
    });
    if (funding.ok) {
      if (status.funding)
        log.info('creation batch: SSV registrations fundable again, going on', {
          rollupAdmin: input.rollupAdmin,
          heldSince: status.funding.since,
        });
      status.funding = undefined;
      return;
    }
    const at = batch.now();
    const hold: FundingHold = {
      reason: funding.reason ?? 'nexus-ssv-short',
      message: funding.message ?? 'registrations not fundable',
      since: status.funding?.since ?? at,
      lastCheck: at,
      checks: (status.funding?.checks ?? 0) + 1,
    };
    status.funding = hold;
    batch.setPhase('awaiting-funding');
    log.warn('creation batch held before its deposit: its SSV registrations would not go through; nothing deposited', {
      rollupAdmin: input.rollupAdmin,
      reason: hold.reason,
      problem: hold.message,
      totalWei: funding.totalWei,
      nexusTokensWei: funding.nexusTokensWei,
    });
    const resumes = gate.resumes;
    await condition(
      () => gate.resumes > resumes || gate.paused,
      input.fundingRecheckInterval ?? DEFAULT_FUNDING_RECHECK,
    );
    if (gate.paused) batch.flushAttributes();
    await gate.holdAt(safePoint);
  }
}

/**
 * Checks the rollup's DKG operators until every one is healthy. A check that fails for a reason
 * that may pass (an operator down, an RPC error) holds the batch here, with nothing reserved,
 * and says why (status, monitor, WARN log) until the next check: a durable timer with backoff, or
 * at once on a resume signal. A wrong key or version fails the batch (not retryable).
 */
export async function awaitHealthyOperators(batch: CreationBatch): Promise<void> {
  const { input, status, gate } = batch;
  for (let checks = 1; ; checks++) {
    try {
      await checkDkgOperators({ rollupAdmin: input.rollupAdmin, operatorCluster: input.operatorCluster });
    } catch (err) {
      if (err instanceof ActivityFailure && err.retryState === 'NON_RETRYABLE_FAILURE') throw err;
      const waitMs = Math.min(
        DKG_HEALTH_RECHECK.initialMs * 2 ** Math.min(checks - 1, 16),
        DKG_HEALTH_RECHECK.maximumMs,
      );
      const at = batch.now();
      status.operators = {
        problem: describeFailure(err),
        since: status.operators?.since ?? at,
        lastCheck: at,
        checks,
        nextCheck: new Date(Date.now() + waitMs).toISOString(),
      };
      log.warn('DKG creation batch waits for its operators; nothing reserved', {
        rollupAdmin: input.rollupAdmin,
        problem: status.operators.problem,
        checks,
      });
      batch.reportState();
      const resumes = gate.resumes;
      await condition(() => gate.resumes > resumes || gate.paused, waitMs);
      await gate.holdAt('before the ceremony (nothing done yet)');
      continue;
    }
    if (status.operators) {
      log.info('DKG operators healthy again, going on', {
        rollupAdmin: input.rollupAdmin,
        waitingSince: status.operators.since,
        checks,
      });
      status.operators = undefined;
      batch.reportState();
    }
    return;
  }
}
