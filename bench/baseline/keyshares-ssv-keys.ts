// BASELINE ONLY (bench/keyshares.ts, bench/key-material.ts): activities/keys/keyshares.ts as it was
// before issue 15 (ssv-keys' JSEncrypt RSA and buildPayload, which re-checks its signature, then the
// old independent check). Kept so that one bench run prints the old and new cost. Nothing outside
// bench/ imports it.
// Builds the SSV keyshares payload for a validator key that the bot holds (mnemonic path) with
// ssv-keys 1.1.0, the reference builder: Threshold (Shamir split at x = operator id, bls-eth-wasm),
// Encryption (RSA-2048 PKCS#1 v1.5 via JSEncrypt) and KeySharesItem.buildPayload (signature over
// "<EIP-55 owner>:<nonce>" and the byte layout). The operator keys are validated first, and the
// result is re-checked with the independent verifier before it is returned.
//
// Secrets: the validator secret key and the share secrets only live inside this call. ssv-keys
// keeps them in JS strings that cannot be wiped; a fresh SSVKeys instance per call keeps them from
// outliving it. Errors never carry ssv-keys' exception objects (some hold their inputs).
import { SecretKey } from '@chainsafe/blst';
import { getAddress } from 'ethers';
import { KeySharesItem, SSVKeys } from 'ssv-keys';
import { parseOperatorPublicKey } from '../../activities/keys/operator-keys';
import { VALID_OPERATOR_COUNTS, verifyKeysharesPayload, type KeysharesPayload } from './keyshares-verify-noble';

export interface KeysharesOperator {
  id: number;
  /** on-chain form: base64 of a PEM "RSA PUBLIC KEY" holding an SPKI RSA-2048 key */
  publicKeyBase64: string;
}

export interface BuildKeysharesInput {
  /** 32-byte BLS12-381 validator secret key */
  secretKey: Uint8Array;
  /** the cluster; any order (sorted here by id, each key staying with its id) */
  operators: readonly KeysharesOperator[];
  /** SSV owner (the Nexus contract); checksummed here */
  owner: string;
  /** the owner's SSV nonce this registration will consume */
  ownerNonce: number;
}

export class KeysharesBuildError extends Error {
  override readonly name = 'KeysharesBuildError';
}

const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Builds `{publicKey, operatorIds, sharesData}` (0x-hex) ready for SSVNetwork.registerValidator. */
export async function baselineBuildKeyshares(input: BuildKeysharesInput): Promise<KeysharesPayload> {
  const { secretKey, operators, ownerNonce } = input;
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new KeysharesBuildError('secretKey must be 32 bytes');
  }
  const skHex = `0x${Buffer.from(secretKey).toString('hex')}`;
  const skInt = BigInt(skHex);
  if (skInt === 0n || skInt >= BLS_CURVE_ORDER) {
    throw new KeysharesBuildError('secretKey is not a valid BLS12-381 secret key (zero or not below the curve order)');
  }
  if (!Number.isSafeInteger(ownerNonce) || ownerNonce < 0) {
    throw new KeysharesBuildError(`ownerNonce must be a non-negative integer, got ${ownerNonce}`);
  }
  let owner: string;
  try {
    owner = getAddress(input.owner);
  } catch {
    throw new KeysharesBuildError(`owner ${String(input.owner)} is not a valid address (or has a bad EIP-55 checksum)`);
  }
  if (!VALID_OPERATOR_COUNTS.includes(operators.length)) {
    throw new KeysharesBuildError(`${operators.length} operators; SSV clusters have 4, 7, 10 or 13`);
  }
  const sorted = [...operators].sort((a, b) => a.id - b.id);
  for (const [i, op] of sorted.entries()) {
    if (!Number.isSafeInteger(op.id) || op.id <= 0)
      throw new KeysharesBuildError(`operator id ${op.id} is not a positive integer`);
    if (i > 0 && sorted[i - 1].id === op.id) throw new KeysharesBuildError(`operator id ${op.id} appears twice`);
    parseOperatorPublicKey(op.publicKeyBase64, op.id); // MalformedOperatorKeyError names the operator
  }
  const seenKeys = new Set(sorted.map((op) => op.publicKeyBase64.trim()));
  if (seenKeys.size !== sorted.length) throw new KeysharesBuildError('two operators have the same public key');

  const ssvOperators = sorted.map((op) => ({ id: op.id, operatorKey: op.publicKeyBase64.trim() }));
  let payload: KeysharesPayload;
  try {
    const ssvKeys = new SSVKeys();
    const threshold = await ssvKeys.createThreshold(skHex, ssvOperators);
    const encryptedShares = await ssvKeys.encryptShares(ssvOperators, threshold.shares);
    const built = (await new KeySharesItem().buildPayload(
      { publicKey: threshold.publicKey, operators: ssvOperators, encryptedShares },
      { ownerAddress: owner, ownerNonce, privateKey: skHex },
    )) as { publicKey: string; operatorIds: number[]; sharesData: string };
    payload = { publicKey: built.publicKey, operatorIds: [...built.operatorIds], sharesData: built.sharesData };
  } catch (e) {
    // Message only: ssv-keys exceptions keep their inputs (keys) as properties.
    throw new KeysharesBuildError(
      `ssv-keys failed: ${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  // The expected pubkey comes from blst, not from ssv-keys' own derivation.
  const validatorPubkey = `0x${Buffer.from(SecretKey.fromBytes(secretKey).toPublicKey().toBytes()).toString('hex')}`;
  verifyKeysharesPayload(payload, {
    validatorPubkey,
    owner,
    ownerNonce,
    operatorIds: sorted.map((op) => op.id),
  });
  return payload;
}
