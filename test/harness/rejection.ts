// The error a promise rejects with; fails the test when it resolves instead.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

/**
 * The failure type an activity reported: an ApplicationFailure's type (activities convert their
 * typed errors at the boundary, activities/typed-failure.ts), else the error's name.
 */
export function failureTypeOf(err: unknown): string | undefined {
  if (err instanceof ApplicationFailure) return err.type ?? undefined;
  return err instanceof Error ? err.name : undefined;
}
