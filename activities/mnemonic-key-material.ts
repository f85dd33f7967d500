// The mnemonic path's key material: a request's key indices, then its keys derived and their
// deposits signed. The mnemonic and the private keys stay inside the activity that needs them
// (invariant 3): read, used and wiped here, and only public material returns.
import { heartbeat } from '@temporalio/activity';
import type { MnemonicValidator } from './types';
import { readClusterOperators } from './chain/operators';
import { refuseMissingStateWithDeposits } from './index-state-guard';
import { deriveSigningKeys, wipeKeys } from './keys/derivation';
import { signDepositData, VALIDATOR_DEPOSIT_GWEI, withdrawalCredentialsFor } from './keys/deposit-data';
import { parseOperatorPublicKey } from './keys/operator-keys';
import type { CreationContext } from './creation-context';

export function createMnemonicKeyMaterialActivities(ctx: CreationContext) {
  const { provider, contracts, scan, deps } = ctx;
  return {
    async allocateKeyIndices({
      rollupAdmin,
      requestId,
      count,
    }: {
      rollupAdmin: string;
      requestId: string;
      count: number;
    }): Promise<number[]> {
      // A rollup without index state starts at 0 only when Nexus holds no deposit for it (index-state-guard.ts).
      const whenMissing = refuseMissingStateWithDeposits({ provider, nexus: contracts.nexus, scan }, rollupAdmin);
      const allocation = await ctx
        .mnemonicPath()
        .indexStore.allocateIndices(rollupAdmin, requestId, count, { whenMissing });
      return Array.from({ length: allocation.count }, (_, i) => allocation.start + i);
    },

    async prepareMnemonicValidators({
      rollupAdmin,
      bridge,
      operatorCluster,
      keyIndices,
      requestId,
    }: {
      rollupAdmin: string;
      bridge: string;
      operatorCluster: number;
      keyIndices: number[];
      requestId?: string;
    }): Promise<MnemonicValidator[]> {
      const { vault, indexStore } = ctx.mnemonicPath();
      // The keyshares are built later, at registration: check the cluster's operator keys now, so
      // that a bad one stops the batch before anything is deposited.
      const operators = await readClusterOperators(provider, contracts, operatorCluster, scan);
      for (const op of operators) parseOperatorPublicKey(op.publicKeyBase64, op.id);
      const mnemonic = await vault.readMnemonic(rollupAdmin);
      const keys = await deriveSigningKeys(mnemonic, keyIndices);
      try {
        const withdrawalCredentials = withdrawalCredentialsFor(bridge);
        const validators: MnemonicValidator[] = [];
        for (const key of keys) {
          const data = await signDepositData({
            secretKey: key.secretKey,
            withdrawalCredentials,
            amountGwei: VALIDATOR_DEPOSIT_GWEI,
            genesisForkVersion: deps.genesisForkVersion,
          });
          validators.push({
            keyIndex: key.index,
            deposit: {
              pubkey: data.pubkey,
              withdrawalCredentials: data.withdrawalCredentials,
              signature: data.signature,
              depositDataRoot: data.depositDataRoot,
            },
          });
          heartbeat(validators.length);
        }
        // A shortcut for exits later (the index state alone would need every key derived again).
        if (requestId)
          await indexStore.recordPubkeys(
            rollupAdmin,
            requestId,
            validators.map((v) => v.deposit.pubkey),
          );
        return validators;
      } finally {
        wipeKeys(keys);
      }
    },
  };
}
