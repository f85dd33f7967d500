// BASELINE ONLY (bench/keys.ts): the pure-JavaScript derivation that activities/keys/derivation.ts
// used before it moved to blst's native EIP-2333 (@chainsafe/bls-keygen 0.4.0: @scure/bip39 PBKDF2
// and @chainsafe/bls-hd-key). Kept so that one bench run prints the old and new cost side by side.
// Nothing outside bench/ imports it.
import { deriveKeyFromMaster, deriveKeyFromMnemonic } from '@chainsafe/bls-keygen';
import { SecretKey } from '@chainsafe/blst';

export interface BaselineKey {
  index: number;
  secretKey: Uint8Array;
  pubkeyHex: string;
}

/** Master key (BIP-39 seed + EIP-2333), as the old deriveMasterKey did. */
export function baselineMasterKey(mnemonic: string): Uint8Array {
  return deriveKeyFromMnemonic(mnemonic);
}

/** The old deriveSigningKeys: the master once, then each m/12381/3600/i/0/0 from it, plus pubkey. */
export function baselineSigningKeys(mnemonic: string, indices: readonly number[]): BaselineKey[] {
  const master = baselineMasterKey(mnemonic);
  try {
    return indices.map((index) => {
      const secretKey = deriveKeyFromMaster(master, `m/12381/3600/${index}/0/0`);
      const pubkey = SecretKey.fromBytes(secretKey).toPublicKey().toBytes();
      return { index, secretKey, pubkeyHex: `0x${Buffer.from(pubkey).toString('hex')}` };
    });
  } finally {
    master.fill(0);
  }
}
