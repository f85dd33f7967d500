// BASELINE ONLY (bench/keyshares.ts, bench/key-material.ts): activities/keys/keyshares-verify.ts as it
// was before issue 15 (G1 decoding, subgroup checks and interpolation all in @noble/curves, full-size
// Lagrange scalars). Kept so that one bench run prints the old and new cost. Nothing outside bench/ imports it.
// Independent check of an SSV keyshares payload (the `sharesData` of registerValidator) that needs
// no operator private key. SSVNetwork does not look at sharesData at all; every SSV node checks it
// off-chain and silently drops a bad registration while still consuming the owner nonce
// (facts/ssv-and-dkg.md §1.5, §2.4). So everything that can be checked without the operators'
// RSA keys is checked here before anything is sent on chain, in particular on DKG output:
//   - layout: signature(96) ‖ share pubkeys (48·N) ‖ RSA-2048 ciphertexts (256·N), N ∈ {4,7,10,13}
//   - operator ids strictly ascending and equal to the expected cluster
//   - the BLS signature (POP ciphersuite) by the validator key over
//     keccak256(utf8("<EIP-55 owner>:<nonce>"))
//   - the share public keys lie on one polynomial of degree t−1 (t = N − (N−1)/3) whose value at 0
//     is the validator pubkey, with the Shamir x-coordinate of a share = its operator id. This is
//     checked for every share: the first t shares interpolate to the validator pubkey, and for each
//     remaining share, swapping it into that subset still gives the validator pubkey.
// What it cannot check: that the ciphertexts decrypt to the secrets behind those share pubkeys
// (only the operators can); the DKG path cross-checks them against the operators' signed proofs.
import { verify as blstVerify, PublicKey as BlstPublicKey, Signature as BlstSignature } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381';
import { getAddress, keccak256, toUtf8Bytes } from 'ethers';

export const SIGNATURE_LENGTH = 96;
export const PUBKEY_LENGTH = 48;
export const ENCRYPTED_SHARE_LENGTH = 256;
export const VALID_OPERATOR_COUNTS: readonly number[] = [4, 7, 10, 13];

export interface KeysharesPayload {
  /** validator BLS public key, 0x + 96 hex */
  publicKey: string;
  /** operator ids, strictly ascending */
  operatorIds: number[];
  /** 0x-hex sharesData */
  sharesData: string;
}

export interface KeysharesExpectation {
  validatorPubkey: string;
  /** the SSV owner (the Nexus contract); any case, it is checksummed here */
  owner: string;
  ownerNonce: number;
  operatorIds: readonly number[];
}

export type KeysharesInvalidReason =
  | 'format'
  | 'public-key'
  | 'operator-count'
  | 'operator-ids'
  | 'length'
  | 'signature'
  | 'share-public-key'
  | 'recombination';

export class KeysharesInvalidError extends Error {
  override readonly name = 'KeysharesInvalidError';
  constructor(
    readonly reason: KeysharesInvalidReason,
    detail: string,
  ) {
    super(`invalid keyshares (${reason}): ${detail}`);
  }
}

/** Threshold of an SSV cluster of n operators: n − f where n = 3f + 1. */
export function thresholdFor(n: number): number {
  return n - (n - 1) / 3;
}

/** The 32-byte message an SSV node expects the validator key to have signed. */
export function keysharesSignedMessage(owner: string, ownerNonce: number): Uint8Array {
  return Buffer.from(keccak256(toUtf8Bytes(`${getAddress(owner)}:${ownerNonce}`)).slice(2), 'hex');
}

export function strictHexToBytes(value: unknown, what: string, reason: KeysharesInvalidReason = 'format'): Buffer {
  if (typeof value !== 'string') throw new KeysharesInvalidError(reason, `${what} is not a string`);
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new KeysharesInvalidError(reason, `${what} is not hex`);
  }
  return Buffer.from(hex, 'hex');
}

const G1 = bls12_381.G1.Point;
type G1Point = InstanceType<typeof G1>;
const Fr = bls12_381.fields.Fr;

function g1(bytes: Uint8Array, what: string, reason: KeysharesInvalidReason): G1Point {
  let p: G1Point;
  try {
    // checks the encoding, the curve equation and the subgroup. Pass a copy: @noble/curves 1.9.7
    // clears the flag bits of the caller's buffer in place (0x88… becomes 0x08…).
    p = G1.fromBytes(Uint8Array.from(bytes));
  } catch (e) {
    throw new KeysharesInvalidError(reason, `${what} is not a valid BLS12-381 G1 point (${(e as Error).message})`);
  }
  if (p.is0()) throw new KeysharesInvalidError(reason, `${what} is the point at infinity`);
  return p;
}

/** Σ λ_i(0)·P_i over the given x-coordinates (Lagrange interpolation at 0 in the exponent). */
function interpolateAtZero(xs: readonly bigint[], points: readonly G1Point[]): G1Point {
  const lambdas = xs.map((xi, i) => {
    let num = Fr.ONE;
    let den = Fr.ONE;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = Fr.mul(num, xj);
      den = Fr.mul(den, Fr.sub(xj, xi));
    });
    return Fr.div(num, den);
  });
  return G1.msm([...points], lambdas);
}

function idsText(ids: readonly number[]): string {
  return `[${ids.join(',')}]`;
}

