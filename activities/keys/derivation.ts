// EIP-2333 key derivation from a BIP-39 mnemonic and EIP-2334 signing-key paths, all native:
//   - the mnemonic's words and checksum are checked by ethers' BIP-39 (English word list);
//   - the BIP-39 seed is PBKDF2-HMAC-SHA512 from Node's crypto (OpenSSL);
//   - master and child keys are blst's own EIP-2333 (SecretKey.deriveMasterEip2333 /
//     deriveChildEip2333 of @chainsafe/blst).
// This replaced @chainsafe/bls-keygen (pure JavaScript, ~21 ms per key). Both give the same keys:
// test/unit/keys/derivation.test.ts checks the EIP-2333 vectors and compares the two on the
// project's mnemonics; bench/keys.ts times both (bench/baseline/derivation-bls-keygen.ts).
import { pbkdf2Sync } from 'node:crypto';
import { SecretKey } from '@chainsafe/blst';
import { Mnemonic } from 'ethers';
import { InvalidMnemonicError } from './errors';

/** EIP-2334 indices are uint32; the bot's allocator never gets close. */
const MAX_KEY_INDEX = 2 ** 32 - 1;
/** EIP-2334: m / purpose / coin_type / account / use. */
const PURPOSE = 12381;
const COIN_TYPE = 3600;

export interface DerivedSigningKey {
  /** The mnemonic key index (the `i` of m/12381/3600/i/0/0). */
  index: number;
  /** EIP-2334 signing-key path. */
  path: string;
  /** 32-byte secret key: the caller must wipe it (wipeKeys) when done. */
  secretKey: Uint8Array;
  /** 48-byte compressed BLS public key. */
  pubkey: Uint8Array;
  /** 0x-hex of pubkey. */
  pubkeyHex: string;
}

/** EIP-2334 signing-key path for a validator index: m/12381/3600/{index}/0/0. */
export function signingKeyPath(index: number): string {
  assertKeyIndex(index);
  return `m/${PURPOSE}/${COIN_TYPE}/${index}/0/0`;
}

/**
 * Single spaces between words, no outer whitespace: the only form BIP-39 validation accepts,
 * so this turns accidental whitespace into a valid mnemonic without changing the seed of one.
 */
export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.trim().split(/\s+/).join(' ');
}

/**
 * The 64-byte BIP-39 seed of a mnemonic. `passphrase` exists for the EIP-2333 test vector
 * (which uses "TREZOR"); the bot always uses the empty one. Throws InvalidMnemonicError, whose
 * message never contains the words. Wipe the result with wipe() when done.
 */
export function mnemonicToSeed(mnemonic: string, passphrase = ''): Uint8Array {
  const phrase = normalizeMnemonic(mnemonic);
  let canonical: string;
  try {
    canonical = Mnemonic.fromPhrase(phrase).phrase;
  } catch {
    canonical = '';
  }
  // ethers lower-cases the words; the seed is of the exact text, so only the canonical form is
  // accepted (as before): no phrase derives keys other than its canonical form's.
  if (canonical !== phrase) {
    // No `cause`: a library error might quote its input.
    throw new InvalidMnemonicError(
      'invalid mnemonic: not a BIP-39 English mnemonic with a valid checksum (words not shown)',
    );
  }
  const seed = pbkdf2Sync(phrase.normalize('NFKD'), `mnemonic${passphrase}`.normalize('NFKD'), 2048, 64, 'sha512');
  return new Uint8Array(seed.buffer, seed.byteOffset, seed.length);
}

/** EIP-2333 master secret key (32 bytes) of a seed of at least 32 bytes. */
export function deriveMasterKeyFromSeed(seed: Uint8Array): Uint8Array {
  return SecretKey.deriveMasterEip2333(seed).toBytes();
}

/** EIP-2333 child secret key (32 bytes) at `index` (uint32) of a parent secret key. */
export function deriveChildKey(parent: Uint8Array, index: number): Uint8Array {
  assertKeyIndex(index);
  return SecretKey.fromBytes(parent).deriveChildEip2333(index).toBytes();
}

/**
 * The EIP-2333 master secret key of a BIP-39 mnemonic (empty passphrase). Throws
 * InvalidMnemonicError, whose message never contains the words, for a bad mnemonic.
 * Wipe the result with wipe() when done.
 */
export function deriveMasterKey(mnemonic: string): Uint8Array {
  const seed = mnemonicToSeed(mnemonic);
  try {
    return deriveMasterKeyFromSeed(seed);
  } finally {
    wipe(seed);
  }
}

/** The EIP-2334 signing secret key at index `index` under a master key. */
export function deriveSigningKey(masterKey: Uint8Array, index: number): Uint8Array {
  assertKeyIndex(index);
  return signingKeyUnder(coinTypeNode(SecretKey.fromBytes(masterKey)), index).toBytes();
}

/**
 * Signing keys (secret + public) for `indices` of a mnemonic. The seed and master key are
 * derived once per call; the caller owns the returned secret keys and must wipe them with
 * wipeKeys(). (The native blst key objects cannot be wiped from JavaScript; they are dropped.)
 */
export async function deriveSigningKeys(mnemonic: string, indices: readonly number[]): Promise<DerivedSigningKey[]> {
  indices.forEach(assertKeyIndex);
  const seed = mnemonicToSeed(mnemonic);
  let coin: SecretKey;
  try {
    // m/12381/3600 once: per key only account / 0 / 0 remain.
    coin = coinTypeNode(SecretKey.deriveMasterEip2333(seed));
  } finally {
    wipe(seed);
  }
  const keys: DerivedSigningKey[] = [];
  try {
    for (const index of indices) {
      const sk = signingKeyUnder(coin, index);
      const pubkey = sk.toPublicKey().toBytes();
      keys.push({
        index,
        path: signingKeyPath(index),
        secretKey: sk.toBytes(),
        pubkey,
        pubkeyHex: `0x${Buffer.from(pubkey).toString('hex')}`,
      });
    }
    return keys;
  } catch (err) {
    wipeKeys(keys);
    throw err;
  }
}

/** Overwrites secret bytes with zeros (do it as soon as a key is no longer needed). */
export function wipe(...secrets: (Uint8Array | undefined)[]): void {
  for (const s of secrets) s?.fill(0);
}

/** Wipes the secret keys of derived keys (pubkeys stay: they are public). */
export function wipeKeys(keys: readonly Pick<DerivedSigningKey, 'secretKey'>[]): void {
  for (const k of keys) k.secretKey.fill(0);
}

function coinTypeNode(master: SecretKey): SecretKey {
  return master.deriveChildEip2333(PURPOSE).deriveChildEip2333(COIN_TYPE);
}

function signingKeyUnder(coin: SecretKey, index: number): SecretKey {
  return coin.deriveChildEip2333(index).deriveChildEip2333(0).deriveChildEip2333(0);
}

function assertKeyIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_KEY_INDEX) {
    throw new RangeError(`key index must be an integer in 0..${MAX_KEY_INDEX}, got ${index}`);
  }
}
