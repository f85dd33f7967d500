// BLS12-381 G1 arithmetic for the independent keyshares check (keyshares-verify.ts): do share
// public keys interpolate, at x = 0, to the validator public key? Split in two for speed:
//   - decoding and validation (encoding, curve, subgroup, not infinity) natively with blst, which
//     then hands the affine coordinates to @noble/curves without a second, pure-JS subgroup check;
//   - the interpolation with @noble/curves (blst's binding has no scalar multiplication), with the
//     Lagrange coefficients scaled to small integers (below), so that each scalar multiplication
//     costs tens of bits instead of 255.
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
 * operator ids the c_i and L have tens of bits. Points are public: multiplyUnsafe (variable time).
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
  let sum = mul(target, -lcm);
  points.forEach((p, i) => {
    sum = sum.add(mul(p, (nums[i] * lcm) / dens[i]));
  });
  return sum.is0();
}

/** k·P for a signed integer k (reduced mod r only when it is that large). */
function mul(p: G1Point, k: bigint): G1Point {
  const m = abs(k) % R;
  if (m === 0n) return G1.ZERO;
  const q = p.multiplyUnsafe(m);
  return k < 0n ? q.negate() : q;
}
