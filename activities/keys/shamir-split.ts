// Shamir split of a BLS12-381 validator secret key for an SSV cluster, as ssv-keys 1.1.0's
// Threshold.create does it (bls-eth-wasm), without its ~3 ms per key:
//   - a polynomial f of degree t − 1 over the scalar field Fr (@noble/curves' bls12_381 Fr) with
//     f(0) = the secret and t − 1 uniformly random coefficients from Node's CSPRNG;
//   - share i is f(x_i) with x_i = the operator id (ssv-keys: `id.setInt(operatorId)`), written
//     big-endian as bls-eth-wasm serializes a secret key;
//   - its public key is sk·G1 by blst (SecretKey.toPublicKey), compressed.
// The shares are checked afterwards by the independent verifier (keyshares-verify.ts: the share
// public keys interpolate in G1 to the validator pubkey at x = 0), which shares no code with this.
//
// Secrets: the coefficients and share values are bigints (cannot be wiped; ssv-keys kept them in
// strings); the share bytes returned are the caller's to wipe (wipeShares) once encrypted.
import { randomBytes } from 'node:crypto';
import { SecretKey } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils';

const Fr = bls12_381.fields.Fr;
/** The BLS12-381 group order r (< 2^255). */
export const BLS_CURVE_ORDER = Fr.ORDER;
/** Enough draws that a failure means a broken random source, not bad luck (each succeeds with p ≈ 0.9). */
const MAX_DRAWS = 64;

export interface SecretShare {
  /** the Shamir x-coordinate: the operator id */
  id: number;
  /** f(id), 32 bytes big-endian: the caller wipes it */
  secretKey: Uint8Array;
  /** f(id)·G1, 48-byte compressed */
  publicKey: Uint8Array;
}

/** A source of random bytes (Node's crypto.randomBytes; replaced in tests). */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A uniformly random non-zero element of Fr by rejection sampling: 32 random bytes with the top
 * bit cleared (r < 2^255), drawn again while the value is 0 or ≥ r. No modular reduction, so no
 * bias. Throws if the source keeps giving rejected values.
 */
export function randomScalar(random: RandomBytes = randomBytes): bigint {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const bytes = random(32);
    if (bytes.length !== 32) throw new RangeError(`the random source gave ${bytes.length} bytes, not 32`);
    bytes[0] &= 0x7f;
    const k = bytesToNumberBE(bytes);
    bytes.fill(0);
    if (k !== 0n && k < BLS_CURVE_ORDER) return k;
  }
  throw new Error(
    `no random scalar below the BLS12-381 group order in ${MAX_DRAWS} draws: the random source is broken`,
  );
}

/**
 * Splits `secretKey` (32 bytes big-endian, 0 < sk < r) into one share per id, any `threshold` of
 * which recombine to it: f(id) for a random f of degree threshold − 1 with f(0) = sk.
 */
export function splitSecretKey(
  secretKey: Uint8Array,
  ids: readonly number[],
  threshold: number,
  random: RandomBytes = randomBytes,
): SecretShare[] {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new RangeError('secretKey must be 32 bytes');
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > ids.length) {
    throw new RangeError(`threshold ${threshold} must be between 1 and the ${ids.length} shares`);
  }
  if (!ids.every((id) => Number.isSafeInteger(id) && id > 0) || new Set(ids).size !== ids.length) {
    throw new RangeError('share ids must be distinct positive integers');
  }
  const secret = bytesToNumberBE(secretKey);
  if (secret === 0n || secret >= BLS_CURVE_ORDER)
    throw new RangeError('secretKey is zero or not below the BLS12-381 group order');
  // f(x) = secret + c_1·x + … + c_{t−1}·x^{t−1}
  const coefficients = [secret];
  for (let i = 1; i < threshold; i++) coefficients.push(randomScalar(random));
  return ids.map((id) => {
    const x = Fr.create(BigInt(id));
    const value = coefficients.reduceRight((acc, c) => Fr.add(Fr.mul(acc, x), c), Fr.ZERO); // Horner
    // f(id) = 0 has probability t/r: blst rejects a zero secret key, and so does this.
    if (value === 0n) throw new Error(`the share of id ${id} is zero; split again`);
    const shareKey = numberToBytesBE(value, 32);
    return { id, secretKey: shareKey, publicKey: SecretKey.fromBytes(shareKey).toPublicKey().toBytes(true) };
  });
}

/** Zeroes the share secrets once they are encrypted. */
export function wipeShares(shares: readonly SecretShare[]): void {
  for (const s of shares) s.secretKey.fill(0);
}
