// Chain reads for funding a registration: the cluster's snapshot (from SSVNetwork's events), its
// fees and balance (SSVNetworkViews), and Nexus's SSV tokens, all at the snapshot's block.
import { ethers } from 'ethers';
import { readClusterOperatorIds } from '../chain/operators';
import { ERC20_ABI } from '../chain/abi';
import { readClusterSnapshot, type ClusterSnapshotResult, type ScanOptions } from '../chain/reads';
import { SSV_NETWORK_VIEWS_ABI } from '../chain/ssv-views-abi';
import type { ClusterFunds, FeeParameters } from './arithmetic';

export interface FundingContracts {
  nexus: string;
  nodeOperator: string;
  ssvNetwork: string;
  ssvNetworkViews: string;
  ssvToken: string;
}

export interface ClusterFundingState {
  operatorIds: number[];
  snapshot: ClusterSnapshotResult;
  fees: FeeParameters;
  funds: ClusterFunds;
  /** The cluster is liquidated (snapshot active == false): registering reverts ClusterIsLiquidated. */
  liquidated: boolean;
  /** isLiquidatable now: anyone may liquidate it before the registration is mined. */
  liquidatable: boolean;
  /** SSV tokens Nexus holds (it pays every registration from its own balance). */
  nexusTokensWei: bigint;
  blockNumber: number;
}

/** The operator ids of NodeOperator cluster `clusterId`, ascending (as SSV requires). */
/** The cluster's operator ids, sorted and checked as every other read of them (chain/operators.ts). */
export async function readOperatorIds(
  provider: ethers.Provider,
  nodeOperator: string,
  clusterId: number,
): Promise<number[]> {
  return readClusterOperatorIds(provider, nodeOperator, clusterId, await provider.getBlockNumber());
}

export async function readClusterFunding(
  provider: ethers.Provider,
  contracts: FundingContracts,
  operatorIds: number[],
  scan: ScanOptions,
): Promise<ClusterFundingState> {
  const snapshot = await readClusterSnapshot(provider, contracts.ssvNetwork, contracts.nexus, operatorIds, scan);
  const blockTag = snapshot.blockNumber;
  const views = new ethers.Contract(contracts.ssvNetworkViews, SSV_NETWORK_VIEWS_ABI, provider);
  const token = new ethers.Contract(contracts.ssvToken, ERC20_ABI, provider);
  const [operatorFeesWei, networkFeeWei, minimumLiquidationCollateralWei, liquidationThresholdBlocks, nexusTokensWei] =
    await Promise.all([
      Promise.all(operatorIds.map((id) => views.getOperatorFee(id, { blockTag }) as Promise<bigint>)),
      views.getNetworkFee({ blockTag }) as Promise<bigint>,
      views.getMinimumLiquidationCollateral({ blockTag }) as Promise<bigint>,
      views.getLiquidationThresholdPeriod({ blockTag }) as Promise<bigint>,
      token.balanceOf(contracts.nexus, { blockTag }) as Promise<bigint>,
    ]);
  const c = snapshot.cluster;
  const liquidated = !c.active;
  const tuple = [c.validatorCount, c.networkFeeIndex, c.index, c.active, c.balance];
  // getBalance and isLiquidatable revert for a never-used cluster (no event yet) and getBalance for
  // a liquidated one: a new cluster holds nothing, a liquidated one nothing usable.
  let balanceWei = 0n;
  let liquidatable = false;
  if (snapshot.source !== null && !liquidated) {
    [balanceWei, liquidatable] = await Promise.all([
      views.getBalance(contracts.nexus, operatorIds, tuple, { blockTag }) as Promise<bigint>,
      views.isLiquidatable(contracts.nexus, operatorIds, tuple, { blockTag }) as Promise<boolean>,
    ]);
  }
  return {
    operatorIds,
    snapshot,
    liquidated,
    liquidatable,
    nexusTokensWei,
    blockNumber: blockTag,
    fees: { operatorFeesWei, networkFeeWei, minimumLiquidationCollateralWei, liquidationThresholdBlocks },
    funds: { validatorCount: c.validatorCount, balanceWei },
  };
}
