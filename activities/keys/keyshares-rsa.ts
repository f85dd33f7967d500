// RSA encryption of SSV key shares for their operators, through Node's crypto (OpenSSL) instead of
// ssv-keys' JSEncrypt (pure JavaScript, ~2 ms per share, and it re-validates each operator key).
// The format is the one SSV nodes decrypt (facts/ssv-and-dkg.md §2.3): RSAES-PKCS1-v1_5 with the
// operator's RSA-2048 key, a 256-byte ciphertext, whose plaintext is the ASCII "0x" + 64 hex of
// the share secret, exactly what ssv-keys 1.1.0 encrypts (JSEncrypt `encrypt`, PKCS#1 v1.5 type 2).
// test/unit/keys/keyshares-rsa.test.ts decrypts with the operator's private key.
import { constants, publicEncrypt, type KeyObject } from 'node:crypto';
import { ENCRYPTED_SHARE_LENGTH } from './keyshares-verify';
import { parseOperatorPublicKey } from './operator-keys';

/** Parsed operator keys by their on-chain text: a cluster's keys are parsed once, not per payload. */
const parsed = new Map<string, KeyObject>();
/** Far more than the operators of the few clusters the bot uses; bounds the memory if keys rotate. */
const MAX_CACHED_KEYS = 256;

/**
 * The operator's RSA key (parseOperatorPublicKey: throws MalformedOperatorKeyError naming the
 * operator). Only keys that parsed are kept, so a bad key fails every time it is given.
 */
export function operatorEncryptionKey(base64Pem: string, operatorId: number): KeyObject {
  const text = typeof base64Pem === 'string' ? base64Pem.trim() : base64Pem;
  const hit = parsed.get(text);
  if (hit) return hit;
  const key = parseOperatorPublicKey(base64Pem, operatorId);
  if (parsed.size >= MAX_CACHED_KEYS) parsed.delete(parsed.keys().next().value as string);
  parsed.set(text, key);
  return key;
}

/** Encrypts one share secret ("0x" + 64 hex) for its operator: the 256-byte ciphertext. */
export function encryptShareSecret(operatorKey: KeyObject, shareSecretHex: string): Buffer {
  if (!/^0x[0-9a-f]{64}$/i.test(shareSecretHex)) {
    // Never the value itself: it is a secret.
    throw new RangeError('a share secret must be "0x" followed by 64 hex digits');
  }
  const ciphertext = publicEncrypt(
    { key: operatorKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.from(shareSecretHex, 'latin1'),
  );
  if (ciphertext.length !== ENCRYPTED_SHARE_LENGTH) {
    throw new RangeError(`RSA ciphertext is ${ciphertext.length} bytes, expected ${ENCRYPTED_SHARE_LENGTH} (RSA-2048)`);
  }
  return ciphertext;
}
