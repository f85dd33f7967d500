// Finds the mnemonic key index of each pubkey a rollup wants to exit (invariant 2: the mnemonic and
// the index state re-derive every key the bot ever deposited). Allocations that recorded their
// pubkeys answer at once; the others are derived again (~21 ms a key) and matched.
import { deriveSigningKeys, wipeKeys } from './derivation';
import { UnknownValidatorKeyError } from './errors';
import { canonicalAdmin, type IndexStore } from './index-store';

/** Keys derived per round when matching unrecorded allocations (bounded memory, regular progress). */
const DERIVE_CHUNK = 64;

export async function findKeyIndices(opts: {
  indexStore: IndexStore;
  rollupAdmin: string;
  pubkeys: readonly string[];
  /** Read only when some pubkey is not recorded (the mnemonic stays inside the calling activity). */
  readMnemonic: () => Promise<string>;
  onProgress?: (derived: number) => void;
  /**
   * Without a state file: the error to throw (the pubkeys asked for are deposited keys, so a missing
   * file is a lost one). Absent: UnknownValidatorKeyError, as for any key the state does not know.
   */
  whenMissing?: (location: string) => Promise<Error>;
}): Promise<Map<string, number>> {
  const wanted = new Set(opts.pubkeys.map((k) => k.toLowerCase()));
  const found = new Map<string, number>();
  const present = await opts.indexStore.readStateIfPresent(opts.rollupAdmin);
  if (!present && wanted.size > 0 && opts.whenMissing)
    throw await opts.whenMissing(opts.indexStore.stateLocation(opts.rollupAdmin));
  const state = present ?? { rollupAdmin: canonicalAdmin(opts.rollupAdmin), nextIndex: 0, allocations: [] };
  const unrecorded: number[] = [];
  for (const allocation of state.allocations) {
    for (let i = 0; i < allocation.count; i++) {
      const recorded = allocation.pubkeys?.[i];
      if (recorded === undefined) unrecorded.push(allocation.start + i);
      else if (wanted.has(recorded)) found.set(recorded, allocation.start + i);
    }
  }
  if (found.size < wanted.size && unrecorded.length > 0) {
    const mnemonic = await opts.readMnemonic();
    for (let start = 0; start < unrecorded.length && found.size < wanted.size; start += DERIVE_CHUNK) {
      const keys = await deriveSigningKeys(mnemonic, unrecorded.slice(start, start + DERIVE_CHUNK));
      wipeKeys(keys); // only the public halves are needed here
      for (const key of keys) if (wanted.has(key.pubkeyHex)) found.set(key.pubkeyHex, key.index);
      opts.onProgress?.(start + keys.length);
    }
  }
  const missing = [...wanted].filter((k) => !found.has(k));
  if (missing.length > 0) {
    throw new UnknownValidatorKeyError(
      `${missing.length} pubkey(s) are not among the ${state.nextIndex} mnemonic key(s) allocated for rollup ${state.rollupAdmin} ` +
        `(first ${missing[0]}): not this rollup's mnemonic keys, or its index state lost an allocation`,
    );
  }
  return found;
}
