// The workflows' list of non-retryable failure types must cover every type the activity modules
// declare non-retryable, or a failure that cannot heal would be retried for hours.
import assert from 'node:assert/strict';
import {
  BeaconNetworkMismatchError, BeaconUnavailableError, InvalidBeaconArgumentError, NON_RETRYABLE_BEACON_ERRORS, VoluntaryExitRejectedError,
} from '../../activities/beacon/errors';
import { NON_RETRYABLE_CHAIN_READ_ERRORS } from '../../activities/chain/read-errors';
import { NON_RETRYABLE_REVERT_TYPES } from '../../activities/chain/revert';
import { IdempotencyConflictError, TransactionDroppedError } from '../../activities/chain/tx-manager';
import { NON_RETRYABLE_DKG_ERRORS } from '../../activities/dkg/errors';
import { DkgOutputInvalidError } from '../../activities/keys/dkg-output';
import { NON_RETRYABLE_KEY_ERRORS, VoluntaryExitSigningError } from '../../activities/keys/errors';
import { KeysharesBuildError } from '../../activities/keys/keyshares';
import { KeysharesInvalidError } from '../../activities/keys/keyshares-verify';
import { MalformedOperatorKeyError } from '../../activities/keys/operator-keys';
import { NON_RETRYABLE_TYPES } from '../../workflows/failure-types';

describe('non-retryable failure types', () => {
  it('cover the reverts, chain reads, transactions, key material and beacon errors the activities raise', () => {
    const declared = [
      ...NON_RETRYABLE_REVERT_TYPES, ...NON_RETRYABLE_CHAIN_READ_ERRORS, ...NON_RETRYABLE_KEY_ERRORS, ...NON_RETRYABLE_BEACON_ERRORS, ...NON_RETRYABLE_DKG_ERRORS,
      new IdempotencyConflictError('key', 'what').type, new TransactionDroppedError('key', 0, [], 'why').type,
      ...[MalformedOperatorKeyError, KeysharesInvalidError, KeysharesBuildError, DkgOutputInvalidError].map((cls) => cls.name),
    ];
    const missing = declared.filter((type) => !NON_RETRYABLE_TYPES.includes(type));
    assert.deepEqual(missing, []);
  });

  it('the beacon list names its error classes by the names they raise, and leaves unavailability retryable', () => {
    const raised = [
      new BeaconNetworkMismatchError('beacon#1 http://a:1', 'genesis fork version', '0x00000000', '0x00000001', 'configuration'),
      new VoluntaryExitRejectedError('beacon#1 http://a:1', 1, 2, 500, 'VOLUNTARY_EXIT_ERROR_INVALID'),
      new InvalidBeaconArgumentError('bad'),
    ].map((e) => e.name);
    assert.deepEqual(raised, [...NON_RETRYABLE_BEACON_ERRORS]);
    assert.ok((NON_RETRYABLE_KEY_ERRORS as readonly string[]).includes(new VoluntaryExitSigningError('x').name));
    const unavailable = new BeaconUnavailableError('read', []).name;
    assert.ok(!NON_RETRYABLE_TYPES.includes(unavailable));
  });
});
