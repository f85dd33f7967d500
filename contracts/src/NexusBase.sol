// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20, INexusBridge, INexusTypes, INodeOperator, ISSVNetwork, ISSVNetworkCore} from "./Interfaces.sol";
import {NexusOwnable, NexusProxiable} from "./NexusUpgradeable.sol";

/// Everything both public Nexus versions share (written from the facts, not copied): the same
/// functions, events, errors and checks, and no more. Where the public contract is silent, this
/// one is too: an unknown rollup admin makes calls go to address(0) (empty revert data), keys are
/// not tied to a rollup, operator ids are not compared with the rollup's cluster.
/// NexusV2024_03 and NexusV2024_06 add their own validatorExit (and v2024-06 the SSV getters).
///
/// SSVNetwork and the SSV token are compile-time constants, as in the public contract. Locally they
/// hold sentinels that contracts/deploy.ts replaces in the creation bytecode with the addresses of
/// the local deployments; each is read only through one non-inlined function (the build disables
/// the optimizer's inliner), so each sentinel occurs exactly once in the bytecode.
abstract contract NexusBase is NexusOwnable, NexusProxiable, INexusTypes {
    enum ValidatorStatus {
        INACTIVE,
        DEPOSITED,
        SHARE_DEPOSITED,
        VALIDATOR_EXIT_SUBMITTED,
        VALIDATOR_EXITED
    }

    struct Rollup {
        address bridgeContract;
        uint16 stakingLimit;
        uint64 operatorCluster;
    }

    // Errors and events of the public INexusInterface, all declared (some are never used, as public).
    error NotNexusBot();
    error AddressAlreadyWhitelisted();
    error AddressNotWhitelisted();
    error RollupAlreadyPresent();
    error RollupAlreadyRegistered();
    error NexusAddressNotFound();
    error IncorrectStakingLimit();
    error IncorrectValidatorStatus();
    error InvalidKeySupplied();
    error KeyNotDeposited();
    error ClusterAlreadyExited();
    error IncorrectAddress();

    event RollupWhitelisted(string name, address rollupAddress);
    event RollupRegistered(
        address rollupAdmin, address withdrawalAddress, uint16 stakingLimit, uint64 operatorCluster, uint256 nexusFee
    );
    event StakingLimitChanged(address rollupAdmin, uint16 StakingLimit);
    event RollupOperatorClusterChanged(address rollup_admin, uint64 operatorCluster);
    event NexusFeeChanged(address rollup_admin, uint256 newFee);
    event NodeOperatorContractChanged(address _nodeOperatorContract);
    event ValidatorSubmitted(bytes pubKey, address rolupAdmin);
    event ValidatorShareSubmitted(bytes pubKey, address rolupAdmin, uint256 amount);
    event ValidatorExitSubmitted(address admin, bytes pubKey);
    event ValidatorExited(address admin, bytes pubKey);
    event RollupValidatorSlashed(address admin, uint256 amount);
    event ClusterAdded(uint64 clusterId, uint64[] operatorIds);
    event ClusterRecharged(uint64 clusterId, uint256 amount);
    event SSVRecharged(address sender, uint256 amount);

    uint16 private constant BASIS_POINT = 10000;

    mapping(address => bool) private whitelistedRollups;
    address public offChainBot;
    mapping(address => Rollup) public rollups;
    mapping(bytes => ValidatorStatus) public validators;
    address public NodeOperatorContract;

    modifier onlyOffChainBot() {
        if (msg.sender != offChainBot) revert NotNexusBot();
        _;
    }

    modifier onlyWhitelistedRollup() {
        if (!whitelistedRollups[msg.sender]) revert AddressNotWhitelisted();
        _;
    }

    modifier nonZeroAddress(address account) {
        if (account == address(0)) revert IncorrectAddress();
        _;
    }

    /// Sentinel replaced at deployment by the local SSVNetwork's address (see the contract comment).
    function _ssvNetwork() internal pure returns (address) {
        return 0x5E4715E4715e4715e4715E4715E4715E47150001;
    }

    /// Sentinel replaced at deployment by the local SSV token's address.
    function _ssvToken() internal pure returns (address) {
        return 0x5E4715e4715E4715e4715E4715e4715E47150002;
    }

    function initialize() public initializeOnce {
        _ownableInit(msg.sender);
    }

    // ---------------------------------------------------------------- owner

    function whitelistRollup(string calldata name, address rollupAddress) external onlyOwner {
        if (whitelistedRollups[rollupAddress]) revert AddressAlreadyWhitelisted();
        whitelistedRollups[rollupAddress] = true;
        emit RollupWhitelisted(name, rollupAddress);
    }

    /// No event, as public.
    function setOffChainBot(address botAddress) external onlyOwner nonZeroAddress(botAddress) {
        offChainBot = botAddress;
    }

    function updateProxy(address newImplemetation) public onlyOwner nonZeroAddress(newImplemetation) {
        _updateCodeAddress(newImplemetation);
    }

    function setNodeOperatorContract(address nodeOperator) external onlyOwner nonZeroAddress(nodeOperator) {
        NodeOperatorContract = nodeOperator;
        emit NodeOperatorContractChanged(nodeOperator);
    }

    function changeExecutionFeeAddress(address executionFeeAddress) external onlyOwner nonZeroAddress(executionFeeAddress) {
        ISSVNetwork(_ssvNetwork()).setFeeRecipientAddress(executionFeeAddress);
    }

    // ---------------------------------------------------------------- rollup admins

    function isRollupWhitelisted(address rollupAddress) external view returns (bool) {
        return whitelistedRollups[rollupAddress];
    }

    /// The fee check is the bridge's (setNexusFee: 625 < fee <= 1000); the cluster must exist.
    function registerRollup(address bridgeContract, uint64 operatorCluster, uint256 nexusFee, uint16 stakingLimit)
        external
        onlyWhitelistedRollup
    {
        if (rollups[msg.sender].bridgeContract != address(0)) revert RollupAlreadyRegistered();
        if (INexusBridge(bridgeContract).NEXUS_NETWORK() != address(this)) revert NexusAddressNotFound();
        if (stakingLimit > BASIS_POINT) revert IncorrectStakingLimit();
        INexusBridge(bridgeContract).setNexusFee(nexusFee);
        INodeOperator(NodeOperatorContract).getCluster(operatorCluster);
        rollups[msg.sender] = Rollup(bridgeContract, stakingLimit, operatorCluster);
        emit RollupRegistered(msg.sender, bridgeContract, stakingLimit, operatorCluster, nexusFee);
    }

    function changeStakingLimit(uint16 newStakingLimit) external onlyWhitelistedRollup {
        if (newStakingLimit > BASIS_POINT) revert IncorrectStakingLimit();
        rollups[msg.sender].stakingLimit = newStakingLimit;
        emit StakingLimitChanged(msg.sender, newStakingLimit);
    }

    function changeNexusFee(uint256 newFee) external onlyWhitelistedRollup {
        INexusBridge(rollups[msg.sender].bridgeContract).setNexusFee(newFee);
        emit NexusFeeChanged(msg.sender, newFee);
    }

    function changeCluster(uint64 operatorCluster) external onlyWhitelistedRollup {
        INodeOperator(NodeOperatorContract).getCluster(operatorCluster);
        rollups[msg.sender].operatorCluster = operatorCluster;
        emit RollupOperatorClusterChanged(msg.sender, operatorCluster);
    }

    // ---------------------------------------------------------------- bot: validator lifecycle

    /// INACTIVE -> DEPOSITED per key, then the bridge checks the staking limit and deposits.
    function depositValidatorRollup(address rollupAdmin, Validator[] calldata keys) external onlyOffChainBot {
        for (uint256 i = 0; i < keys.length; i++) {
            if (validators[keys[i].pubKey] != ValidatorStatus.INACTIVE) revert IncorrectValidatorStatus();
            validators[keys[i].pubKey] = ValidatorStatus.DEPOSITED;
            emit ValidatorSubmitted(keys[i].pubKey, rollupAdmin);
        }
        Rollup memory rollup = rollups[rollupAdmin];
        INexusBridge(rollup.bridgeContract).depositValidatorNexus(keys, uint256(rollup.stakingLimit));
    }

    /// DEPOSITED -> SHARE_DEPOSITED: registers the keyshares in SSV with Nexus as the owner, paying
    /// `amount` SSV from Nexus' own token balance.
    function depositValidatorShares(address rollupAdmin, ValidatorShares calldata share) external onlyOffChainBot {
        if (validators[share.pubKey] != ValidatorStatus.DEPOSITED) revert IncorrectValidatorStatus();
        IERC20(_ssvToken()).approve(_ssvNetwork(), share.amount);
        ISSVNetwork(_ssvNetwork()).registerValidator(
            share.pubKey, share.operatorIds, share.sharesEncrypted, share.amount, share.cluster
        );
        validators[share.pubKey] = ValidatorStatus.SHARE_DEPOSITED;
        emit ValidatorShareSubmitted(share.pubKey, rollupAdmin, share.amount);
    }

    /// VALIDATOR_EXIT_SUBMITTED -> VALIDATOR_EXITED: removes the key from SSV (current snapshot
    /// needed) and lets the bridge stop counting it (it reverts ValidatorNotExited if short).
    function validatorExitBalanceTransferred(
        address rollupAdmin,
        bytes calldata pubkey,
        uint64[] memory operatorIds,
        ISSVNetworkCore.Cluster memory cluster
    ) external onlyOffChainBot {
        if (validators[pubkey] != ValidatorStatus.VALIDATOR_EXIT_SUBMITTED) revert IncorrectValidatorStatus();
        validators[pubkey] = ValidatorStatus.VALIDATOR_EXITED;
        ISSVNetwork(_ssvNetwork()).removeValidator(pubkey, operatorIds, cluster);
        INexusBridge(rollups[rollupAdmin].bridgeContract).updateExitedValidators();
        emit ValidatorExited(rollupAdmin, pubkey);
    }

    /// Sets (does not add to) the bridge's slashedAmount.
    function validatorSlashed(address rollupAdmin, uint256 amountSlashed) external onlyOffChainBot {
        INexusBridge(rollups[rollupAdmin].bridgeContract).validatorsSlashed(amountSlashed);
        emit RollupValidatorSlashed(rollupAdmin, amountSlashed);
    }

    /// Calls SSVNetwork.deposit without approving SSV first, as public: it fails unless an
    /// allowance happens to exist (top up a Nexus cluster with SSVNetwork.deposit directly).
    function rechargeCluster(uint64 clusterId, uint256 amount, ISSVNetworkCore.Cluster memory cluster)
        external
        onlyOffChainBot
    {
        ISSVNetwork(_ssvNetwork()).deposit(
            address(this), INodeOperator(NodeOperatorContract).getCluster(clusterId), amount, cluster
        );
        emit ClusterRecharged(clusterId, amount);
    }
}
