// The public Nexus has no RollupNotRegistered error: a bot call for an admin it does not know
// calls address(0) as the bridge and reverts WITHOUT data. Such a revert is confirmed with a read
// (Nexus.rollups(admin) answering the zero bridge) and then reported as what it is.
import type { Provider } from 'ethers';
import { readRollupState } from './chain/reads';
import { RollupNotRegisteredError } from './chain/read-errors';
import { ContractRevertError } from './chain/revert';

/**
 * Runs a Nexus transaction for `rollupAdmin`; an empty revert for an unknown admin becomes
 * RollupNotRegisteredError (non-retryable). Any other error, or an empty revert for a registered
 * rollup (kept as Revert:EmptyRevert, also non-retryable), is rethrown as is.
 */
export async function explainUnknownRollup<T>(
  provider: Provider,
  nexus: string,
  rollupAdmin: string,
  label: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof ContractRevertError) || err.revertName !== 'EmptyRevert') throw err;
    try {
      await readRollupState(provider, nexus, rollupAdmin);
    } catch (readErr) {
      if (readErr instanceof RollupNotRegisteredError) {
        throw new RollupNotRegisteredError(
          readErr.nexus,
          readErr.rollupAdmin,
          readErr.blockNumber,
          `${label} reverted without data`,
        );
      }
    }
    throw err;
  }
}
