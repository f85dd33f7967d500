// The Shamir split that replaced ssv-keys' Threshold (activities/keys/shamir-split.ts), checked
// with other code than it uses: shares recombined by the test fixtures' plain-bigint Lagrange
// interpolation (any t of n give the secret, t − 1 do not), share public keys recomputed and
// interpolated in G1 with @noble/curves, the polynomial rebuilt from a scripted random source, and
// the rejection of random values that are 0 or not below the group order r.
import assert from 'node:assert/strict';
import { SecretKey } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381';
import { randomScalar, splitSecretKey, wipeShares, type RandomBytes } from '../../../activities/keys/shamir-split';
import { BLS_R, randomBlsSecretKey, recombineSecret } from '../../fixtures/keyshares/material';

const G1 = bls12_381.G1.Point;
const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const bytes32 = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
const thresholdOf = (n: number) => n - (n - 1) / 3;

/** Every k-element subset of [0, n). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

/** A random source that gives the scripted 32-byte values, in order. */
function scripted(values: bigint[]): RandomBytes & { draws: number } {
  const source = Object.assign(
    (size: number) => {
      assert.equal(size, 32);
      const v = values[source.draws++];
      if (v === undefined) throw new Error('scripted random source exhausted');
      return bytes32(v);
    },
    { draws: 0 },
  );
  return source;
}

describe('keys: Shamir split of a validator key (noble Fr + blst)', () => {
  for (const ids of [
    [1000, 1137, 1274, 1411],
    [3, 150, 421, 777, 1024, 1500, 1999],
  ]) {
    const n = ids.length;
    const t = thresholdOf(n);
    it(`${n} operators: any ${t} shares recombine to the secret, ${t - 1} do not, and each share's public key is its secret's`, () => {
      const sk = randomBlsSecretKey();
      const shares = splitSecretKey(sk, ids, t);
      assert.deepEqual(
        shares.map((s) => s.id),
        ids,
        'one share per id, in the given order',
      );
      const xs = ids.map(BigInt);
      const ys = shares.map((s) => big(s.secretKey));
      for (const subset of subsets(n, t)) {
        assert.equal(
          recombineSecret(
            subset.map((i) => xs[i]),
            subset.map((i) => ys[i]),
          ),
          big(sk),
          `shares ${subset.map((i) => ids[i])}`,
        );
      }
      for (const subset of subsets(n, t - 1)) {
        assert.notEqual(
          recombineSecret(
            subset.map((i) => xs[i]),
            subset.map((i) => ys[i]),
          ),
          big(sk),
          `${t - 1} shares ${subset.map((i) => ids[i])} must not suffice`,
        );
      }
      // share public keys: f(id)·G by @noble/curves, and their Lagrange combination is the validator pubkey
      shares.forEach((s, i) =>
        assert.equal(
          Buffer.from(s.publicKey).toString('hex'),
          G1.BASE.multiply(ys[i]).toHex(true),
          `share pubkey of ${ids[i]}`,
        ),
      );
      const Fr = bls12_381.fields.Fr;
      const lagrangeAt0 = (i: number, subset: number[]) =>
        subset.filter((j) => j !== i).reduce((acc, j) => Fr.mul(acc, Fr.div(xs[j], Fr.sub(xs[j], xs[i]))), Fr.ONE);
      const first = subsets(n, t)[0];
      const combined = first
        .map((i) => G1.fromHex(Buffer.from(shares[i].publicKey).toString('hex')).multiply(lagrangeAt0(i, first)))
        .reduce((a, b) => a.add(b));
      assert.equal(
        combined.toHex(true),
        Buffer.from(SecretKey.fromBytes(sk).toPublicKey().toBytes()).toString('hex'),
        'share pubkeys interpolate to the validator pubkey',
      );
      wipeShares(shares);
      assert.ok(
        shares.every((s) => s.secretKey.every((b) => b === 0)),
        'wipeShares zeroes the share secrets',
      );
    });
  }

  it('evaluates f(x) = sk + c1·x + c2·x² at x = the operator id, with the coefficients drawn from the random source', () => {
    const sk = randomBlsSecretKey();
    const c1 = 0x1234567890abcdefn;
    const c2 = BLS_R - 5n;
    const shares = splitSecretKey(sk, [7, 9, 11, 13], 3, scripted([c1, c2]));
    for (const s of shares) {
      const x = BigInt(s.id);
      assert.equal(big(s.secretKey), (big(sk) + c1 * x + c2 * x * x) % BLS_R, `share of ${s.id}`);
    }
  });

  it('draws again when a random value is 0 or not below r (the top bit is masked first), and gives up on a broken source', () => {
    const top = 2n ** 256n - 1n; // masked to 2^255 − 1, still ≥ r
    const source = scripted([0n, BLS_R, top, 2n ** 255n + 42n]); // the last one masked to 42
    assert.equal(randomScalar(source), 42n);
    assert.equal(source.draws, 4);
    assert.equal(randomScalar(scripted([BLS_R - 1n])), BLS_R - 1n, 'r − 1 is accepted');
    assert.throws(() => randomScalar(() => bytes32(BLS_R)), /random source is broken/);
    assert.throws(() => randomScalar(() => new Uint8Array(31)), /31 bytes, not 32/);
  });

  it('rejects a bad secret, threshold or ids', () => {
    const sk = randomBlsSecretKey();
    assert.throws(() => splitSecretKey(new Uint8Array(32), [1, 2, 3, 4], 3), /zero or not below/);
    assert.throws(() => splitSecretKey(bytes32(BLS_R), [1, 2, 3, 4], 3), /zero or not below/);
    assert.throws(() => splitSecretKey(sk.subarray(1), [1, 2, 3, 4], 3), /32 bytes/);
    assert.throws(() => splitSecretKey(sk, [1, 2, 3, 4], 5), /threshold 5/);
    assert.throws(() => splitSecretKey(sk, [1, 2, 2, 4], 3), /distinct positive integers/);
    assert.throws(() => splitSecretKey(sk, [0, 2, 3, 4], 3), /distinct positive integers/);
  });
});
