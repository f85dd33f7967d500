// Every failure type the bot's activities raise, and whether retrying can heal it: the one list
// (issue 16: one failure convention). Error classes type their `name`/`type` as a FailureType, so
// a type missing here does not compile; `type` and `retryable` are read from here at the activity
// boundary (activities/typed-failure.ts), and the workflows' retry policies list the final ones
// (workflows/activity-options.ts). Pure data: workflows import it too.
import { NON_RETRYABLE_REVERT_TYPES } from './revert-classification';

/** Retrying the same activity may succeed (an outage, a lagging node, a missing salt or fund). */
const RETRY = true;
/** Retrying cannot heal it: an operator must act (configuration, data, a refused or spoiled key). */
const FINAL = false;

export const FAILURE_TYPES = {
  // Chain reads (activities/chain/read-errors.ts, owner-nonce-floor.ts, registration-position.ts)
  ChainReadError: RETRY,
  RpcUnavailableError: RETRY,
  ContractCallRevertedError: RETRY,
  ChainIdMismatchError: FINAL,
  InvalidReadArgumentError: FINAL,
  InvalidChainDataError: FINAL,
  RollupNotRegisteredError: FINAL,
  ClusterNotFoundError: FINAL,
  NexusVersionMismatchError: FINAL,
  InvalidOperatorDataError: FINAL,
  EmptyRevertCallError: FINAL,
  UnsupportedBridgeError: FINAL,
  OperatorKeyMismatchError: FINAL,
  ValidatorNotInSsvError: FINAL,
  RegistrationNotFoundError: RETRY,
  OwnerNonceBehindError: RETRY,
  OwnerNonceBackendBehindError: RETRY,
  SigningNetworkMismatchError: FINAL,
  // Transactions (activities/chain/tx-errors.ts, tx-journal-file.ts); reverts are `Revert:<name>`, below
  FeeCeilingExceeded: RETRY,
  TransactionPending: RETRY,
  TransactionRejected: RETRY,
  InsufficientFunds: RETRY,
  WriterFenced: RETRY,
  TransactionDropped: FINAL,
  IdempotencyConflict: FINAL,
  DryRunRefusal: FINAL,
  CorruptTxJournal: RETRY,
  // Key material (activities/keys/*)
  SaltLocked: RETRY,
  IndexStateLockTimeoutError: RETRY,
  IndexStateExistsError: FINAL,
  IndexTableError: FINAL,
  InvalidMnemonicError: FINAL,
  DepositDataInvalidError: FINAL,
  WrongSaltError: FINAL,
  MnemonicSecretMissingError: FINAL,
  MnemonicSecretCorruptError: FINAL,
  MnemonicAlreadyExistsError: FINAL,
  IndexStateCorruptError: FINAL,
  IndexStateMissingError: FINAL,
  IndexRequestConflictError: FINAL,
  MalformedOperatorKeyError: FINAL,
  UnknownValidatorKeyError: FINAL,
  KeysharesInvalidError: FINAL,
  KeysharesBuildError: FINAL,
  DkgOutputInvalidError: FINAL,
  VoluntaryExitSigningError: FINAL,
  // Beacon API (activities/beacon/errors.ts)
  BeaconUnavailableError: RETRY,
  BeaconNetworkMismatchError: FINAL,
  VoluntaryExitRejectedError: FINAL,
  InvalidBeaconArgumentError: FINAL,
  // DKG ceremonies (activities/dkg/errors.ts): an operator down or a ceremony that failed or timed out may work next time
  DkgOperatorDown: RETRY,
  DkgCeremonyTimeout: RETRY,
  DkgCeremonyFailed: RETRY,
  DkgUnavailable: FINAL,
  DkgOperatorKeyMismatch: FINAL,
  DkgVersionMismatch: FINAL,
  DkgInvocationError: FINAL,
  // Creation (activities/creation-activities.ts and its parts, funding/, guard/; PlanningInputError from workflows/planning.ts)
  RegistrationUnfunded: RETRY,
  StaleKeyshares: FINAL,
  KeyNotDeposited: FINAL,
  DepositBatchConflict: FINAL,
  PlanningInputError: FINAL,
  MnemonicPathDisabled: FINAL,
  KeyIndexMismatch: FINAL,
  ClusterLiquidated: FINAL,
  RegistrationUnfundable: FINAL,
  DepositGuardHeld: FINAL,
  SsvViewsNotConfigured: FINAL,
  // Exits (activities/exits.ts, exit-submit.ts)
  ValidatorNotExitable: FINAL,
  ExitRejected: FINAL,
  BeaconNotConfigured: FINAL,
  DkgExitUnsupported: FINAL,
  InvalidInput: FINAL,
} as const satisfies Record<string, boolean>;

export type FailureType = keyof typeof FAILURE_TYPES;

/** Whether retrying can heal a failure of this type; a `Revert:<name>` type by its revert's classification. */
export function isRetryableFailure(type: FailureType | `Revert:${string}`): boolean {
  if (type.startsWith('Revert:')) return !NON_RETRYABLE_REVERT_TYPES.includes(type);
  return FAILURE_TYPES[type as FailureType];
}

/** The types retry policies stop at (nonRetryableErrorTypes): the final ones and the reverts that stay. */
export const NON_RETRYABLE_TYPES: readonly string[] = [
  ...Object.entries(FAILURE_TYPES)
    .filter(([, retryable]) => !retryable)
    .map(([type]) => type),
  ...NON_RETRYABLE_REVERT_TYPES,
];
