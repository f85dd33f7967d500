// A mnemonic creation in rounds (issue 15 item 3). A plan larger than one batch runs in one child
// workflow, in rounds of at most the monitor's maxBatch, instead of one child per batch; each
// child per batch cost about 60 history events (itself, the monitor, the registrar).
// - Each round allocates and derives its keys where the salt is, passes the pre-deposit guard
//   and deposits them in one transaction of at most maxBatch deposits, as a batch did.
// - Before each round after the first the rollup is read and the plan made again, with this
//   run's deposits not yet seen on chain counted as pending: a lowered limit or a drained bridge
//   stops the run where it would have stopped the next batch. A pause stops it there too.
// - The keyshares of every deposited key are then registered by one registrar request: deposited
//   keys are never left without their registration, whatever stopped the run.
import { isCancellation, log, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import type { HeldKey } from '../../activities/guard/types';
import type { MnemonicValidator } from '../../activities/types';
import { ValidatorPubkeysAttribute, pubkeySearchKey } from '../../temporal-config/search-attributes';
import { KEY_MATERIAL_OPTIONS, LOCAL_READ_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import { bridgeStateOf, planCreation } from '../planning';
import { proxyRoleActivities } from '../role-activities';
import type { CreationBatch } from './batch';
import { deposit, guard } from './deposit';
import { awaitFundableRegistrations } from './holds';
import type { CreateValidatorsInput, CreateValidatorsResult } from './input';
import { registerDeposited } from './mnemonic';

const { allocateAndPrepareMnemonicValidators } = proxyRoleActivities<BotActivities>('salt', KEY_MATERIAL_OPTIONS);
/** The read before each later round: a local activity, one marker in the workflow task that runs the round. */
const { readRollup } = proxyLocalActivities<BotActivities>(LOCAL_READ_OPTIONS);

export type CreationRounds = NonNullable<CreateValidatorsInput['rounds']>;

/** Index allocation and the deposit transaction are keyed by it: a retried round finds its own work. */
export function roundRequestId(requestId: string, round: number): string {
  return `${requestId}/round-${round}`;
}

export async function createMnemonicRounds(
  batch: CreationBatch,
  rounds: CreationRounds,
): Promise<CreateValidatorsResult> {
  const { input, status, gate } = batch;
  const progress = { done: 0, deposited: 0, size: rounds.size };
  status.rounds = progress;
  await gate.holdAt('before key-index allocation (nothing done yet)');
  const deposited: MnemonicValidator[] = [];
  const held: HeldKey[] = [];
  let allocated = 0;
  let stoppedEarly: string | undefined;
  for (let round = 1; allocated < input.count; round++) {
    let size = Math.min(rounds.size, input.count - allocated);
    if (round > 1) {
      // Deposited keys wait for their registration: a pause ends the run here, it does not hold it.
      if (gate.paused) {
        stoppedEarly = `paused after round ${round - 1} (${gate.pauseReason ?? 'no reason given'})`;
        break;
      }
      const plan = await replan(batch, rounds, size, deposited.length);
      if (plan.toCreate === 0) {
        stoppedEarly = `before round ${round}: ${plan.reason}`;
        break;
      }
      size = plan.toCreate;
    }
    try {
      const outcome = await runRound(batch, round, size);
      allocated += size;
      deposited.push(...outcome.deposited);
      held.push(...outcome.held);
    } catch (err) {
      // Nothing of this run is on chain yet: the batch fails as a single batch would. A cancelled
      // creation ends at once; the monitor's reconciliation registers what it deposited.
      if (deposited.length === 0 || isCancellation(err)) throw err;
      stoppedEarly = `round ${round} failed: ${describeFailure(err)}`;
      break;
    }
    progress.done = round;
    progress.deposited = deposited.length;
    // As a batch would end: the monitor looks again before more keys are spent on a held check.
    if (held.length > 0 && allocated < input.count) {
      stoppedEarly = `the pre-deposit guard held ${held.length} key(s) in round ${round}`;
      break;
    }
  }
  if (stoppedEarly) {
    log.warn('creation in rounds stopped early; the keys deposited so far are registered', {
      rollupAdmin: input.rollupAdmin,
      planned: input.count,
      deposited: deposited.length,
      why: stoppedEarly,
    });
  }
  // The status shows the held keys of every round, not only the last round's.
  if (held.length > 0 && status.guard) status.guard = { ...status.guard, held };
  const extras = { ...(held.length > 0 ? { held } : {}), ...(stoppedEarly ? { stoppedEarly } : {}) };
  if (deposited.length === 0) {
    batch.setPhase('done');
    return { deposited: [], registered: [], unregistered: [], ...extras };
  }
  return { ...(await registerDeposited(batch, deposited)), ...extras };
}

/** One round: its keys made, held at the first round's safe points, guarded and deposited. */
async function runRound(
  batch: CreationBatch,
  round: number,
  count: number,
): Promise<{ deposited: MnemonicValidator[]; held: HeldKey[] }> {
  const { input, status, gate } = batch;
  status.phase = 'allocating';
  const validators = await allocateAndPrepareMnemonicValidators({
    rollupAdmin: input.rollupAdmin,
    bridge: input.bridge,
    operatorCluster: input.operatorCluster,
    requestId: roundRequestId(batch.requestId, round),
    count,
  });
  status.phase = 'key-material';
  status.pubkeys.push(...validators.map((v) => v.deposit.pubkey));
  const pubkeys = { key: ValidatorPubkeysAttribute, value: status.pubkeys.map(pubkeySearchKey) };
  if (round === 1) {
    // Nothing on chain yet: the first round holds where a batch holds, and its funding check covers the run.
    batch.pendingAttributes.push(pubkeys);
    if (gate.paused) batch.flushAttributes();
    await gate.holdAt('before the deposit (keys made, nothing on chain)');
    await awaitFundableRegistrations(batch, 'before the deposit (keys made, nothing on chain)');
    batch.setPhase('depositing');
    gate.finishing('deposits and keyshare registration: deposited keys must get their keyshares');
  } else {
    status.phase = 'depositing';
    upsertSearchAttributes([pubkeys]);
  }
  const passed = await guard(
    batch,
    validators.map((v) => v.deposit),
  );
  const roundHeld = status.guard?.held ?? [];
  const depositing = validators.filter((v) => passed.has(v.deposit.pubkey));
  if (depositing.length > 0) {
    await deposit(
      batch,
      depositing.map((v) => v.deposit),
      roundRequestId(batch.requestId, round),
    );
  }
  return { deposited: depositing, held: roundHeld };
}

/** The plan again from a fresh read: at most `size`, with this run's deposits the chain does not show yet pending. */
async function replan(batch: CreationBatch, rounds: CreationRounds, size: number, depositedSoFar: number) {
  const snapshot = await readRollup({ rollupAdmin: batch.input.rollupAdmin });
  if (snapshot.dryRun) return { toCreate: 0, reason: 'the worker is in dry-run mode now' };
  const seen = Number(BigInt(snapshot.validatorCount) - BigInt(rounds.validatorCountAtPlan));
  const pendingDeposits = Math.max(0, depositedSoFar - seen);
  return planCreation({ ...bridgeStateOf(snapshot), pendingDeposits, maxBatch: size });
}
