// The branded identifiers (protocol/identifiers.ts): each constructor takes the good forms, gives
// the one normal form, and names what is wrong and the bad value otherwise.
import assert from 'node:assert/strict';
import { IdentifierError, asBasisPoints, asPubkey, asRollupAdmin, identifierProblem } from '../../protocol/identifiers';

const LOWER = '0x52908400098527886e0f7030069857d2e4169ee7';
const CHECKSUMMED = '0x52908400098527886E0F7030069857D2E4169EE7';
const PUBKEY = `0x${'ab'.repeat(48)}`;

const fails = (f: () => unknown, ...parts: (string | RegExp)[]) =>
  assert.throws(f, (err: Error) => {
    assert.ok(err instanceof IdentifierError, `an IdentifierError, got ${err.name}`);
    for (const part of parts)
      assert.match(
        err.message,
        typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part,
      );
    return true;
  });

describe('identifiers: rollup admin, pubkey, basis points', () => {
  it('a rollup admin is an address in lower case, from any case', () => {
    assert.equal(asRollupAdmin(LOWER), LOWER);
    assert.equal(asRollupAdmin(CHECKSUMMED), LOWER);
    assert.equal(asRollupAdmin(LOWER.toUpperCase().replace('0X', '0x')), LOWER);
  });

  it('a bad rollup admin is named with its value', () => {
    fails(() => asRollupAdmin(`${LOWER}0`), 'rollup admin must be an address (0x and 40 hex digits)', `"${LOWER}0"`);
    fails(() => asRollupAdmin(LOWER.slice(2)), '40 hex digits', LOWER.slice(2));
    fails(() => asRollupAdmin(LOWER.replace('e', 'g')), '40 hex digits');
    fails(() => asRollupAdmin(''), 'got ""');
    fails(() => asRollupAdmin(42), 'rollup admin must be an address string, got 42');
    fails(
      () => asRollupAdmin(undefined, 'request.rollupAdmin'),
      'request.rollupAdmin must be an address string, got undefined',
    );
  });

  it('a pubkey is 0x and 96 hex digits in lower case', () => {
    assert.equal(asPubkey(PUBKEY), PUBKEY);
    assert.equal(asPubkey(PUBKEY.toUpperCase().replace('0X', '0x')), PUBKEY);
  });

  it('a bad pubkey is named with its value', () => {
    fails(() => asPubkey(PUBKEY.slice(0, -2)), 'pubkey must be 0x and 96 hex digits (48 bytes)', PUBKEY.slice(0, -2));
    fails(() => asPubkey(`${PUBKEY}00`), '96 hex digits');
    fails(() => asPubkey(PUBKEY.slice(2)), '96 hex digits');
    fails(() => asPubkey(`0x${'zz'.repeat(48)}`), '96 hex digits', 'zz');
    fails(() => asPubkey(null, 'exited[0]'), 'exited[0] must be a hex string, got null');
  });

  it('basis points are integers 0..10000, from a number or a bigint', () => {
    assert.equal(asBasisPoints(0), 0);
    assert.equal(asBasisPoints(2000), 2000);
    assert.equal(asBasisPoints(10_000), 10_000);
    assert.equal(asBasisPoints(10_000n), 10_000);
  });

  it('bad basis points are named with their value', () => {
    fails(() => asBasisPoints(10_001, 'stakingLimit'), 'stakingLimit must be an integer 0..10000, got 10001');
    fails(() => asBasisPoints(-1), 'integer 0..10000, got -1');
    fails(() => asBasisPoints(1.5), 'got 1.5');
    fails(() => asBasisPoints(NaN), 'got NaN');
    fails(() => asBasisPoints(65_535n), 'got 65535n');
    fails(() => asBasisPoints('2000'), 'basis points must be a number, got "2000"');
  });

  it('a very long bad value is cut short in the message', () => {
    fails(() => asRollupAdmin('0x' + 'f'.repeat(1000)), /\.\.\.$/);
  });

  it('identifierProblem reports instead of throwing', () => {
    assert.equal(
      identifierProblem(() => asPubkey(PUBKEY)),
      undefined,
    );
    // Without the value: a misdirected signal's payload may hold anything.
    assert.equal(
      identifierProblem(() => asPubkey('0x12', 'keys[0].pubkey')),
      'keys[0].pubkey must be 0x and 96 hex digits (48 bytes)',
    );
    assert.equal(
      identifierProblem(() => asRollupAdmin('secret words', 'rollupAdmin')),
      'rollupAdmin must be an address (0x and 40 hex digits)',
    );
    assert.throws(
      () =>
        identifierProblem(() => {
          throw new TypeError('not ours');
        }),
      TypeError,
    );
  });
});
