// The failures of the key activities. Each class's `name` is its failure type, registered with its
// retryability in protocol/failure-types.ts. No message here ever contains a mnemonic, salt or secret key.
import { TypedError } from '../typed-failure';

/** Base class: subclasses set `name` to a literal that survives minification and subclassing. */
export abstract class KeyError extends TypedError {}

/** The mnemonic is not a valid BIP-39 English mnemonic (the words are never repeated here). */
export class InvalidMnemonicError extends KeyError {
  override readonly name = 'InvalidMnemonicError';
}

/** Deposit data failed verification; `problems` names each thing that is wrong. */
export class DepositDataInvalidError extends KeyError {
  override readonly name = 'DepositDataInvalidError';
  constructor(
    readonly pubkey: string,
    readonly problems: readonly DepositDataProblem[],
  ) {
    super(`deposit data for ${pubkey || '(no pubkey)'} is invalid: ${problems.map((p) => p.message).join('; ')}`);
  }
  /** The problem codes, for callers and tests that branch on them. */
  get codes(): DepositDataProblemCode[] {
    return this.problems.map((p) => p.code);
  }
}

export type DepositDataProblemCode =
  | 'malformed'
  | 'withdrawal_credentials_mismatch'
  | 'amount_mismatch'
  | 'fork_version_mismatch'
  | 'deposit_message_root_mismatch'
  | 'deposit_data_root_mismatch'
  | 'pubkey_invalid'
  | 'signature_invalid';

export interface DepositDataProblem {
  code: DepositDataProblemCode;
  message: string;
}

/** The salt does not open the rollup's mnemonic keystore (EIP-2335 checksum failed). */
export class WrongSaltError extends KeyError {
  override readonly name = 'WrongSaltError';
}

/**
 * The worker holds no salt yet (started without it, or locked again): retryable, so that a step
 * that needs the salt outside the salt task queue (the chain writer's mnemonic keyshares) waits
 * in Temporal's retries until an operator runs `nexus-bot unlock`.
 */
export class SaltLockedError extends KeyError {
  override readonly name = 'SaltLocked';
}

/** No mnemonic secret exists for the rollup (Secrets Manager answered ResourceNotFound). */
export class MnemonicSecretMissingError extends KeyError {
  override readonly name = 'MnemonicSecretMissingError';
}

/** The secret exists but is not an EIP-2335 keystore holding a valid mnemonic. */
export class MnemonicSecretCorruptError extends KeyError {
  override readonly name = 'MnemonicSecretCorruptError';
}

/** createMnemonic found a secret already there: a rollup's mnemonic is never replaced. */
export class MnemonicAlreadyExistsError extends KeyError {
  override readonly name = 'MnemonicAlreadyExistsError';
}

/** The index state file cannot be read or parsed, or breaks its own invariants. Never reset. */
export class IndexStateCorruptError extends KeyError {
  override readonly name = 'IndexStateCorruptError';
}

/**
 * A rollup has keys deposited at Nexus but no index state file: starting again at index 0 could
 * hand out an index whose key is already deposited. Fixed by `nexus-bot mnemonic rebuild` (or a
 * restored backup), never by retrying.
 */
export class IndexStateMissingError extends KeyError {
  override readonly name = 'IndexStateMissingError';
}

/** `nexus-bot mnemonic rebuild` would change an existing state file and --force was not given. */
export class IndexStateExistsError extends KeyError {
  override readonly name = 'IndexStateExistsError';
}

/** The same requestId was used before with a different count. */
export class IndexRequestConflictError extends KeyError {
  override readonly name = 'IndexRequestConflictError';
}

/** The index state lock stayed held by a live process for too long (retryable). */
export class IndexStateLockTimeoutError extends KeyError {
  override readonly name = 'IndexStateLockTimeoutError';
}

/**
 * A pubkey the rollup's index state does not derive to: not one of this rollup's mnemonic keys
 * (another rollup's, a DKG key, or an index state that lost an allocation).
 */
export class UnknownValidatorKeyError extends KeyError {
  override readonly name = 'UnknownValidatorKeyError';
}

/**
 * A voluntary exit cannot be signed as asked: a bad validator index, epoch or genesis validators
 * root, a fork schedule that lacks the fork the domain needs, or a secret key that is not one.
 */
export class VoluntaryExitSigningError extends KeyError {
  override readonly name = 'VoluntaryExitSigningError';
}
