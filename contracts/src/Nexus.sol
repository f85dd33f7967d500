// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {
    IERC20, INexusBridge, INexusTypes, INodeOperator, ISSVNetwork, ISSVNetworkCore, Owned
} from "./Interfaces.sol";

/// Nexus core contract for the local network, ABI-compatible with the public Nexus contract where
/// the bot uses it (DESIGN.md §4.1). Differences from the public contract, on purpose:
/// - SSVNetwork, SSV token and NodeOperator addresses are constructor arguments (not testnet constants);
/// - every key's status is tracked (`validators`) together with the rollup it belongs to, and each
///   bot call checks both;
/// - `validatorExit` emits ValidatorExitSubmitted and asks SSV operators to exit the keys
///   (bulkExitValidator), which the public contract cannot do;
/// - `validatorSlashed` only emits an event (no bridge accounting of slashing here).
/// Nexus is the SSV owner of every rollup's validators, so it holds the SSV tokens that fund clusters.
contract Nexus is Owned, INexusTypes {
    enum ValidatorStatus {
        INACTIVE,
        DEPOSITED,
        SHARE_DEPOSITED,
        VALIDATOR_EXIT_SUBMITTED,
        VALIDATOR_EXITED
    }

    struct Rollup {
        address bridgeContract;
        uint16 stakingLimit; // basis points of the bridge's ETH that may be staked, 0..10000
        uint64 operatorCluster; // NodeOperator cluster id
    }

    struct ValidatorShares {
        bytes pubKey;
        uint64[] operatorIds;
        bytes sharesEncrypted;
        uint256 amount;
        ISSVNetworkCore.Cluster cluster;
    }

    error NotNexusBot();
    error AddressAlreadyWhitelisted();
    error AddressNotWhitelisted();
    error RollupAlreadyRegistered();
    error RollupNotRegistered();
    error NexusAddressNotFound();
    error IncorrectStakingLimit();
    error IncorrectNexusFee();
    error IncorrectValidatorStatus();
    error InvalidKeySupplied();

    event RollupWhitelisted(string name, address rollupAddress);
    event RollupRegistered(
        address rollupAdmin, address bridgeContract, uint16 stakingLimit, uint64 operatorCluster, uint16 nexusFee
    );
    event StakingLimitChanged(address rollupAdmin, uint16 stakingLimit);
    event RollupOperatorClusterChanged(address rollupAdmin, uint64 operatorCluster);
    event OffChainBotChanged(address bot);
    event ValidatorSubmitted(bytes pubKey, address rollupAdmin);
    event ValidatorShareSubmitted(bytes pubKey, address rollupAdmin, uint256 amount);
    event ValidatorExitSubmitted(address admin, bytes pubKey);
    event ValidatorExited(address rollupAdmin, bytes pubKey);
    event ValidatorSlashed(address rollupAdmin, uint256 amount);
    event ClusterRecharged(uint64 clusterId, uint256 amount);

    uint16 public constant BASIS_POINT = 10000;

    ISSVNetwork public immutable SSV_NETWORK;
    IERC20 public immutable SSV_TOKEN;
    INodeOperator public immutable NODE_OPERATOR;

    address public offChainBot;
    mapping(address => bool) public whitelistedRollups;
    mapping(address => Rollup) public rollups;
    mapping(address => uint16) public nexusFees;
    /// validators(pubkey) -> status; `validatorRollup(pubkey)` is the rollup admin it belongs to.
    mapping(bytes => ValidatorStatus) public validators;
    mapping(bytes => address) public validatorRollup;

    constructor(address ssvNetwork, address ssvToken, address nodeOperator) {
        SSV_NETWORK = ISSVNetwork(ssvNetwork);
        SSV_TOKEN = IERC20(ssvToken);
        NODE_OPERATOR = INodeOperator(nodeOperator);
    }

    modifier onlyOffChainBot() {
        if (msg.sender != offChainBot) revert NotNexusBot();
        _;
    }

    // ---------------------------------------------------------------- owner

    function setOffChainBot(address bot) external onlyOwner {
        offChainBot = bot;
        emit OffChainBotChanged(bot);
    }

    function whitelistRollup(string calldata name, address rollupAdmin) external onlyOwner {
        if (whitelistedRollups[rollupAdmin]) revert AddressAlreadyWhitelisted();
        whitelistedRollups[rollupAdmin] = true;
        emit RollupWhitelisted(name, rollupAdmin);
    }

    // ---------------------------------------------------------------- rollup admins

    function registerRollup(address bridgeContract, uint64 operatorCluster, uint16 nexusFee, uint16 stakingLimit)
        external
    {
        if (!whitelistedRollups[msg.sender]) revert AddressNotWhitelisted();
        if (rollups[msg.sender].bridgeContract != address(0)) revert RollupAlreadyRegistered();
        if (stakingLimit > BASIS_POINT) revert IncorrectStakingLimit();
        if (nexusFee > BASIS_POINT) revert IncorrectNexusFee();
        // The bridge must accept deposits from this contract only.
        if (INexusBridge(bridgeContract).NEXUS_NETWORK() != address(this)) revert NexusAddressNotFound();
        NODE_OPERATOR.getCluster(operatorCluster); // reverts ClusterNotPresent for an unknown cluster
        rollups[msg.sender] = Rollup(bridgeContract, stakingLimit, operatorCluster);
        nexusFees[msg.sender] = nexusFee;
        emit RollupRegistered(msg.sender, bridgeContract, stakingLimit, operatorCluster, nexusFee);
    }

    function changeStakingLimit(uint16 stakingLimit) external {
        _registeredRollup(msg.sender);
        if (stakingLimit > BASIS_POINT) revert IncorrectStakingLimit();
        rollups[msg.sender].stakingLimit = stakingLimit;
        emit StakingLimitChanged(msg.sender, stakingLimit);
    }

    function changeCluster(uint64 operatorCluster) external {
        _registeredRollup(msg.sender);
        NODE_OPERATOR.getCluster(operatorCluster);
        rollups[msg.sender].operatorCluster = operatorCluster;
        emit RollupOperatorClusterChanged(msg.sender, operatorCluster);
    }

    // ---------------------------------------------------------------- bot: validator lifecycle

    /// INACTIVE -> DEPOSITED for each key; the bridge checks the staking limit and deposits.
    function depositValidatorRollup(address rollupAdmin, Validator[] calldata keys) external onlyOffChainBot {
        Rollup memory rollup = _registeredRollup(rollupAdmin);
        for (uint256 i = 0; i < keys.length; i++) {
            bytes calldata pubKey = keys[i].pubKey;
            if (validators[pubKey] != ValidatorStatus.INACTIVE) revert IncorrectValidatorStatus();
            validators[pubKey] = ValidatorStatus.DEPOSITED;
            validatorRollup[pubKey] = rollupAdmin;
            emit ValidatorSubmitted(pubKey, rollupAdmin);
        }
        INexusBridge(rollup.bridgeContract).depositValidatorNexus(keys, rollup.stakingLimit);
    }

    /// DEPOSITED -> SHARE_DEPOSITED; registers the keyshares in SSV with Nexus as owner, paying
    /// `amount` SSV from this contract's balance into the cluster.
    function depositValidatorShares(address rollupAdmin, ValidatorShares calldata share) external onlyOffChainBot {
        _registeredRollup(rollupAdmin);
        _advance(share.pubKey, rollupAdmin, ValidatorStatus.DEPOSITED, ValidatorStatus.SHARE_DEPOSITED);
        SSV_TOKEN.approve(address(SSV_NETWORK), share.amount);
        SSV_NETWORK.registerValidator(share.pubKey, share.operatorIds, share.sharesEncrypted, share.amount, share.cluster);
        emit ValidatorShareSubmitted(share.pubKey, rollupAdmin, share.amount);
    }

    /// SHARE_DEPOSITED -> VALIDATOR_EXIT_SUBMITTED; SSV operators of the rollup's cluster are asked
    /// to exit the keys. The keys must have been registered in SSV with that cluster's operator ids
    /// (a rollup that changed cluster since makes SSV revert IncorrectValidatorStateWithData).
    function validatorExit(address rollupAdmin, bytes[] calldata pubkeys) external onlyOffChainBot {
        Rollup memory rollup = _registeredRollup(rollupAdmin);
        for (uint256 i = 0; i < pubkeys.length; i++) {
            _advance(pubkeys[i], rollupAdmin, ValidatorStatus.SHARE_DEPOSITED, ValidatorStatus.VALIDATOR_EXIT_SUBMITTED);
            emit ValidatorExitSubmitted(rollupAdmin, pubkeys[i]);
        }
        SSV_NETWORK.bulkExitValidator(pubkeys, NODE_OPERATOR.getCluster(rollup.operatorCluster));
    }

    /// VALIDATOR_EXIT_SUBMITTED -> VALIDATOR_EXITED, once the key's 32 ETH is back in the bridge:
    /// removes it from SSV (the cluster snapshot must be current) and lets the bridge stop counting it.
    function validatorExitBalanceTransferred(
        address rollupAdmin,
        bytes calldata pubkey,
        uint64[] calldata operatorIds,
        ISSVNetworkCore.Cluster calldata cluster
    ) external onlyOffChainBot {
        Rollup memory rollup = _registeredRollup(rollupAdmin);
        _advance(pubkey, rollupAdmin, ValidatorStatus.VALIDATOR_EXIT_SUBMITTED, ValidatorStatus.VALIDATOR_EXITED);
        SSV_NETWORK.removeValidator(pubkey, operatorIds, cluster);
        INexusBridge(rollup.bridgeContract).updateExitedValidators(); // reverts ValidatorNotExited
        emit ValidatorExited(rollupAdmin, pubkey);
    }

    /// Kept simple on the local network: only records the report as an event.
    function validatorSlashed(address rollupAdmin, uint256 amount) external onlyOffChainBot {
        _registeredRollup(rollupAdmin);
        emit ValidatorSlashed(rollupAdmin, amount);
    }

    /// Tops up the SSV balance of Nexus' cluster made of the operators of NodeOperator cluster `clusterId`.
    function rechargeCluster(uint64 clusterId, uint256 amount, ISSVNetworkCore.Cluster calldata cluster)
        external
        onlyOffChainBot
    {
        uint64[] memory operatorIds = NODE_OPERATOR.getCluster(clusterId);
        SSV_TOKEN.approve(address(SSV_NETWORK), amount);
        SSV_NETWORK.deposit(address(this), operatorIds, amount, cluster);
        emit ClusterRecharged(clusterId, amount);
    }

    // ---------------------------------------------------------------- internals

    function _registeredRollup(address rollupAdmin) private view returns (Rollup memory rollup) {
        rollup = rollups[rollupAdmin];
        if (rollup.bridgeContract == address(0)) revert RollupNotRegistered();
    }

    /// Moves one key from `from` to `to`, after checking it is in `from` and belongs to the rollup.
    function _advance(bytes calldata pubKey, address rollupAdmin, ValidatorStatus from, ValidatorStatus to) private {
        if (validators[pubKey] != from) revert IncorrectValidatorStatus();
        if (validatorRollup[pubKey] != rollupAdmin) revert InvalidKeySupplied();
        validators[pubKey] = to;
    }
}
