// The error a promise rejects with; fails the test when it resolves instead.
import assert from 'node:assert/strict';

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}
