// Failure types that retrying cannot fix, named as the activities raise them (workflow code may
// not import the activity modules that define them; test/unit/failure-types.test.ts checks that
// this list covers each module's own list).
export const NON_RETRYABLE_TYPES: readonly string[] = [
  // Contract reverts that stay the same on retry (activities/chain/revert.ts)
  'Revert:NotNexusBot', 'Revert:IncorrectValidatorStatus', 'Revert:IncorrectStakingLimit',
  'Revert:InvalidKeySupplied', 'Revert:ClusterNotPresent', 'Revert:StakingLimitExceeding', 'Revert:IncorrectWithdrawalCredentials',
  'Revert:NotNexus', 'Revert:InvalidOperatorIdsLength', 'Revert:UnsortedOperatorsList', 'Revert:OperatorDoesNotExist',
  'Revert:InvalidPublicKeyLength', 'Revert:ValidatorAlreadyExistsWithData', 'Revert:IncorrectValidatorStateWithData',
  'Revert:ValidatorDoesNotExist', 'Revert:ClusterIsLiquidated', 'Revert:InsufficientBalance', 'Revert:Error', 'Revert:Panic',
  'Revert:EmptyRevert', 'Revert:UnknownCustomError', 'Revert:OutOfGas', 'Revert:UnknownRevert',
  // Transactions (activities/chain/tx-manager.ts)
  'TransactionDropped', 'IdempotencyConflict', 'DryRunRefusal',
  // Chain reads (activities/chain/read-errors.ts)
  'ChainIdMismatchError', 'InvalidReadArgumentError', 'InvalidChainDataError', 'RollupNotRegisteredError',
  'ClusterNotFoundError', 'InvalidOperatorDataError', 'ValidatorNotInSsvError', 'EmptyRevertCallError', 'UnsupportedBridgeError',
  'OperatorKeyMismatchError', 'NexusVersionMismatchError',
  // Key material (activities/keys/*)
  'InvalidMnemonicError', 'DepositDataInvalidError', 'WrongSaltError', 'MnemonicSecretMissingError',
  'MnemonicSecretCorruptError', 'MnemonicAlreadyExistsError', 'IndexStateCorruptError', 'IndexStateMissingError', 'IndexRequestConflictError',
  'MalformedOperatorKeyError', 'UnknownValidatorKeyError', 'KeysharesInvalidError', 'KeysharesBuildError', 'DkgOutputInvalidError',
  'VoluntaryExitSigningError',
  // Beacon API (activities/beacon/errors.ts); BeaconUnavailableError stays retryable
  'BeaconNetworkMismatchError', 'VoluntaryExitRejectedError', 'InvalidBeaconArgumentError',
  // Creation activities
  'StaleKeyshares', 'KeyNotDeposited', 'DepositBatchConflict', 'PlanningInputError',
  // DKG ceremonies (activities/dkg/errors.ts); operator down, timeout and unknown failures stay retryable
  'DkgUnavailable', 'DkgOperatorKeyMismatch', 'DkgVersionMismatch', 'DkgInvocationError',
  // Pre-deposit checks (activities/funding/); RegistrationUnfunded stays retryable
  'SigningNetworkMismatchError', 'SsvViewsNotConfigured', 'ClusterLiquidated', 'RegistrationUnfundable', 'DepositGuardHeld',
  // Exit activities
  'ValidatorNotExitable', 'ExitRejected', 'BeaconNotConfigured', 'KeyIndexMismatch', 'MnemonicPathDisabled', 'DkgExitUnsupported',
];
