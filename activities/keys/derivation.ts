// EIP-2333 key derivation from a BIP-39 mnemonic and EIP-2334 signing-key paths, with
// @chainsafe/bls-keygen. The master key is derived once per call (BIP-39 PBKDF2 + EIP-2333,
// ~100 ms) and every signing key from it (~21 ms each), instead of re-deriving the seed per key.
import { deriveKeyFromMaster, deriveKeyFromMnemonic, eth2ValidatorPaths } from '@chainsafe/bls-keygen';
import { loadBls } from './esm';
import { InvalidMnemonicError } from './errors';

/** EIP-2334 indices are uint32; the bot's allocator never gets close. */
const MAX_KEY_INDEX = 2 ** 32 - 1;

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
  return eth2ValidatorPaths(index).signing;
}

/**
 * Single spaces between words, no outer whitespace: the only form BIP-39 validation accepts,
 * so this turns accidental whitespace into a valid mnemonic without changing the seed of one.
 */
export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.trim().split(/\s+/).join(' ');
}

/**
 * The EIP-2333 master secret key of a BIP-39 mnemonic (empty passphrase). Throws
 * InvalidMnemonicError, whose message never contains the words, for a bad mnemonic.
 * Wipe the result with wipe() when done.
 */
export function deriveMasterKey(mnemonic: string): Uint8Array {
  try {
    return deriveKeyFromMnemonic(normalizeMnemonic(mnemonic));
  } catch {
    // No `cause`: a library error might quote its input.
    throw new InvalidMnemonicError('invalid mnemonic: not a BIP-39 English mnemonic with a valid checksum (words not shown)');
  }
}

/** The EIP-2334 signing secret key at index `index` under a master key. */
export function deriveSigningKey(masterKey: Uint8Array, index: number): Uint8Array {
  return deriveKeyFromMaster(masterKey, signingKeyPath(index));
}

/**
 * Signing keys (secret + public) for `indices` of a mnemonic. The master key is wiped before
 * returning; the caller owns the returned secret keys and must wipe them with wipeKeys().
 * (Copies inside bls-keygen and the native blst key objects cannot be wiped from JavaScript.)
 */
export async function deriveSigningKeys(mnemonic: string, indices: readonly number[]): Promise<DerivedSigningKey[]> {
  indices.forEach(assertKeyIndex);
  const bls = await loadBls();
  const master = deriveMasterKey(mnemonic);
  const keys: DerivedSigningKey[] = [];
  try {
    for (const index of indices) {
      const secretKey = deriveSigningKey(master, index);
      const pubkey = bls.SecretKey.fromBytes(secretKey).toPublicKey().toBytes();
      keys.push({ index, path: signingKeyPath(index), secretKey, pubkey, pubkeyHex: `0x${Buffer.from(pubkey).toString('hex')}` });
    }
    return keys;
  } catch (err) {
    wipeKeys(keys);
    throw err;
  } finally {
    wipe(master);
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

function assertKeyIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_KEY_INDEX) {
    throw new RangeError(`key index must be an integer in 0..${MAX_KEY_INDEX}, got ${index}`);
  }
}
