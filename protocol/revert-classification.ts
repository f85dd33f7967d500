// How each revert a bot transaction can meet is handled: whether retrying can heal it, and what
// it means. Pure data, read by the chain layer (activities/chain/revert.ts) and by the one list of
// failure types (failure-types.ts) that the workflows' retry policies use.
/**
 * Whether retrying the same transaction can succeed.
 * - `never`: the same call reverts again until something outside the bot changes (configuration,
 *   planning, an operator's action); the activity must fail without retry and the workflow decide.
 * - `after-refresh`: retry only after re-reading the input the contract checks (IncorrectClusterState:
 *   the SSV cluster snapshot must be read again from the latest event for (owner, operatorIds)).
 *   An activity that reads the snapshot at the start of every attempt may be retried as is.
 * - `later`: the condition is expected to become true with time (ValidatorNotExited: the exited
 *   validator's 32 ETH has not reached the bridge yet); retry with backoff.
 */
export type RevertRetry = 'never' | 'after-refresh' | 'later';

export interface RevertClassification {
  retry: RevertRetry;
  /** What the revert means for the bot and what to do about it. */
  meaning: string;
}

/** Every revert a bot transaction can meet, with its meaning. Unknown names default to `never`. */
export const REVERT_CLASSIFICATION: Readonly<Record<string, RevertClassification>> = {
  // Nexus
  NotNexusBot: {
    retry: 'never',
    meaning: 'the sender is not Nexus.offChainBot: wrong bot key configured, or the owner changed the bot',
  },
  IncorrectValidatorStatus: {
    retry: 'never',
    meaning:
      'the key is not in the state the call expects (e.g. already deposited): read Nexus.validators(pubkey); the step may already be done',
  },
  IncorrectStakingLimit: { retry: 'never', meaning: 'staking limit above 10000 basis points' },
  InvalidKeySupplied: { retry: 'never', meaning: 'the key belongs to another rollup' },
  // NodeOperator
  ClusterNotPresent: { retry: 'never', meaning: "the rollup's NodeOperator cluster id does not exist" },
  // Bridge
  StakingLimitExceeding: {
    retry: 'never',
    meaning:
      "the deposit would put the rollup above its staking limit: planning must recompute from the bridge's current state",
  },
  IncorrectWithdrawalCredentials: {
    retry: 'never',
    meaning: "deposit data withdraws to another address than the rollup's bridge: rebuild it",
  },
  ValidatorNotExited: {
    retry: 'later',
    meaning: "the bridge's rewards are below 32 ETH: the exited validator's balance has not arrived yet; retry later",
  },
  NotNexus: { retry: 'never', meaning: 'the bridge was called by another contract than Nexus' },
  // SSVNetwork
  IncorrectClusterState: {
    retry: 'after-refresh',
    meaning:
      'the cluster snapshot passed is not the latest: re-read it from the latest SSV event for (Nexus, operatorIds), then retry',
  },
  InvalidOperatorIdsLength: { retry: 'never', meaning: 'the cluster has not 4, 7, 10 or 13 operators' },
  UnsortedOperatorsList: { retry: 'never', meaning: 'operator ids are not strictly ascending' },
  OperatorDoesNotExist: { retry: 'never', meaning: 'an operator id is not registered in SSVNetwork' },
  InvalidPublicKeyLength: { retry: 'never', meaning: 'the validator public key is not 48 bytes' },
  ValidatorAlreadyExistsWithData: {
    retry: 'never',
    meaning: 'the key is already registered in SSV for Nexus: check state, the registration may already be done',
  },
  IncorrectValidatorStateWithData: {
    retry: 'never',
    meaning: 'SSV has the key under another cluster (the rollup changed cluster)',
  },
  ValidatorDoesNotExist: { retry: 'never', meaning: 'SSV does not know the key' },
  ClusterIsLiquidated: { retry: 'never', meaning: 'the SSV cluster is liquidated: an operator must reactivate it' },
  InsufficientBalance: {
    retry: 'never',
    meaning: 'not enough SSV tokens (Nexus) or ETH (bridge): an operator must fund it',
  },
  // Built-ins and the undecodable
  Error: { retry: 'never', meaning: 'a require/revert with a message (see the reason)' },
  Panic: { retry: 'never', meaning: 'a failed assert, overflow or similar contract bug' },
  EmptyRevert: {
    retry: 'never',
    meaning:
      'a revert without data: the public Nexus reverts so for an unknown rollup admin (it calls address(0)); a contract lacking the function does too',
  },
  UnknownCustomError: { retry: 'never', meaning: 'a custom error missing from abi.ts: add it' },
  OutOfGas: { retry: 'never', meaning: 'the mined transaction used all its gas; a new estimate is needed' },
  UnknownRevert: { retry: 'never', meaning: 'the mined transaction reverted and replaying it gave no reason' },
};

export function classifyRevert(name: string): RevertClassification {
  return REVERT_CLASSIFICATION[name] ?? { retry: 'never', meaning: `unclassified revert ${name}` };
}

/**
 * Whether an activity that hit this revert may be retried (with backoff). True for `later` and
 * `after-refresh` (the retried attempt must re-read the snapshot first), false for `never`.
 */
export function isRetryableRevert(name: string): boolean {
  return classifyRevert(name).retry !== 'never';
}

/** The stable failure type of a revert: `Revert:<ErrorName>`. */
export function revertFailureType(name: string): string {
  return `Revert:${name}`;
}

/** Failure types of every non-retryable revert, for RetryPolicy.nonRetryableErrorTypes. */
export const NON_RETRYABLE_REVERT_TYPES: readonly string[] = Object.entries(REVERT_CLASSIFICATION)
  .filter(([, c]) => c.retry === 'never')
  .map(([name]) => revertFailureType(name));
