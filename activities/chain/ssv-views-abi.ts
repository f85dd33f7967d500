// SSVNetworkViews v1.2.0 (ssvlabs/ssv-network contracts/interfaces/ISSVViews.sol): the read-only
// surface the bot needs to fund a registration. Values are expanded SSV-token wei (per block for
// fees). getBalance, getBurnRate and isLiquidatable revert for a never-used cluster
// (ClusterDoesNotExists); getBalance and getBurnRate also for a liquidated one (ClusterIsLiquidated).
import { Interface } from 'ethers';

const CLUSTER = '(uint32 validatorCount, uint64 networkFeeIndex, uint64 index, bool active, uint256 balance)';

export const SSV_NETWORK_VIEWS_ABI = [
  `function getBalance(address owner, uint64[] operatorIds, ${CLUSTER} cluster) view returns (uint256)`,
  `function getBurnRate(address owner, uint64[] operatorIds, ${CLUSTER} cluster) view returns (uint256)`,
  `function isLiquidatable(address owner, uint64[] operatorIds, ${CLUSTER} cluster) view returns (bool)`,
  `function isLiquidated(address owner, uint64[] operatorIds, ${CLUSTER} cluster) view returns (bool)`,
  'function getNetworkFee() view returns (uint256)',
  'function getOperatorFee(uint64 operatorId) view returns (uint256)',
  'function getMinimumLiquidationCollateral() view returns (uint256)',
  'function getLiquidationThresholdPeriod() view returns (uint64)',
  'error ClusterDoesNotExists()',
  'error ClusterIsLiquidated()',
  'error OperatorDoesNotExist()',
] as const;

export const ssvNetworkViewsInterface = new Interface(SSV_NETWORK_VIEWS_ABI);
