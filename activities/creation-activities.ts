// The validator creation activities, assembled from their parts: preflight checks (funding/),
// rollup and SSV reads, the mnemonic path's key material, deposits, and keyshares registrations.
// Their names are the activity types workflows call: they never change.
import { createPreflightActivities } from './funding/activities';
import { creationContext, type CreationDependencies } from './creation-context';
import { createRollupSsvReads } from './rollup-ssv-reads';
import { createMnemonicKeyMaterialActivities } from './mnemonic-key-material';
import { createDepositActivities } from './deposit-submission';
import { createKeysharesRegistrationActivities } from './keyshares-registration';

export type { CreationDependencies } from './creation-context';

export function createCreationActivities(deps: CreationDependencies) {
  const ctx = creationContext(deps);
  return {
    ...createPreflightActivities(ctx.preflight),
    ...createRollupSsvReads(ctx),
    ...createMnemonicKeyMaterialActivities(ctx),
    ...createDepositActivities(ctx),
    ...createKeysharesRegistrationActivities(ctx),
  };
}
