// The failures of a DKG ceremony, each with a stable `type` (the ApplicationFailure type the
// workflows see) and whether retrying can heal it. Messages name the operator and what is wrong;
// none ever holds key material (ceremony output is public, shares are encrypted).
import { isRetryableFailure } from '../../protocol/failure-types';

/** Each is registered in protocol/failure-types.ts (isRetryableFailure would not compile otherwise). */
export type DkgFailureType =
  | 'DkgUnavailable'
  | 'DkgOperatorDown'
  | 'DkgOperatorKeyMismatch'
  | 'DkgVersionMismatch'
  | 'DkgCeremonyTimeout'
  | 'DkgCeremonyFailed'
  | 'DkgInvocationError';

/** Retryability comes from protocol/failure-types.ts by the failure type. */
export abstract class DkgError extends Error {
  abstract readonly type: DkgFailureType;
  get retryable(): boolean {
    return isRetryableFailure(this.type);
  }
}

/** No ssv-dkg binary on this worker (nor NEXUS_BOT_SSV_DKG): DKG rollups are refused. */
export class DkgUnavailableError extends DkgError {
  override readonly name = 'DkgUnavailableError';
  readonly type = 'DkgUnavailable';
}

/** An operator does not answer (connection refused, TLS failure, timeout, non-200): retried with backoff. */
export class DkgOperatorDownError extends DkgError {
  override readonly name = 'DkgOperatorDownError';
  readonly type = 'DkgOperatorDown';
  constructor(
    readonly operatorId: number,
    readonly endpoint: string,
    detail: string,
  ) {
    super(`ssv-dkg operator ${operatorId} at ${endpoint} is down: ${detail}`);
  }
}

/** An operator answers with another key than the chain's for its id (or ssv-dkg says "wrong operator ID"). */
export class DkgOperatorKeyMismatchError extends DkgError {
  override readonly name = 'DkgOperatorKeyMismatchError';
  readonly type = 'DkgOperatorKeyMismatch';
  constructor(
    readonly operatorId: number,
    detail: string,
  ) {
    super(`ssv-dkg operator ${operatorId}: key mismatch: ${detail}`);
  }
}

/** An operator, or the binary itself, runs another ssv-dkg version than the one the bot was built for. */
export class DkgVersionMismatchError extends DkgError {
  override readonly name = 'DkgVersionMismatchError';
  readonly type = 'DkgVersionMismatch';
  constructor(
    readonly who: string,
    readonly found: string,
    readonly expected: string,
  ) {
    super(`${who} runs ssv-dkg ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
  }
}

/** `ssv-dkg init` ran past its deadline (scaled to the batch) and was killed with its process group. */
export class DkgCeremonyTimeoutError extends DkgError {
  override readonly name = 'DkgCeremonyTimeoutError';
  readonly type = 'DkgCeremonyTimeout';
  constructor(
    readonly validators: number,
    readonly timeoutMs: number,
  ) {
    super(
      `ssv-dkg init for ${validators} validator(s) did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`,
    );
  }
}

/** `ssv-dkg init` failed in a way not known to be final (its last FATAL/ERROR line is quoted). */
export class DkgCeremonyFailedError extends DkgError {
  override readonly name = 'DkgCeremonyFailedError';
  readonly type = 'DkgCeremonyFailed';
}

/** The bot called ssv-dkg wrongly (a flag refused, e.g. a non-local path): a bug, never retried. */
export class DkgInvocationError extends DkgError {
  override readonly name = 'DkgInvocationError';
  readonly type = 'DkgInvocationError';
}
