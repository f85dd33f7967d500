// The contract interfaces the bot talks to, as human-readable ABI fragments: the PUBLIC Nexus
// contracts (facts/nexus-contracts.md, versions v2024-03 and v2024-06) and SSVNetwork (§4.3), not
// our local build. test/unit/abi-conformance.test.ts checks every selector, topic and error here
// against the public interface (test/fixtures/nexus-public-interface.json): the bot may lean on
// nothing the public contracts lack (invariant 10).
import { Interface } from 'ethers';

const CLUSTER = '(uint32 validatorCount, uint64 networkFeeIndex, uint64 index, bool active, uint256 balance)';

export const NEXUS_ABI = [
  'function rollups(address rollupAdmin) view returns (address bridgeContract, uint16 stakingLimit, uint64 operatorCluster)',
  'function validators(bytes pubkey) view returns (uint8)',
  'function depositValidatorRollup(address rollupAdmin, (bytes pubKey, bytes withdrawalAddress, bytes signature, bytes32 depositRoot)[] validators)',
  `function depositValidatorShares(address rollupAdmin, (bytes pubKey, uint64[] operatorIds, bytes sharesEncrypted, uint256 amount, ${CLUSTER} cluster) share)`,
  // v2024-03: status only, SSV is not told. v2024-06: one key, calls SSVNetwork.exitValidator.
  'function validatorExit(address rollupAdmin, bytes[] pubkeys)',
  'function validatorExit(address rollupAdmin, bytes pubkey, uint64[] operatorIds)',
  `function validatorExitBalanceTransferred(address rollupAdmin, bytes pubkey, uint64[] operatorIds, ${CLUSTER} cluster)`,
  'function validatorSlashed(address rollupAdmin, uint256 amount)',
  `function rechargeCluster(uint64 clusterId, uint256 amount, ${CLUSTER} cluster)`,
  /** v2024-06 only (an empty revert on v2024-03): tells the versions apart (nexus-version.ts). */
  'function SSV_NETWORK() view returns (address)',
  'event RollupRegistered(address rollupAdmin, address bridgeContract, uint16 stakingLimit, uint64 operatorCluster, uint256 nexusFee)',
  'event StakingLimitChanged(address rollupAdmin, uint16 stakingLimit)',
  'event RollupOperatorClusterChanged(address rollupAdmin, uint64 operatorCluster)',
  'event ValidatorSubmitted(bytes pubKey, address rollupAdmin)',
  'event ValidatorShareSubmitted(bytes pubKey, address rollupAdmin, uint256 amount)',
  'event ValidatorExitSubmitted(address admin, bytes pubKey)',
  'event ValidatorExited(address rollupAdmin, bytes pubKey)',
  'error NotNexusBot()',
  'error IncorrectValidatorStatus()',
  'error IncorrectStakingLimit()',
  'error InvalidKeySupplied()',
] as const;

export const NODE_OPERATOR_ABI = [
  'function getCluster(uint64 clusterId) view returns (uint64[])',
  // No getter for an operator's key: it is only in SSVOperatorRegistered (operators.ts).
  'function ssvDKGIP(uint64 operatorId) view returns (string)',
  'event SSVOperatorRegistered(string name, uint256 indexed operatorId, string pubKey, string ip_address)',
  'event SSVOperatorUpdated(uint64 operatorId, string ip_address)',
  'event ClusterAdded(uint64 clusterId, uint64[] operatorIds)',
  'error ClusterNotPresent()',
] as const;

export const BRIDGE_ABI = [
  'function validatorCount() view returns (uint256)',
  'function VALIDATOR_DEPOSIT() view returns (uint256)',
  'function BASIS_POINT() view returns (uint256)',
  'function NEXUS_NETWORK() view returns (address)',
  'function getRewards() view returns (uint256)',
  /** CValue and Rebase ("user") bridges only: tells the kinds apart (bridge-kind.ts). */
  'function amountDistributed() view returns (uint256)',
  /** DAO bridges only. */
  'function DAO() view returns (address)',
  'error StakingLimitExceeding()',
  'error IncorrectWithdrawalCredentials()',
  'error ValidatorNotExited()',
  'error NotNexus()',
] as const;

/** SSVNetwork v1.x (SSV-token payments), the version the Nexus contract calls. */
export const SSV_NETWORK_V1_ABI = [
  // publicKey is the ABI encoding of the operator's base64 key string (operators.ts decodes it).
  'event OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee)',
  `event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares, ${CLUSTER} cluster)`,
  `event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey, ${CLUSTER} cluster)`,
  'event ValidatorExited(address indexed owner, uint64[] operatorIds, bytes publicKey)',
  `event ClusterDeposited(address indexed owner, uint64[] operatorIds, uint256 value, ${CLUSTER} cluster)`,
  `event ClusterWithdrawn(address indexed owner, uint64[] operatorIds, uint256 value, ${CLUSTER} cluster)`,
  `event ClusterLiquidated(address indexed owner, uint64[] operatorIds, ${CLUSTER} cluster)`,
  `event ClusterReactivated(address indexed owner, uint64[] operatorIds, ${CLUSTER} cluster)`,
  // No owner check: the bot's account tops up Nexus's clusters with its own tokens (Nexus.rechargeCluster never approves).
  `function deposit(address clusterOwner, uint64[] operatorIds, uint256 amount, ${CLUSTER} cluster)`,
  'error IncorrectClusterState()',
  'error InvalidOperatorIdsLength()',
  'error UnsortedOperatorsList()',
  'error OperatorDoesNotExist()',
  'error InvalidPublicKeyLength()',
  'error ValidatorAlreadyExistsWithData(bytes publicKey)',
  'error IncorrectValidatorStateWithData(bytes publicKey)',
  'error ValidatorDoesNotExist()',
  'error ClusterIsLiquidated()',
  'error InsufficientBalance()',
] as const;

export const ERC20_ABI = [
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 amount) returns (bool)',
] as const;

export const nexusInterface = new Interface(NEXUS_ABI);
export const nodeOperatorInterface = new Interface(NODE_OPERATOR_ABI);
export const bridgeInterface = new Interface(BRIDGE_ABI);
export const ssvNetworkInterface = new Interface(SSV_NETWORK_V1_ABI);
export const erc20Interface = new Interface(ERC20_ABI);

/**
 * Every custom error a bot transaction can revert with, from any contract on its path (Nexus
 * calls the bridge and SSVNetwork), for decoding reverts into names.
 */
export const ALL_ERRORS_INTERFACE = new Interface(
  [...NEXUS_ABI, ...NODE_OPERATOR_ABI, ...BRIDGE_ABI, ...SSV_NETWORK_V1_ABI].filter((f) => f.startsWith('error ')),
);
