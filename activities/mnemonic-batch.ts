// A mnemonic batch's key indices and key material in one salt activity (issue 15 item 3): the
// allocation and the derivation ran as two activities on the salt queue one after the other, with
// no safe point between them, and each cost three activity events and a workflow task.
// Crash safety is that of the two steps: the allocation is durable and keyed by the request id
// (a retry gets the same indices back, invariant 2), and the derivation of given indices is
// deterministic, so a retry after a crash anywhere in it redoes the same work.
import type { AllocateAndPrepareInput, BotActivities } from './interface';
import type { MnemonicValidator } from './types';

export function createMnemonicBatchActivities(
  steps: Pick<BotActivities, 'allocateKeyIndices' | 'prepareMnemonicValidators'>,
) {
  return {
    async allocateAndPrepareMnemonicValidators({
      rollupAdmin,
      bridge,
      operatorCluster,
      requestId,
      count,
    }: AllocateAndPrepareInput): Promise<MnemonicValidator[]> {
      const keyIndices = await steps.allocateKeyIndices({ rollupAdmin, requestId, count });
      return steps.prepareMnemonicValidators({ rollupAdmin, bridge, operatorCluster, keyIndices, requestId });
    },
  };
}
