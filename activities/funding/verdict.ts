// Whether a batch's registrations will go through, from the chain values (pure): the cluster is
// not liquidated, not liquidatable now, and Nexus holds the SSV tokens of every registration.
import type { FundingProblem, RegistrationFunding } from '../types';
import { batchAmountsWei, burnPerValidatorWei, isLiquidatable, type FundingPolicy } from './arithmetic';
import type { ClusterFundingState } from './reads';

const ssv = (wei: bigint) => `${wei} wei`;

export function fundingVerdict(state: ClusterFundingState, policy: FundingPolicy, count: number): RegistrationFunding {
  const amounts = batchAmountsWei(state.fees, policy, state.funds, count);
  const total = amounts.reduce((sum, a) => sum + a, 0n);
  const cluster = `SSV cluster of owner ${state.snapshot.owner} with operators [${state.operatorIds.join(',')}]`;
  let reason: FundingProblem | undefined;
  let message: string | undefined;
  if (state.liquidated) {
    reason = 'cluster-liquidated';
    message = `${cluster} is liquidated: it must be reactivated (SSVNetwork.reactivate) before any registration`;
  } else if (state.liquidatable || isLiquidatable(state.fees, state.funds.validatorCount, state.funds.balanceWei)) {
    reason = 'cluster-liquidatable';
    message = `${cluster} is liquidatable now (balance ${ssv(state.funds.balanceWei)} for ${state.funds.validatorCount} validators): top it up (SSVNetwork.deposit) before the bot deposits`;
  } else if (state.nexusTokensWei < total) {
    reason = 'nexus-ssv-short';
    message = `Nexus holds ${ssv(state.nexusTokensWei)} SSV tokens, the ${count} registrations of this batch need ${ssv(total)} (short by ${ssv(total - state.nexusTokensWei)}) for ${cluster}`;
  }
  return {
    ok: reason === undefined,
    ...(reason ? { reason, message } : {}),
    amountsWei: amounts.map(String),
    totalWei: total.toString(),
    nexusTokensWei: state.nexusTokensWei.toString(),
    clusterBalanceWei: state.funds.balanceWei.toString(),
    burnPerValidatorWei: burnPerValidatorWei(state.fees).toString(),
    operatorIds: state.operatorIds,
    validatorCount: state.funds.validatorCount,
    blockNumber: state.blockNumber,
  };
}
