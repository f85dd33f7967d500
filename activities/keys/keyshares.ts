// Builds the SSV keyshares payload for a validator key that the bot holds (mnemonic path):
//   - the Shamir split with ssv-keys 1.1.0, the reference builder (Threshold: x = operator id,
//     bls-eth-wasm), and its byte layout (KeySharesPayload.build: share pubkeys ‖ ciphertexts);
//   - RSA through Node's crypto (keyshares-rsa.ts: PKCS#1 v1.5, the plaintext ssv-keys encrypts);
//   - the signature over keccak256("<EIP-55 owner>:<nonce>") with blst (deterministic BLS: the same
//     bytes as ssv-keys' buildPayload, see test/unit/keys/keyshares.test.ts).
// Then the independent verifier checks the payload, once: ssv-keys' buildPayload is not called,
// since it verifies its own signature again and its Encryption re-validates every operator key.
//
// Secrets: the validator secret key and the share secrets only live inside this call. ssv-keys
// keeps them in JS strings that cannot be wiped; a fresh SSVKeys instance per call keeps them from
// outliving it. Errors never carry ssv-keys' exception objects (some hold their inputs).
import { SecretKey } from '@chainsafe/blst';
import { getAddress } from 'ethers';
import { KeySharesItem, SSVKeys } from 'ssv-keys';
import { encryptShareSecret, operatorEncryptionKey } from './keyshares-rsa';
import { keysharesSignedMessage, VALID_OPERATOR_COUNTS, verifyKeysharesPayload, type KeysharesPayload } from './keyshares-verify';
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
}

export class KeysharesBuildError extends TypedError {
  override readonly name = 'KeysharesBuildError';
}

const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Builds `{publicKey, operatorIds, sharesData}` (0x-hex) ready for SSVNetwork.registerValidator. */
export async function buildKeyshares(input: BuildKeysharesInput): Promise<KeysharesPayload> {
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
    if (!Number.isSafeInteger(op.id) || op.id <= 0) throw new KeysharesBuildError(`operator id ${op.id} is not a positive integer`);
    if (i > 0 && sorted[i - 1].id === op.id) throw new KeysharesBuildError(`operator id ${op.id} appears twice`);
  }
  // MalformedOperatorKeyError names the operator; a key parsed before comes from the cache.
  const rsaKeys = sorted.map((op) => operatorEncryptionKey(op.publicKeyBase64, op.id));
  const seenKeys = new Set(sorted.map((op) => op.publicKeyBase64.trim()));
  if (seenKeys.size !== sorted.length) throw new KeysharesBuildError('two operators have the same public key');

  const ssvOperators = sorted.map((op) => ({ id: op.id, operatorKey: op.publicKeyBase64.trim() }));
  const blsKey = SecretKey.fromBytes(secretKey);
  let payload: KeysharesPayload;
  try {
    const threshold = await new SSVKeys().createThreshold(skHex, ssvOperators);
    // createThreshold sorts by id, as `sorted` is: share i belongs to sorted[i].
    if (threshold.shares.length !== sorted.length) throw new Error(`ssv-keys made ${threshold.shares.length} shares for ${sorted.length} operators`);
    const encryptedShares = threshold.shares.map((share, i) => ({
      operatorPublicKey: ssvOperators[i].operatorKey,
      privateKey: encryptShareSecret(rsaKeys[i], share.privateKey).toString('base64'),
      publicKey: share.publicKey,
    }));
    const layout = new KeySharesItem().payload.build({ publicKey: threshold.publicKey, operatorIds: sorted.map((op) => op.id), encryptedShares });
    const signature = blsKey.sign(keysharesSignedMessage(owner, ownerNonce)).toBytes();
    payload = {
      publicKey: layout.publicKey,
      operatorIds: [...layout.operatorIds],
      sharesData: `0x${Buffer.from(signature).toString('hex')}${layout.sharesData.replace(/^0x/, '')}`,
    };
  } catch (e) {
    // Message only: ssv-keys exceptions keep their inputs (keys) as properties.
    throw new KeysharesBuildError(`building the keyshares failed: ${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`);
  }
  // The expected pubkey comes from blst, not from ssv-keys' own derivation.
  const validatorPubkey = `0x${Buffer.from(blsKey.toPublicKey().toBytes()).toString('hex')}`;
  verifyKeysharesPayload(payload, {
    validatorPubkey,
    owner,
    ownerNonce,
    operatorIds: sorted.map((op) => op.id),
  });
  return payload;
}
