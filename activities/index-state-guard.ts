// What a missing index state means (DESIGN.md invariant 2). A rollup without state (no file, no
// DynamoDB item) is either new or has lost it, and only the chain tells which: if Nexus holds keys deposited for the
// rollup (ValidatorSubmitted logs), starting again at index 0 could hand out an index whose key is
// already deposited, so the bot stops with IndexStateMissingError and the operator runs
// `nexus-bot mnemonic rebuild <rollup>`.
//
// Every deposit counts, DKG keys too. The guard cannot tell a DKG key from a mnemonic key without
// deriving the mnemonic's keys (the gap-limit scan of the rebuild, seconds to minutes), and a
// rollup whose deposits were all DKG keys and that switches to mnemonic keys is rare: one rebuild,
// which reports the keys as not derived from the mnemonic and writes a state at index 0, is a
// small price, while guessing "all DKG" wrong would reuse a key.
import type { Provider } from 'ethers';
import { getAddress } from 'ethers';
import { readRollupValidatorKeys, type ScanOptions } from './chain/reads';
import { IndexStateMissingError } from './keys/errors';

export interface DepositScan {
  provider: Provider;
  nexus: string;
  scan: ScanOptions;
}

/** The keys Nexus holds deposited for the rollup (ValidatorSubmitted), lower case, oldest first. */
export async function depositedKeys(chain: DepositScan, rollupAdmin: string): Promise<string[]> {
  return (await readRollupValidatorKeys(chain.provider, chain.nexus, rollupAdmin, chain.scan)).pubkeys;
}

/** The error for a rollup with `deposited` keys at Nexus and no state at `location` (IndexStore.stateLocation). */
export function indexStateMissing(
  rollupAdmin: string,
  deposited: number,
  location: string,
  consequence: string,
): IndexStateMissingError {
  const admin = getAddress(rollupAdmin);
  return new IndexStateMissingError(
    `the key index state of rollup ${admin} is missing (no ${location}) but Nexus holds ${deposited} key(s) deposited for it: ` +
      `${consequence}. Run \`nexus-bot mnemonic rebuild ${admin}\` to rebuild the state from the chain ` +
      'and the mnemonic (or restore the state from a backup), then retry',
  );
}

/**
 * AllocateOptions.whenMissing for a rollup: throws IndexStateMissingError when Nexus holds deposits
 * for it; a rollup without deposits starts at index 0.
 */
export function refuseMissingStateWithDeposits(
  chain: DepositScan,
  rollupAdmin: string,
): (location: string) => Promise<void> {
  return async (location) => {
    const deposited = (await depositedKeys(chain, rollupAdmin)).length;
    if (deposited > 0)
      throw indexStateMissing(
        rollupAdmin,
        deposited,
        location,
        'starting again at index 0 could reuse the index of a deposited key',
      );
  };
}
