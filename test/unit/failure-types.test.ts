// One failure convention (issue 16): the failure types and their retryability live in one list
// (protocol/failure-types.ts); error classes take their type from their name and their
// retryability from the list; every activity converts them at its boundary; the workflows' retry
// policies stop at exactly the final ones.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import {
  BeaconUnavailableError,
  InvalidBeaconArgumentError,
  VoluntaryExitRejectedError,
} from '../../activities/beacon/errors';
import { ChainIdMismatchError, RpcUnavailableError } from '../../activities/chain/read-errors';
import { REVERT_CLASSIFICATION } from '../../activities/chain/revert';
import {
  FeeCeilingExceededError,
  IdempotencyConflictError,
  InsufficientFundsError,
  TransactionDroppedError,
} from '../../activities/chain/tx-errors';
import { DkgCeremonyTimeoutError, DkgInvocationError } from '../../activities/dkg/errors';
import { DkgWorkspaceInputError } from '../../activities/dkg/workspace';
import { IndexStateLockTimeoutError, SaltLockedError, WrongSaltError } from '../../activities/keys/errors';
import { KeysharesInvalidError } from '../../activities/keys/keyshares-verify';
import { atActivityBoundary, failure, isAtActivityBoundary } from '../../activities/typed-failure';
import { FAILURE_TYPES, NON_RETRYABLE_TYPES, isRetryableFailure } from '../../protocol/failure-types';
import { KEY_MATERIAL_OPTIONS, READ_OPTIONS, TRANSACTION_OPTIONS } from '../../workflows/activity-options';

/** What an activity that throws `err` reports to Temporal. */
async function reported(err: unknown): Promise<unknown> {
  const { act } = atActivityBoundary({
    act: async () => {
      throw err;
    },
  });
  return act().then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('one failure convention', () => {
  it('an error class takes its type from its name and its retryability from the one list', () => {
    const cases: [Error & { type: string; retryable: boolean }, string, boolean][] = [
      [new WrongSaltError('wrong salt'), 'WrongSaltError', false],
      [new SaltLockedError('locked'), 'SaltLocked', true],
      [new IndexStateLockTimeoutError('busy'), 'IndexStateLockTimeoutError', true],
      [new BeaconUnavailableError('read', []), 'BeaconUnavailableError', true],
      [new InvalidBeaconArgumentError('bad'), 'InvalidBeaconArgumentError', false],
      [new VoluntaryExitRejectedError('beacon#1 http://a:1', 1, 2, 400, 'bad'), 'VoluntaryExitRejectedError', false],
      [new ChainIdMismatchError('rpc#1', 1n, 2n), 'ChainIdMismatchError', false],
      [new RpcUnavailableError('down'), 'RpcUnavailableError', true],
      [new FeeCeilingExceededError('send', 2n, 1n), 'FeeCeilingExceeded', true],
      [new TransactionDroppedError('key', 0, [], 'why'), 'TransactionDropped', false],
      [new IdempotencyConflictError('key', 'what'), 'IdempotencyConflict', false],
      [new InsufficientFundsError('send', 1, 'no funds'), 'InsufficientFunds', true],
      [new DkgCeremonyTimeoutError(1, 1000), 'DkgCeremonyTimeout', true],
      [new DkgInvocationError('bad flag'), 'DkgInvocationError', false],
      [new DkgWorkspaceInputError('bad path'), 'DkgInvocationError', false],
      [new KeysharesInvalidError('signature', 'bad share'), 'KeysharesInvalidError', false],
    ];
    for (const [err, type, retryable] of cases) {
      assert.equal(err.type, type, err.constructor.name);
      assert.equal(err.retryable, retryable, `${type} retryable`);
      assert.equal(
        err.retryable,
        isRetryableFailure(type as keyof typeof FAILURE_TYPES),
        `${type} agrees with the list`,
      );
    }
  });

  it('the retry policies stop at exactly the final types and the reverts that stay', () => {
    const finals = Object.entries(FAILURE_TYPES)
      .filter(([, retryable]) => !retryable)
      .map(([type]) => type);
    const stayingReverts = Object.entries(REVERT_CLASSIFICATION)
      .filter(([, c]) => c.retry === 'never')
      .map(([name]) => `Revert:${name}`);
    assert.deepEqual([...NON_RETRYABLE_TYPES].sort(), [...finals, ...stayingReverts].sort());
    for (const options of [READ_OPTIONS, KEY_MATERIAL_OPTIONS, TRANSACTION_OPTIONS]) {
      assert.deepEqual(options.retry?.nonRetryableErrorTypes, [...NON_RETRYABLE_TYPES]);
    }
    assert.ok(!NON_RETRYABLE_TYPES.includes('Revert:IncorrectClusterState'), 'a stale snapshot heals after a re-read');
    assert.ok(!NON_RETRYABLE_TYPES.includes('BeaconUnavailableError'));
  });

  it('at the activity boundary a typed error becomes a failure of its type, final or retryable; other errors pass as they are', async () => {
    const wrongSalt = await reported(new WrongSaltError('wrong salt'));
    assert.ok(wrongSalt instanceof ApplicationFailure);
    assert.deepEqual(
      [wrongSalt.type, wrongSalt.nonRetryable, wrongSalt.message],
      ['WrongSaltError', true, 'wrong salt'],
    );
    const timeout = await reported(new DkgCeremonyTimeoutError(1, 1000));
    assert.ok(timeout instanceof ApplicationFailure);
    assert.deepEqual([timeout.type, timeout.nonRetryable], ['DkgCeremonyTimeout', false]);
    const plain = new Error('a provider hiccup');
    assert.equal(await reported(plain), plain);
    const registered = failure('KeyNotDeposited', 'not deposited');
    assert.deepEqual([registered.type, registered.nonRetryable], ['KeyNotDeposited', true]);
    assert.equal(failure('RegistrationUnfunded', 'later').nonRetryable, false);
  });

  it('every activity the worker registers is wrapped at the boundary', async () => {
    const activities = createActivities({ workerName: 'test' });
    const names = Object.keys(activities);
    assert.ok(names.length >= 10, `only ${names.length} activities`);
    assert.deepEqual(
      names.filter((n) => !isAtActivityBoundary((activities as Record<string, unknown>)[n])),
      [],
    );
    const refused = await (activities.runDkgCeremony as () => Promise<unknown>)().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof ApplicationFailure);
    assert.deepEqual([refused.type, refused.nonRetryable], ['DkgUnavailable', true]);
  });
});
