// Builds the SSV keyshares payload for a validator key that the bot holds (mnemonic path), what
// ssv-keys 1.1.0 (the reference builder) would build, without its cost:
//   - the Shamir split at x = operator id (shamir-split.ts: a polynomial over Fr with
//     @noble/curves, share public keys with blst), as ssv-keys' Threshold does with bls-eth-wasm;
//   - RSA through Node's crypto (keyshares-rsa.ts: PKCS#1 v1.5, the plaintext ssv-keys encrypts);
//   - the signature over keccak256("<EIP-55 owner>:<nonce>") with blst (deterministic BLS: the same
//     bytes as ssv-keys' buildPayload);
//   - the layout of ssv-keys' KeySharesPayload.build: signature ‖ share pubkeys ‖ ciphertexts.
// test/unit/keys/keyshares.test.ts checks the payloads with ssv-keys' own validation
// (KeySharesItem.fromJson), its buildPayload's bytes, and by decrypting and recombining the shares.
// Then the independent verifier checks the payloads, once; a batch (buildKeysharesBatch) has its
// signatures verified together.
//
// Secrets: the validator secret key and the share secrets only live inside this call; the share
// bytes are wiped once encrypted (their bigints and the "0x…" plaintext strings cannot be).
import { SecretKey } from '@chainsafe/blst';
import { encryptShareSecret, operatorEncryptionKey } from './keyshares-rsa';
import {
  checksummedOwner,
  keysharesSignedMessage,
  thresholdFor,
  VALID_OPERATOR_COUNTS,
  verifyKeysharesPayloads,
  type KeysharesExpectation,
  type KeysharesPayload,
} from './keyshares-verify';
import { BLS_CURVE_ORDER, splitSecretKey, wipeShares } from './shamir-split';
import { TypedError } from '../typed-failure';

export type { KeysharesPayload } from './keyshares-verify';

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
  /**
   * the validator's 48-byte compressed public key if the caller has it (deriveSigningKeys gives
   * it): saves computing it again. It is not trusted: if it is not the secret key's, the
   * independent check refuses the payload (its signature does not verify against it).
   */
  validatorPubkey?: Uint8Array;
}

export class KeysharesBuildError extends TypedError {
  override readonly name = 'KeysharesBuildError';
}

/** Builds `{publicKey, operatorIds, sharesData}` (0x-hex) ready for SSVNetwork.registerValidator. */
export async function buildKeyshares(input: BuildKeysharesInput): Promise<KeysharesPayload> {
  const [payload] = await buildKeysharesBatch([input]);
  return payload;
}

/**
 * buildKeyshares for several keys (each with its own owner nonce), the independent check run over
 * the whole batch at once. Returns the payloads in input order; any bad input or payload fails
 * the batch (KeysharesBuildError / KeysharesInvalidError naming its position).
 */
export async function buildKeysharesBatch(inputs: readonly BuildKeysharesInput[]): Promise<KeysharesPayload[]> {
  const built = inputs.map((input, i) => {
    try {
      return buildOne(input);
    } catch (e) {
      if (e instanceof KeysharesBuildError && inputs.length > 1)
        throw new KeysharesBuildError(`key ${i} of the batch: ${e.message}`);
      throw e;
    }
  });
  verifyKeysharesPayloads(built);
  return built.map((b) => b.payload);
}

function buildOne(input: BuildKeysharesInput): { payload: KeysharesPayload; expected: KeysharesExpectation } {
  const { secretKey, operators, ownerNonce } = input;
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new KeysharesBuildError('secretKey must be 32 bytes');
  }
  const skInt = BigInt(`0x${Buffer.from(secretKey).toString('hex')}`);
  if (skInt === 0n || skInt >= BLS_CURVE_ORDER) {
    throw new KeysharesBuildError('secretKey is not a valid BLS12-381 secret key (zero or not below the curve order)');
  }
  if (!Number.isSafeInteger(ownerNonce) || ownerNonce < 0) {
    throw new KeysharesBuildError(`ownerNonce must be a non-negative integer, got ${ownerNonce}`);
  }
  let owner: string;
  try {
    owner = checksummedOwner(input.owner);
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
  }
  // MalformedOperatorKeyError names the operator; a key parsed before comes from the cache.
  const rsaKeys = sorted.map((op) => operatorEncryptionKey(op.publicKeyBase64, op.id));
  const seenKeys = new Set(sorted.map((op) => op.publicKeyBase64.trim()));
  if (seenKeys.size !== sorted.length) throw new KeysharesBuildError('two operators have the same public key');

  const operatorIds = sorted.map((op) => op.id);
  const blsKey = SecretKey.fromBytes(secretKey);
  if (
    input.validatorPubkey !== undefined &&
    !(input.validatorPubkey instanceof Uint8Array && input.validatorPubkey.length === 48)
  ) {
    throw new KeysharesBuildError('validatorPubkey must be a 48-byte compressed BLS public key');
  }
  const validatorPubkey = input.validatorPubkey ?? blsKey.toPublicKey().toBytes(true);
  let sharesData: Buffer;
  try {
    const shares = splitSecretKey(secretKey, operatorIds, thresholdFor(sorted.length));
    let ciphertexts: Buffer[];
    try {
      // share i is f(sorted[i].id): encrypted for that operator, laid out at position i
      ciphertexts = shares.map((share, i) =>
        encryptShareSecret(rsaKeys[i], `0x${Buffer.from(share.secretKey).toString('hex')}`),
      );
    } finally {
      wipeShares(shares);
    }
    const signature = blsKey.sign(keysharesSignedMessage(owner, ownerNonce)).toBytes(true);
    sharesData = Buffer.concat([signature, ...shares.map((s) => s.publicKey), ...ciphertexts]);
  } catch (e) {
    // Message only: never a secret (shamir-split's and keyshares-rsa's messages carry none).
    throw new KeysharesBuildError(
      `building the keyshares failed: ${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  const publicKey = `0x${Buffer.from(validatorPubkey).toString('hex')}`;
  return {
    payload: { publicKey, operatorIds, sharesData: `0x${sharesData.toString('hex')}` },
    // The expected pubkey is blst's from the secret key (or the caller's, checked against the
    // signature); the checker decodes everything else from the payload.
    expected: { validatorPubkey: publicKey, owner, ownerNonce, operatorIds },
  };
}
