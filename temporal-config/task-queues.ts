// Which task queue each activity runs on (issue 14): the one table both sides read. Workflows
// schedule an activity on its role's queue; a worker polls a role's queue only when it has that
// role (and, for the salt queue, the salt). Pure: the workflow bundle imports it.
import type { BotActivities } from '../activities/interface';

/** A worker's roles: general (workflows, reads, beacon, DKG), writer (the bot key), salt (the mnemonic salt). */
export const WORKER_ROLES = ['general', 'writer', 'salt'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/**
 * Activities that send from the bot key (through the TransactionManager): one chain writer at a
 * time serves their queue. registerMnemonicKeyshares(Batch) also derives keys, so the writer needs the
 * salt as well when mnemonic rollups exist.
 */
export const WRITER_ACTIVITIES = [
  'submitDeposits',
  'registerMnemonicKeyshares',
  'registerDkgKeyshares',
  'registerMnemonicKeysharesBatch',
  'registerDkgKeysharesBatch',
  'topUpCluster',
  'submitValidatorExit',
  'notifyExitBalanceTransferred',
] as const satisfies readonly (keyof BotActivities)[];

/** Activities that read the mnemonic (so need the salt in memory), and send nothing. */
export const SALT_ACTIVITIES = [
  'allocateKeyIndices',
  'prepareMnemonicValidators',
  'allocateAndPrepareMnemonicValidators',
  'broadcastMnemonicExits',
] as const satisfies readonly (keyof BotActivities)[];

/** The role whose queue runs this activity (everything not listed: general). */
export function activityRole(activityName: string): WorkerRole {
  if ((WRITER_ACTIVITIES as readonly string[]).includes(activityName)) return 'writer';
  if ((SALT_ACTIVITIES as readonly string[]).includes(activityName)) return 'salt';
  return 'general';
}

/**
 * A role's task queue, named after the general one (the workflows' queue): deployments or tests
 * that share a Temporal server on different queues keep their writers apart too.
 */
export function roleTaskQueue(generalQueue: string, role: WorkerRole): string {
  return role === 'general' ? generalQueue : `${generalQueue}-${role === 'writer' ? 'chain-writer' : 'salt'}`;
}
