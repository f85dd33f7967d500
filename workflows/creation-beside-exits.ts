// Creation planned while exit batches of the rollup are in flight (issue 15). An exit takes a day
// to weeks on mainnet and cannot be taken back once Nexus is told, so creation does not wait for
// it: the validators whose exit Nexus records count as gone and their ETH as not yet back
// (planning.ts); when the ETH returns the monitor plans again (an ended batch wakes it).
import { proxyActivities } from '@temporalio/workflow';
import type { BotActivities } from '../activities/interface';
import { READ_OPTIONS } from './activity-options';
import { describeFailure } from './failures';
import { planCreation, type BridgeState, type CreationPlan } from './planning';

/**
 * A few quick attempts: an unreadable status (the beacon node down) must not hold the monitor's
 * loop; creation is then planned with the exiting validators counted as staying, which is safe.
 */
const { readExitProgress } = proxyActivities<BotActivities>({
  ...READ_OPTIONS,
  retry: { ...READ_OPTIONS.retry, maximumAttempts: 3 },
});

/** The patch that lets creation start while exit batches are in flight (histories before it created nothing then). */
export const CREATE_DURING_EXITS_PATCH = 'create-during-exits';

/**
 * The creation plan beside the exit batches in flight, whose validators are `inFlight`. `state`
 * must have been read before this is called: a validator accounted since (VALIDATOR_EXITED, gone
 * from validatorCount) is then still counted by `state` and not counted as exiting here, which is
 * the safe side. Counting one as exiting that `state` no longer counts would create too many.
 */
export async function planCreationBesideExits(
  state: BridgeState,
  inFlight: string[],
  maxBatch: number,
): Promise<CreationPlan> {
  const batches = (plan: CreationPlan): CreationPlan => ({
    ...plan,
    reason: `${plan.reason}; exit(s) of ${inFlight.length} validator(s) in flight`,
  });
  // Creation only grows as more count as gone: if none fits with every validator in flight gone,
  // none fits with fewer, and the exit statuses need not be read (the common case: exits run
  // because the rollup is above its limit).
  const most = planCreation({
    ...state,
    pendingDeposits: 0,
    exiting: Math.min(inFlight.length, Number(state.validatorCount)),
    maxBatch,
  });
  if (most.toCreate === 0) return batches(most);
  let exiting = 0;
  let unread = '';
  try {
    // Irrevocable and still in validatorCount: Nexus has the exit, the ETH is not accounted yet.
    // Validators not yet submitted (being broadcast, or rejected) count as staying.
    const progress = await readExitProgress({ pubkeys: inFlight });
    exiting = progress.validators.filter((v) => v.nexusStatus === 'VALIDATOR_EXIT_SUBMITTED').length;
  } catch (err) {
    unread = `; exit statuses unreadable (${describeFailure(err)}), the exiting counted as staying`;
  }
  const plan = planCreation({ ...state, pendingDeposits: 0, exiting, maxBatch });
  return batches({ ...plan, reason: `${plan.reason}${unread}` });
}
