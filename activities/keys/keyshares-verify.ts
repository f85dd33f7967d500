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
// Points are decoded, group-checked and interpolated natively by blst (g1-interpolation.ts), from
// the bytes of the payload alone: nothing here calls the builder (keyshares.ts, shamir-split.ts).
// Each payload is checked once: by the DKG output reader, or by buildKeyshares on the mnemonic
// path. A batch (verifyKeysharesPayloads) has its signatures checked together by blst's
// verifyMultipleAggregateSignatures (random 64-bit weights: n + 1 Miller loops and one final
// exponentiation instead of 2n pairings); if that fails, each one is checked alone to name it.
import { verify as blstVerify, verifyMultipleAggregateSignatures, Signature as BlstSignature } from '@chainsafe/blst';
import { getAddress, keccak256, toUtf8Bytes } from 'ethers';
import { decodeG1, interpolatesAtZero, type G1Point } from './g1-interpolation';
import { TypedError } from '../typed-failure';
import type { KeysharesPayload } from '../../protocol/nexus';

export const SIGNATURE_LENGTH = 96;
export const PUBKEY_LENGTH = 48;
export const ENCRYPTED_SHARE_LENGTH = 256;
export const VALID_OPERATOR_COUNTS: readonly number[] = [4, 7, 10, 13];

export type { KeysharesPayload } from '../../protocol/nexus';

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

export class KeysharesInvalidError extends TypedError {
  override readonly name = 'KeysharesInvalidError';
  constructor(
    readonly reason: KeysharesInvalidReason,
    readonly detail: string,
    /** in a batch (verifyKeysharesPayloads of more than one), the position of the bad payload */
    readonly payloadIndex?: number,
  ) {
    super(
      `invalid keyshares${payloadIndex === undefined ? '' : ` (payload ${payloadIndex} of the batch)`} (${reason}): ${detail}`,
    );
  }
}

/** Threshold of an SSV cluster of n operators: n − f where n = 3f + 1. */
export function thresholdFor(n: number): number {
  return n - (n - 1) / 3;
}

/** The last owner checksummed: a batch has one owner, and getAddress costs a keccak (~30 µs). */
let lastOwner: { given: string; checksummed: string } | undefined;

/** ethers' getAddress (throws for a bad address or EIP-55 checksum), the last answer remembered. */
export function checksummedOwner(owner: string): string {
  if (lastOwner === undefined || lastOwner.given !== owner)
    lastOwner = { given: owner, checksummed: getAddress(owner) };
  return lastOwner.checksummed;
}

/** The 32-byte message an SSV node expects the validator key to have signed. */
export function keysharesSignedMessage(owner: string, ownerNonce: number): Uint8Array {
  return Buffer.from(keccak256(Buffer.from(`${checksummedOwner(owner)}:${ownerNonce}`, 'utf8')).slice(2), 'hex');
}

export function strictHexToBytes(value: unknown, what: string, reason: KeysharesInvalidReason = 'format'): Buffer {
  if (typeof value !== 'string') throw new KeysharesInvalidError(reason, `${what} is not a string`);
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new KeysharesInvalidError(reason, `${what} is not hex`);
  }
  return Buffer.from(hex, 'hex');
}

function g1(bytes: Uint8Array, what: string, reason: KeysharesInvalidReason): G1Point {
  try {
    return decodeG1(bytes);
  } catch (e) {
    throw new KeysharesInvalidError(
      reason,
      `${what} is not a valid BLS12-381 G1 point, or is the point at infinity (${(e as Error).message})`,
    );
  }
}

function idsText(ids: readonly number[]): string {
  return `[${ids.join(',')}]`;
}

/** A payload past its layout checks, with its validator key and signature decoded. */
interface Parsed {
  owner: string;
  ownerNonce: number;
  ids: readonly number[];
  pubkeyBytes: Buffer;
  validator: G1Point;
  message: Uint8Array;
  signature: BlstSignature;
  sharePubkeys: Buffer[];
}

/**
 * Verifies an SSV keyshares payload against what the bot expects to register. Throws
 * KeysharesInvalidError whose `reason` names the failed check; returns nothing on success.
 */
export function verifyKeysharesPayload(payload: KeysharesPayload, expected: KeysharesExpectation): void {
  verifyKeysharesPayloads([{ payload, expected }]);
}

