// BLS12-381 G1 arithmetic for the independent keyshares check (keyshares-verify.ts): do share
// public keys interpolate, at x = 0, to the validator public key? Split in two for speed:
//   - decoding and validation (encoding, curve, subgroup, not infinity) natively with blst, which
//     then hands the affine coordinates to @noble/curves without a second, pure-JS subgroup check;
//   - the interpolation with @noble/curves' group law (blst's binding has no scalar
//     multiplication), with the Lagrange coefficients scaled to small integers and one shared
//     chain of doublings (below), so that it costs tens of bits instead of 255 per point.
// Neither library is the one that split the key (ssv-keys uses bls-eth-wasm), so the check stays
// independent of the builder.
import { PublicKey as BlstPublicKey } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381';

const G1 = bls12_381.G1.Point;
export type G1Point = InstanceType<typeof G1>;
const R = bls12_381.fields.Fr.ORDER;

const toBigInt = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);

/**
 * A compressed G1 point, validated by blst (on the curve, in the subgroup, not infinity). Throws
 * blst's error (e.g. BLST_BAD_ENCODING, BLST_POINT_NOT_IN_GROUP, BLST_PK_IS_INFINITY) otherwise.
 */
export function decodeG1(bytes: Uint8Array): G1Point {
  const affine = BlstPublicKey.fromBytes(bytes, true).toBytes(false); // x ‖ y, 48 bytes each
  return G1.fromAffine({ x: toBigInt(affine.subarray(0, 48)), y: toBigInt(affine.subarray(48, 96)) });
}

const abs = (v: bigint) => (v < 0n ? -v : v);
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/**
 * Whether Σ λ_i(0)·P_i = target, λ_i(0) = Π_{j≠i} x_j / Π_{j≠i} (x_j − x_i) being the Lagrange
 * coefficients at 0 for the distinct positive integers xs. With L the least common multiple of the
 * denominators, c_i = λ_i(0)·L are integers and the equation holds iff Σ c_i·P_i − L·target = 0
 * (L is a product of integers far below the prime group order r, so it is invertible mod r). For
 * operator ids the c_i and L have tens of bits (about 20 for 4 operators with ids near 1000).
 */
export function interpolatesAtZero(xs: readonly bigint[], points: readonly G1Point[], target: G1Point): boolean {
  const nums: bigint[] = [];
  const dens: bigint[] = [];
  xs.forEach((xi, i) => {
    let num = 1n;
    let den = 1n;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num *= xj;
      den *= xj - xi;
    });
    nums.push(num);
    dens.push(den);
  });
  const lcm = dens.reduce((acc, d) => (acc / gcd(acc, abs(d))) * abs(d), 1n);
  const scalars = [...nums.map((num, i) => (num * lcm) / dens[i]), -lcm];
  return linearCombination([...points, target], scalars).is0();
}

/**
 * Σ k_i·P_i for signed integers k_i, by Straus' method: one shared run of doublings over the
 * longest scalar, adding each point where its scalar has a 1 bit. @noble/curves' msm sizes its
 * windows for 255-bit scalars and is slower here; its group law (add, double, negate) is used as is.
 * Points are public, so variable time is fine. Scalars are reduced mod r if they are that large.
 */
function linearCombination(points: readonly G1Point[], scalars: readonly bigint[]): G1Point {
  const ps = points.map((p, i) => (scalars[i] < 0n ? p.negate() : p));
  const ks = scalars.map((k) => abs(k) % R);
  const bits = Math.max(...ks.map((k) => k.toString(2).length));
  let acc = G1.ZERO;
  for (let b = BigInt(bits - 1); b >= 0n; b--) {
    acc = acc.double();
    ps.forEach((p, i) => {
      if ((ks[i] >> b) & 1n) acc = acc.add(p);
    });
  }
  return acc;
}