/**
 * Verifies an SSV keyshares payload against what the bot expects to register. Throws
 * KeysharesInvalidError whose `reason` names the failed check; returns nothing on success.
 */
export function verifyKeysharesPayload(payload: KeysharesPayload, expected: KeysharesExpectation): void {
  const owner = getAddress(expected.owner); // a malformed expectation is a programming error (throws)
  if (!Number.isSafeInteger(expected.ownerNonce) || expected.ownerNonce < 0) {
    throw new RangeError(`expected ownerNonce must be a non-negative integer, got ${expected.ownerNonce}`);
  }
  const expectedPubkey = strictHexToBytes(expected.validatorPubkey, 'expected validator pubkey');

  // validator public key
  const pubkeyBytes = strictHexToBytes(payload?.publicKey, 'payload.publicKey', 'public-key');
  if (pubkeyBytes.length !== PUBKEY_LENGTH) {
    throw new KeysharesInvalidError(
      'public-key',
      `payload.publicKey is ${pubkeyBytes.length} bytes, expected ${PUBKEY_LENGTH}`,
    );
  }
  if (!pubkeyBytes.equals(expectedPubkey)) {
    throw new KeysharesInvalidError(
      'public-key',
      `payload.publicKey 0x${pubkeyBytes.toString('hex')} is not the expected validator 0x${expectedPubkey.toString('hex')}`,
    );
  }
  const validatorPoint = g1(pubkeyBytes, 'payload.publicKey', 'public-key');

  // operators
  const ids = payload.operatorIds;
  if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new KeysharesInvalidError('operator-ids', 'payload.operatorIds must be an array of positive integers');
  }
  const n = ids.length;
  if (!VALID_OPERATOR_COUNTS.includes(n)) {
    throw new KeysharesInvalidError('operator-count', `${n} operators; SSV clusters have 4, 7, 10 or 13`);
  }
  for (let i = 1; i < n; i++) {
    if (ids[i] <= ids[i - 1]) {
      throw new KeysharesInvalidError('operator-ids', `payload.operatorIds ${idsText(ids)} are not strictly ascending`);
    }
  }
  if (ids.length !== expected.operatorIds.length || ids.some((id, i) => id !== expected.operatorIds[i])) {
    throw new KeysharesInvalidError(
      'operator-ids',
      `payload.operatorIds ${idsText(ids)} differ from the expected ${idsText(expected.operatorIds)}`,
    );
  }

  // layout
  const shares = strictHexToBytes(payload.sharesData, 'payload.sharesData');
  const expectedLength = SIGNATURE_LENGTH + (PUBKEY_LENGTH + ENCRYPTED_SHARE_LENGTH) * n;
  if (shares.length !== expectedLength) {
    throw new KeysharesInvalidError(
      'length',
      `sharesData is ${shares.length} bytes, expected 96 + 304·${n} = ${expectedLength}`,
    );
  }
  const signature = shares.subarray(0, SIGNATURE_LENGTH);
  const sharePubkeys = Array.from({ length: n }, (_, i) =>
    shares.subarray(SIGNATURE_LENGTH + PUBKEY_LENGTH * i, SIGNATURE_LENGTH + PUBKEY_LENGTH * (i + 1)),
  );

  // signature over keccak256("<EIP-55 owner>:<nonce>")
  const message = keysharesSignedMessage(owner, expected.ownerNonce);
  let sig: BlstSignature;
  try {
    sig = BlstSignature.fromBytes(signature, true, true);
  } catch {
    throw new KeysharesInvalidError('signature', 'the signature (first 96 bytes) is not a valid BLS12-381 G2 point');
  }
  const blstPk = BlstPublicKey.fromBytes(pubkeyBytes, true);
  if (!blstVerify(message, blstPk, sig, false, false)) {
    let hint = '';
    const lower = `${owner.toLowerCase()}:${expected.ownerNonce}`;
    if (blstVerify(Buffer.from(keccak256(toUtf8Bytes(lower)).slice(2), 'hex'), blstPk, sig)) {
      hint = ' (it signs the lower-case owner address; SSV nodes require the EIP-55 checksummed form)';
    }
    throw new KeysharesInvalidError(
      'signature',
      `the signature does not verify against validator 0x${pubkeyBytes.toString('hex')} over keccak256("${owner}:${expected.ownerNonce}")${hint}`,
    );
  }

  // share public keys recombine to the validator public key
  const points = sharePubkeys.map((bytes, i) =>
    g1(bytes, `share public key of operator ${ids[i]}`, 'share-public-key'),
  );
  const t = thresholdFor(n);
  const xs = ids.map((id) => BigInt(id));
  const base = Array.from({ length: t }, (_, i) => i);
  const subsets: number[][] = [base];
  for (let j = t; j < n; j++) subsets.push([...base.slice(1), j]);
  for (const subset of subsets) {
    const got = interpolateAtZero(
      subset.map((i) => xs[i]),
      subset.map((i) => points[i]),
    );
    if (!got.equals(validatorPoint)) {
      const used = subset.map((i) => ids[i]);
      throw new KeysharesInvalidError(
        'recombination',
        `share public keys of operators ${idsText(used)} (threshold ${t} of ${n}) do not interpolate to the validator public key at x = 0`,
      );
    }
  }
}
