// The G1 arithmetic of the independent keyshares check: blst-validated decoding and Lagrange
// interpolation at 0 with integer-scaled coefficients (blst's point additions), against points
// built from polynomials over the scalar field with @noble/curves, another implementation (degree
// t−1 must pass, a wrong point, a negated target or degree t must not), with small ids and with
// ids near 2^32 (where the scaled coefficients exceed the group order).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381';
import { decodeG1, interpolatesAtZero } from '../../../activities/keys/g1-interpolation';

const G1 = bls12_381.G1.Point;
const Fr = bls12_381.fields.Fr;
const randomScalar = () => Fr.create(BigInt(`0x${randomBytes(48).toString('hex')}`)) || 1n;
const evalPoly = (coeffs: bigint[], x: bigint) => coeffs.reduceRight((acc, c) => Fr.add(Fr.mul(acc, x), c), 0n);
type NoblePoint = InstanceType<typeof G1>;
const point = (s: bigint): NoblePoint => G1.BASE.multiply(s);
/** a point computed by @noble/curves, handed to the check as bytes (blst-decoded) */
const toBlst = (p: NoblePoint) => decodeG1(p.toBytes(true));

function sharesOf(degree: number, xs: bigint[]) {
  const coeffs = Array.from({ length: degree + 1 }, randomScalar);
  const target = point(coeffs[0]);
  const points = xs.map((x) => point(evalPoly(coeffs, x)));
  return { target: toBlst(target), points: points.map(toBlst), noble: { target, points } };
}

describe('keys: G1 interpolation for the keyshares check', function () {
  this.timeout(60_000);
  const idSets: Record<string, bigint[]> = {
    'small ids (4 operators)': [10n, 13n, 16n, 19n],
    'mainnet-like ids (7 operators)': [3n, 150n, 421n, 777n, 1024n, 1500n, 1999n],
    'ids near 2^32 (13 operators)': Array.from({ length: 13 }, (_, i) => 2n ** 32n - 1n - BigInt(i * 7919)).sort(
      (a, b) => (a < b ? -1 : 1),
    ),
  };
  for (const [name, ids] of Object.entries(idSets)) {
    it(`${name}: t shares of a degree t−1 polynomial give its value at 0; a wrong share, target or degree does not`, () => {
      const n = ids.length;
      const t = n - (n - 1) / 3;
      const good = sharesOf(t - 1, ids);
      for (const start of [0, n - t]) {
        assert.ok(
          interpolatesAtZero(ids.slice(start, start + t), good.points.slice(start, start + t), good.target),
          `subset from ${start}`,
        );
      }
      const wrongShare = [...good.points.slice(0, t - 1), toBlst(good.noble.points[t - 1].add(G1.BASE))];
      assert.equal(interpolatesAtZero(ids.slice(0, t), wrongShare, good.target), false, 'a share off by G');
      assert.equal(
        interpolatesAtZero(ids.slice(0, t), good.points.slice(0, t), toBlst(good.noble.target.negate())),
        false,
        'the negated target',
      );
      const swapped = [good.points[1], good.points[0], ...good.points.slice(2, t)];
      assert.equal(interpolatesAtZero(ids.slice(0, t), swapped, good.target), false, "two shares at each other's ids");
      const tooHigh = sharesOf(t, ids);
      assert.equal(interpolatesAtZero(ids.slice(0, t), tooHigh.points.slice(0, t), tooHigh.target), false, 'degree t');
    });
  }

  it('decodes what blst accepts into the same point as noble, and rejects infinity and bad encodings', () => {
    const p = point(randomScalar());
    assert.deepEqual(Buffer.from(decodeG1(p.toBytes(true)).toBytes(false)), Buffer.from(p.toBytes(false)));
    const infinity = new Uint8Array(48);
    infinity[0] = 0xc0;
    assert.throws(() => decodeG1(infinity), /INFINITY|infinity/i);
    const bad = p.toBytes(true);
    bad[0] &= 0x7f; // clear the compression flag of a 48-byte encoding
    assert.throws(() => decodeG1(bad));
  });
});
