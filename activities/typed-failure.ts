// The activities' one failure convention (issue 16): an error raised by an activity has a `type`
// registered in protocol/failure-types.ts, and its retryability comes from there, never from the
// throwing site. At the activity boundary (atActivityBoundary, applied to every activity by
// createActivities) such an error becomes an ApplicationFailure of that type, final or retryable.
import { ApplicationFailure } from '@temporalio/common';
import { isRetryableFailure, type FailureType } from '../protocol/failure-types';
import { ContractRevertError } from './chain/revert';

/**
 * Base of the typed error classes. A subclass sets `name` to its registered type (a literal, so it
 * survives minification); `type` and `retryable` follow from it.
 */
export abstract class TypedError extends Error {
  declare name: FailureType;
  get type(): FailureType {
    return this.name;
  }
  get retryable(): boolean {
    return isRetryableFailure(this.name);
  }
}

/**
 * The Temporal failure for an error with a string `type` and a boolean `retryable` (the typed errors,
 * and ContractRevertError's `Revert:<name>`): type = error.type, nonRetryable = !retryable;
 * undefined for any other error. Without it Temporal would use error.name as the type.
 */
export function toApplicationFailure(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { type?: unknown; retryable?: unknown };
  if (typeof e.type !== 'string' || typeof e.retryable !== 'boolean') return undefined;
  const details: unknown[] = [];
  if (err instanceof ContractRevertError) {
    details.push({
      revertName: err.revertName,
      selector: err.selector,
      args: err.args,
      retry: err.retry,
      phase: err.phase,
      txHash: err.txHash,
    });
  }
  return ApplicationFailure.create({ message: err.message, type: e.type, nonRetryable: !e.retryable, details });
}

/** Runs `fn`, turning the typed errors it throws into Temporal failures of their type. */
export async function withFailureTypes<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApplicationFailure(err) ?? err;
  }
}

/** A failure of a registered type, for a site with no error class of its own. */
export function failure(type: FailureType, message: string, details?: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: !isRetryableFailure(type), details });
}

const AT_BOUNDARY = Symbol.for('nexus-bot.activity-boundary');

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** Each activity of `activities`, turning the typed errors it throws into Temporal failures of their type. */
export function atActivityBoundary<T extends Record<string, ActivityFunction>>(activities: T): T {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const atBoundary = (...args: never[]) => withFailureTypes(() => fn(...args));
    Object.defineProperty(atBoundary, 'name', { value: name });
    Object.defineProperty(atBoundary, AT_BOUNDARY, { value: true });
    wrapped[name] = atBoundary;
  }
  return wrapped as T;
}

/** Whether `fn` was wrapped by atActivityBoundary (tests check that every activity is). */
export function isAtActivityBoundary(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[AT_BOUNDARY] === true;
}