/**
 * verifyKeysharesPayload for several payloads, the signatures checked in one batch. Throws the
 * KeysharesInvalidError of the first bad payload (layout first, then signatures, then shares);
 * with more than one payload its `payloadIndex` and message name the position.
 */
export function verifyKeysharesPayloads(
  items: readonly { payload: KeysharesPayload; expected: KeysharesExpectation }[],
): void {
  const at = <T>(i: number, check: () => T): T => {
    try {
      return check();
    } catch (e) {
      if (e instanceof KeysharesInvalidError && items.length > 1)
        throw new KeysharesInvalidError(e.reason, e.detail, i);
      throw e;
    }
  };
  const parsed = items.map(({ payload, expected }, i) => at(i, () => parse(payload, expected)));
  if (parsed.length === 1) {
    checkSignature(parsed[0]);
  } else if (parsed.length > 1) {
    const sets = parsed.map((p) => ({ msg: p.message, pk: p.validator, sig: p.signature }));
    // keys and signatures were validated when decoded: not again here
    if (!verifyMultipleAggregateSignatures(sets, false, false)) {
      parsed.forEach((p, i) => at(i, () => checkSignature(p)));
      throw new Error('the batch signature check failed but every signature verifies alone'); // cannot happen: valid ones make any weighted sum valid
    }
  }
  parsed.forEach((p, i) => at(i, () => checkRecombination(p)));
}

/** Everything up to the signature's decoding: public key, operators, layout. */
function parse(payload: KeysharesPayload, expected: KeysharesExpectation): Parsed {
  const owner = checksummedOwner(expected.owner); // a malformed expectation is a programming error (throws)
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
  // decoded once: used by the signature check and the interpolation
  const validator = g1(pubkeyBytes, 'payload.publicKey', 'public-key');

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
  let signature: BlstSignature;
  try {
    signature = BlstSignature.fromBytes(shares.subarray(0, SIGNATURE_LENGTH), true, true);
  } catch {
    throw new KeysharesInvalidError('signature', 'the signature (first 96 bytes) is not a valid BLS12-381 G2 point');
  }
  return {
    owner,
    ownerNonce: expected.ownerNonce,
    ids,
    pubkeyBytes,
    validator,
    message: keysharesSignedMessage(owner, expected.ownerNonce),
    signature,
    sharePubkeys: Array.from({ length: n }, (_, i) =>
      shares.subarray(SIGNATURE_LENGTH + PUBKEY_LENGTH * i, SIGNATURE_LENGTH + PUBKEY_LENGTH * (i + 1)),
    ),
  };
}

/** The BLS signature over keccak256("<EIP-55 owner>:<nonce>") by the validator key. */
function checkSignature(p: Parsed): void {
  if (blstVerify(p.message, p.validator, p.signature, false, false)) return;
  let hint = '';
  const lower = `${p.owner.toLowerCase()}:${p.ownerNonce}`;
  if (blstVerify(Buffer.from(keccak256(toUtf8Bytes(lower)).slice(2), 'hex'), p.validator, p.signature, false, false)) {
    hint = ' (it signs the lower-case owner address; SSV nodes require the EIP-55 checksummed form)';
  }
  throw new KeysharesInvalidError(
    'signature',
    `the signature does not verify against validator 0x${p.pubkeyBytes.toString('hex')} over keccak256("${p.owner}:${p.ownerNonce}")${hint}`,
  );
}

/** The share public keys recombine to the validator public key, every share taking part. */
function checkRecombination(p: Parsed): void {
  const points = p.sharePubkeys.map((bytes, i) =>
    g1(bytes, `share public key of operator ${p.ids[i]}`, 'share-public-key'),
  );
  const n = p.ids.length;
  const t = thresholdFor(n);
  const xs = p.ids.map((id) => BigInt(id));
  const base = Array.from({ length: t }, (_, i) => i);
  const subsets: number[][] = [base];
  for (let j = t; j < n; j++) subsets.push([...base.slice(1), j]);
  for (const subset of subsets) {
    if (
      !interpolatesAtZero(
        subset.map((i) => xs[i]),
        subset.map((i) => points[i]),
        p.validator,
      )
    ) {
      const used = subset.map((i) => p.ids[i]);
      throw new KeysharesInvalidError(
        'recombination',
        `share public keys of operators ${idsText(used)} (threshold ${t} of ${n}) do not interpolate to the validator public key at x = 0`,
      );
    }
  }
}
