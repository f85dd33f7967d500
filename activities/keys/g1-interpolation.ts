// BLS12-381 G1 arithmetic for the independent keyshares check (keyshares-verify.ts): do share
// public keys interpolate, at x = 0, to the validator public key? All native, with blst:
//   - decoding and validation (encoding, curve, subgroup, not infinity): PublicKey.fromBytes;
//   - the interpolation with the Lagrange coefficients scaled to small integers and one shared
//     chain of doublings (Straus, below), so that it costs tens of bits instead of 255 per point.
//     blst's binding has no scalar multiplication, but its aggregatePublicKeys adds any list of
//     points (add-or-double, infinity allowed): one call per bit does the doubling and the adds.
//     This replaced the same method on @noble/curves' G1 (pure JS, ~10 µs per addition, ~1.4 ms
//     per 4-operator payload); test/unit/keys/g1-interpolation.test.ts checks it against points
//     built with @noble/curves.
// The builder (keyshares.ts, shamir-split.ts) evaluates a polynomial over Fr and takes sk·G1;
// this only adds public points, following Lagrange's formula from the share ids, and shares no
// code with it, so a wrong split (ids, order, degree, value at 0) cannot pass both.
import { aggregatePublicKeys, PublicKey } from '@chainsafe/blst';

export type G1Point = PublicKey;

/** BLS12-381 base field modulus p: −(x, y) = (x, p − y). */
const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
/** BLS12-381 group order r. */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const INFINITY_COMPRESSED = 0xc0;

/**
 * A compressed G1 point, validated by blst (on the curve, in the subgroup, not infinity). Throws
 * blst's error (e.g. BLST_BAD_ENCODING, BLST_POINT_NOT_IN_GROUP, BLST_PK_IS_INFINITY) otherwise.
 */
export function decodeG1(bytes: Uint8Array): G1Point {
  return PublicKey.fromBytes(bytes, true);
}

/** −P, through the uncompressed encoding (x ‖ y, big-endian; no flag bits for a finite point). */
function negate(point: G1Point): G1Point {
  const xy = Buffer.from(point.toBytes(false));
  const y = BigInt(`0x${xy.subarray(48).toString('hex')}`);
  // y ≠ 0: a point with y = 0 has order 2, and decodeG1 only gives points of the prime subgroup.
  Buffer.from((P - y).toString(16).padStart(96, '0'), 'hex').copy(xy, 48);
  return PublicKey.fromBytes(xy, false);
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
  const sum = linearCombination([...points, target], scalars);
  return sum[0] === INFINITY_COMPRESSED && sum.subarray(1).every((b) => b === 0);
}

/**
 * Σ k_i·P_i for signed integers k_i, compressed, by Straus' method: one shared run of doublings
 * over the longest scalar; at each bit one aggregatePublicKeys call adds the running sum twice and
 * each point whose scalar has a 1 there. Points are public, so variable time is fine. Scalars are
 * reduced mod r if they are that large (ids near 2^32 with 13 operators).
 */
function linearCombination(points: readonly G1Point[], scalars: readonly bigint[]): Uint8Array {
  const ks = scalars.map((k) => abs(k) % R);
  const ps = points.map((p, i) => (scalars[i] < 0n && ks[i] !== 0n ? negate(p) : p));
  // binary digits, most significant first, all of one length (cheaper to index than BigInt shifts)
  const bits = Math.max(...ks.map((k) => k.toString(2).length));
  const digits = ks.map((k) => k.toString(2).padStart(bits, '0'));
  let acc: G1Point | undefined;
  for (let b = 0; b < bits; b++) {
    const terms = acc ? [acc, acc] : [];
    ps.forEach((p, i) => {
      if (digits[i][b] === '1') terms.push(p);
    });
    if (terms.length > 0) acc = aggregatePublicKeys(terms, false);
  }
  return acc ? acc.toBytes(true) : Uint8Array.of(INFINITY_COMPRESSED, ...new Uint8Array(47));
}
