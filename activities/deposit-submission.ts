// A batch's deposits into Nexus, in one transaction. It looks at chain state first and goes
// through the one transaction manager with a deterministic idempotency key, so a retried or
// replayed step never deposits twice (invariant 1).
import type { PublicDepositData, SubmittedTransaction } from './types';
import { nexusInterface } from './chain/abi';
import { depositGasAllowance } from './chain/deposit-gas';
import { withHeartbeat } from './activity-helpers';
import { explainUnknownRollup } from './rollup-check';
import { failure, withFailureTypes } from './typed-failure';
import type { CreationContext } from './creation-context';

export function createDepositActivities(ctx: CreationContext) {
  const { provider, txManager, contracts, deps } = ctx;
  return {
    async submitDeposits({
      rollupAdmin,
      requestId,
      deposits,
    }: {
      rollupAdmin: string;
      requestId: string;
      deposits: PublicDepositData[];
    }): Promise<SubmittedTransaction> {
      return withHeartbeat(() =>
        withFailureTypes(async () => {
          const idempotencyKey = `deposit:${requestId}`;
          const statuses = await ctx.statusOf(deposits.map((d) => d.pubkey));
          const submitted = statuses.filter((s) => s.status !== 'INACTIVE');
          if (submitted.length === deposits.length) {
            // Every key is already on chain: a retry after this batch's transaction was mined.
            const record = await txManager.record(idempotencyKey);
            if (record?.minedHash) deps.metrics?.validatorsCreated(rollupAdmin, deposits.length, record.minedHash);
            return {
              txHash: record?.minedHash ?? "unknown (not in this worker's journal)",
              blockNumber: record?.blockNumber ?? 0,
            };
          }
          if (submitted.length > 0) {
            // Part of a batch cannot be on chain (one transaction deposits all): someone else used these keys.
            throw failure(
              'DepositBatchConflict',
              `${submitted.length} of ${deposits.length} keys are already ${submitted[0].status} in Nexus (first ${submitted[0].pubkey}); refusing to deposit the batch`,
            );
          }
          const data = nexusInterface.encodeFunctionData('depositValidatorRollup', [
            rollupAdmin,
            deposits.map((d) => [d.pubkey, d.withdrawalCredentials, d.signature, d.depositDataRoot]),
          ]);
          const mined = await explainUnknownRollup(
            provider,
            contracts.nexus,
            rollupAdmin,
            'depositValidatorRollup',
            () =>
              txManager.sendAndWait({
                to: contracts.nexus,
                data,
                label: 'depositValidatorRollup',
                idempotencyKey,
                extraGas: depositGasAllowance(deposits.length),
              }),
          );
          deps.metrics?.validatorsCreated(rollupAdmin, deposits.length, mined.hash);
          return { txHash: mined.hash, blockNumber: mined.blockNumber };
        }),
      );
    },
  };
}
