// ssv-dkg's failure output → the named failures, fed the real v3.1.0 lines verbatim (fixtures cli/).
import assert from 'node:assert/strict';
import { classifyInitFailure, MAX_QUOTE } from '../../../activities/dkg/failure-lines';
import {
  DkgCeremonyFailedError,
  DkgInvocationError,
  DkgOperatorDownError,
  DkgOperatorKeyMismatchError,
  DkgVersionMismatchError,
} from '../../../activities/dkg/errors';
import { cliFixture, fixtureOperators } from './fixtures';

const operators = fixtureOperators().map((o) => ({ id: o.id, dkgEndpoint: o.ip }));

describe('dkg failure lines', () => {
  it('operator 4 down → DkgOperatorDownError(4, its endpoint)', () => {
    const err = classifyInitFailure(cliFixture('init-operator-4-down.txt'), { operators });
    assert.ok(err instanceof DkgOperatorDownError, String(err));
    assert.equal(err.operatorId, 4);
    assert.equal(err.endpoint, 'https://127.0.0.1:3234');
    assert.match(err.message, /connection refused/);
    assert.equal(err.retryable, true);
  });

  it('operator 4 down, endpoint from the line itself when the cluster is not given, colour codes present', () => {
    const coloured = cliFixture('init-operator-4-down.txt').replace('FATAL', '\x1b[31mFATAL\x1b[0m');
    const err = classifyInitFailure(coloured);
    assert.ok(err instanceof DkgOperatorDownError);
    assert.equal(err.endpoint, 'https://127.0.0.1:3234');
  });

  it('keys of 2 and 3 swapped → DkgOperatorKeyMismatchError naming both, blaming the key not the version', () => {
    const err = classifyInitFailure(cliFixture('init-operators-2-and-3-keys-swapped.txt'), { operators });
    assert.ok(err instanceof DkgOperatorKeyMismatchError, String(err));
    assert.equal(err.operatorId, 2);
    assert.match(err.message, /operators 2 and 3/);
    assert.match(err.message, /cause is the keys, not the version/);
    assert.equal(err.retryable, false);
  });

  it('a non-local path flag → DkgInvocationError', () => {
    const line =
      '2026-12-03T18:10:00.000Z\tFATAL\tdkg-initiator\tcli/initiator/initiator.go:50\twrong operatorsInfoPath flag, should be local';
    const err = classifyInitFailure(line);
    assert.ok(err instanceof DkgInvocationError, String(err));
    assert.match(err.message, /--operatorsInfoPath/);
    assert.equal(err.retryable, false);
  });

  it('a version complaint → DkgVersionMismatchError', () => {
    const line =
      '2026-12-03T18:10:00.000Z\tERROR\tdkg-initiator\tinitiator.go:1\tfailed\t{"error": "operator ID: 3, version mismatch: operator runs v3.0.1-aaaaaaa"}';
    const err = classifyInitFailure(line, { expectedVersion: 'v3.1.0-653210c' });
    assert.ok(err instanceof DkgVersionMismatchError, String(err));
    assert.equal(err.found, 'v3.0.1-aaaaaaa');
    assert.match(err.who, /operator 3/);
  });

  it('anything else → DkgCeremonyFailedError quoting the last FATAL/ERROR line, at most ~500 chars', () => {
    const out = [
      '2026-12-03T18:10:00.000Z\tINFO\tdkg-initiator\tx.go:1\tstarting',
      '2026-12-03T18:10:01.000Z\tERROR\tdkg-initiator\tx.go:2\tfirst problem',
      `2026-12-03T18:10:02.000Z\tFATAL\tdkg-initiator\tx.go:3\tsomething odd ${'y'.repeat(2000)}`,
      '2026-12-03T18:10:03.000Z\tINFO\tdkg-initiator\tx.go:4\tbye',
    ].join('\n');
    const err = classifyInitFailure(out, { exitCode: 1 });
    assert.ok(err instanceof DkgCeremonyFailedError, String(err));
    assert.match(err.message, /exit status 1\): FATAL dkg-initiator x\.go:3 something odd y/);
    assert.ok(err.message.length <= MAX_QUOTE + 60, `message is ${err.message.length} chars`);
    assert.equal(err.retryable, true);
  });

  it('no output at all → DkgCeremonyFailedError saying so', () => {
    const err = classifyInitFailure('', { signal: 'SIGSEGV' });
    assert.ok(err instanceof DkgCeremonyFailedError);
    assert.match(err.message, /killed by SIGSEGV\) with no output/);
  });
});
