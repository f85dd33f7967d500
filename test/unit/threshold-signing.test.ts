// The SSV exit-duty stand-in's threshold signing: any 3 of 4 operators' partial signatures combine
// into a signature that verifies under the validator key; 2 do not.
import assert from 'node:assert/strict';
import { SecretKey, Signature, verify } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381';
import { combinePartialSignatures } from '../harness/threshold-signing';

const Fr = bls12_381.fields.Fr;
const toBytes = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

/** Shamir split of `secret` at x = ids with a random polynomial of degree t − 1. */
function split(secret: bigint, ids: number[], t: number): Map<number, bigint> {
  const coeffs = [secret, ...Array.from({ length: t - 1 }, (_, i) => Fr.create(BigInt(1234567 + i * 7919) ** 3n))];
  return new Map(ids.map((id) => [id, coeffs.reduceRight((acc, c) => Fr.add(Fr.mul(acc, BigInt(id)), c), 0n)]));
}

describe('threshold signing (SSV exit-duty stand-in)', () => {
  const secret = Fr.create(0x1f2e3d4c5b6a79880706050403020100ffeeddccbbaa99887766554433221100n);
  const validator = SecretKey.fromBytes(toBytes(secret));
  const shares = split(secret, [1, 2, 3, 4], 3);
  const message = Buffer.alloc(32, 7);
  const partial = (id: number) => ({
    operatorId: id,
    signature: SecretKey.fromBytes(toBytes(shares.get(id) as bigint))
      .sign(message)
      .toBytes(),
  });

  it('combines any 3 of the 4 partial signatures into the validator signature', () => {
    for (const subset of [
      [1, 2, 3],
      [1, 2, 4],
      [1, 3, 4],
      [2, 3, 4],
    ]) {
      const combined = combinePartialSignatures(subset.map(partial));
      assert.deepEqual(
        Buffer.from(combined),
        Buffer.from(validator.sign(message).toBytes()),
        `operators ${subset.join(',')}`,
      );
      assert.ok(verify(message, validator.toPublicKey(), Signature.fromBytes(combined, true)));
    }
  });

  it('two partial signatures are not enough', () => {
    const combined = combinePartialSignatures([1, 2].map(partial));
    assert.notDeepEqual(Buffer.from(combined), Buffer.from(validator.sign(message).toBytes()));
  });

  it('refuses the same operator twice', () => {
    assert.throws(() => combinePartialSignatures([partial(1), partial(1), partial(2)]), /same operator twice/);
  });
});
