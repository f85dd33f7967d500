// Creation of one batch of validators for one rollup (a child of the rollup monitor):
//   key material (mnemonic derivation, or a DKG ceremony on reserved SSV nonces)
//   → deposit through Nexus (checked on chain first: never twice, invariant 1)
//   → keyshares registered by the SSV registrar, in owner-nonce order (invariant 4).
// Secrets never enter this workflow: activities return public material only (invariant 3).
// This file is the entry; its parts are in creation/: the batch's memory and messages (batch.ts),
// the two key paths (mnemonic.ts, dkg.ts), the holds before the deposit and the deposit itself.
import { ApplicationFailure } from '@temporalio/workflow';
import { CreationBatch } from './creation/batch';
import { createDkgBatch } from './creation/dkg';
import type { CreateValidatorsInput, CreateValidatorsResult } from './creation/input';
import { createMnemonicBatch } from './creation/mnemonic';
import { createMnemonicRounds } from './creation/rounds';
// Kept importable from here: the monitor and tests name the batch's types with the workflow.
export type { CreateValidatorsInput, CreateValidatorsResult, CreationPhase } from './creation/input';

export async function createValidatorsWorkflow(input: CreateValidatorsInput): Promise<CreateValidatorsResult> {
  if (!Number.isInteger(input.count) || input.count < 1) {
    throw ApplicationFailure.nonRetryable(`count must be a positive integer, got ${input.count}`, 'InvalidInput');
  }
  const { rounds } = input;
  if (rounds !== undefined) checkRounds(input, rounds);
  const batch = new CreationBatch(input);
  try {
    if (input.keyPath === 'dkg') return await createDkgBatch(batch);
    return rounds ? await createMnemonicRounds(batch, rounds) : await createMnemonicBatch(batch);
  } finally {
    await batch.reports.flush();
  }
}

/** Rounds are a mnemonic creation's, started by a monitor that writes fewer events (monitor/events.ts). */
function checkRounds(input: CreateValidatorsInput, rounds: NonNullable<CreateValidatorsInput['rounds']>): void {
  const problem =
    input.keyPath !== 'mnemonic' || input.fewerEvents !== true
      ? 'rounds need keyPath mnemonic and fewerEvents'
      : !Number.isInteger(rounds.size) || rounds.size < 1
        ? `rounds.size must be a positive integer, got ${rounds.size}`
        : typeof rounds.validatorCountAtPlan !== 'string' || !/^\d+$/.test(rounds.validatorCountAtPlan)
          ? `rounds.validatorCountAtPlan must be a decimal string, got ${JSON.stringify(rounds.validatorCountAtPlan)}`
          : undefined;
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidInput');
}
