// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20, ISSVNetworkCore, Owned} from "./Interfaces.sol";
import {SSVFeeLib} from "./SSVFeeLib.sol";

/// A local SSVNetwork with the v1.2.0 ABI and the rules that decide whether a call succeeds:
/// - the cluster snapshot rule (only keccak256(validatorCount, networkFeeIndex, index, balance,
///   active) is stored per keccak256(owner, operatorIds); a new cluster is {0,0,0,true,0});
/// - registration checks (4/7/10/13 strictly ascending known operators, 48-byte key, one key per
///   (pubkey, owner));
/// - fees: operator fees and the network fee accrue per block and validator through the operator
///   indexes and the network fee index (SSVFeeLib); registration reverts InsufficientBalance when
///   the cluster would be liquidatable; anyone may liquidate a liquidatable cluster or deposit
///   into any cluster; the owner withdraws and reactivates.
/// Left out: operator whitelists, validator caps per operator, fee declarations, DAO earnings.
/// The views live in SSVNetworkViews, as in the real deployment.
contract SSVNetwork is ISSVNetworkCore, Owned {
    using SSVFeeLib for SSVFeeLib.Operator;
    using SSVFeeLib for SSVFeeLib.Protocol;
    using SSVFeeLib for ISSVNetworkCore.Cluster;

    event OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee);
    event NetworkFeeUpdated(uint256 oldFee, uint256 newFee);
    event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares, Cluster cluster);
    event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey, Cluster cluster);
    event ValidatorExited(address indexed owner, uint64[] operatorIds, bytes publicKey);
    event ClusterDeposited(address indexed owner, uint64[] operatorIds, uint256 value, Cluster cluster);
    event ClusterWithdrawn(address indexed owner, uint64[] operatorIds, uint256 value, Cluster cluster);
    event ClusterLiquidated(address indexed owner, uint64[] operatorIds, Cluster cluster);
    event ClusterReactivated(address indexed owner, uint64[] operatorIds, Cluster cluster);
    event FeeRecipientAddressUpdated(address indexed owner, address recipientAddress);

    error TokenTransferFailed();

    IERC20 public immutable token;
    uint64 public lastOperatorId;
    mapping(uint64 => SSVFeeLib.Operator) public operators;
    SSVFeeLib.Protocol public protocol;
    /// keccak256(owner, operatorIds) -> hash of the latest Cluster snapshot.
    mapping(bytes32 => bytes32) public clusters;
    /// keccak256(publicKey, owner) -> keccak256(operatorIds) with the lowest bit set (as v1.2.0).
    mapping(bytes32 => bytes32) public validatorPKs;

    /// Amounts in SSV wei (network fee per validator per block), each divisible by 1e7.
    constructor(address ssvToken, uint256 networkFee, uint256 minimumLiquidationCollateral, uint64 liquidationThresholdPeriod) {
        token = IERC20(ssvToken);
        protocol = SSVFeeLib.Protocol({
            networkFee: SSVFeeLib.shrink(networkFee),
            networkFeeIndex: 0,
            networkFeeIndexBlockNumber: uint32(block.number),
            minimumLiquidationCollateral: SSVFeeLib.shrink(minimumLiquidationCollateral),
            minimumBlocksBeforeLiquidation: liquidationThresholdPeriod
        });
    }

    // ---------------------------------------------------------------- operators and DAO

    /// Ids start at 1; `fee` is SSV wei per validator per block.
    function registerOperator(bytes calldata publicKey, uint256 fee) external returns (uint64 id) {
        id = ++lastOperatorId;
        operators[id] = SSVFeeLib.Operator(msg.sender, SSVFeeLib.shrink(fee), 0, uint32(block.number), 0, 0);
        emit OperatorAdded(id, msg.sender, publicKey, fee);
    }

    /// The index accrued at the old fee is kept; the new fee applies from this block.
    function updateNetworkFee(uint256 fee) external onlyOwner {
        SSVFeeLib.Protocol memory p = protocol;
        uint256 old = SSVFeeLib.expand(p.networkFee);
        p.networkFeeIndex = p.currentNetworkFeeIndex();
        p.networkFeeIndexBlockNumber = uint32(block.number);
        p.networkFee = SSVFeeLib.shrink(fee);
        protocol = p;
        emit NetworkFeeUpdated(old, fee);
    }

    function setFeeRecipientAddress(address recipientAddress) external {
        emit FeeRecipientAddressUpdated(msg.sender, recipientAddress);
    }

    // ---------------------------------------------------------------- validators

    function registerValidator(
        bytes calldata publicKey,
        uint64[] calldata operatorIds,
        bytes calldata sharesData,
        uint256 amount,
        Cluster memory cluster
    ) external {
        bytes[] memory keys = new bytes[](1);
        keys[0] = publicKey;
        bytes[] memory shares = new bytes[](1);
        shares[0] = sharesData;
        _register(keys, operatorIds, shares, amount, cluster);
    }

    /// One ValidatorAdded per key, in order, each carrying the final snapshot (as v1.2.0).
    function bulkRegisterValidator(
        bytes[] calldata publicKeys,
        uint64[] calldata operatorIds,
        bytes[] calldata sharesData,
        uint256 amount,
        Cluster memory cluster
    ) external {
        if (publicKeys.length == 0) revert EmptyPublicKeysList();
        if (publicKeys.length != sharesData.length) revert PublicKeysSharesLengthMismatch();
        _register(publicKeys, operatorIds, sharesData, amount, cluster);
    }

    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds, Cluster memory cluster) external {
        bytes[] memory keys = new bytes[](1);
        keys[0] = publicKey;
        _remove(keys, operatorIds, cluster);
    }

    function bulkRemoveValidator(bytes[] calldata publicKeys, uint64[] calldata operatorIds, Cluster memory cluster)
        external
    {
        if (publicKeys.length == 0) revert ValidatorDoesNotExist();
        _remove(publicKeys, operatorIds, cluster);
    }

    /// Changes no state: the event tells the cluster's operators to sign and broadcast an exit.
    function exitValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        _checkRegistered(publicKey, keccak256(abi.encodePacked(operatorIds)));
        emit ValidatorExited(msg.sender, operatorIds, publicKey);
    }

    function bulkExitValidator(bytes[] calldata publicKeys, uint64[] calldata operatorIds) external {
        if (publicKeys.length == 0) revert ValidatorDoesNotExist();
        bytes32 idsHash = keccak256(abi.encodePacked(operatorIds));
        for (uint256 i = 0; i < publicKeys.length; i++) {
            _checkRegistered(publicKeys[i], idsHash);
            emit ValidatorExited(msg.sender, operatorIds, publicKeys[i]);
        }
    }

    // ---------------------------------------------------------------- cluster balance

    /// Anyone may top up any existing cluster (no owner check; no fee settlement, as v1.2.0).
    function deposit(address clusterOwner, uint64[] calldata operatorIds, uint256 amount, Cluster memory cluster) external {
        bytes32 key = _validateHashed(clusterOwner, operatorIds, cluster);
        cluster.balance += amount;
        clusters[key] = cluster.hashCluster();
        _pull(amount);
        emit ClusterDeposited(clusterOwner, operatorIds, amount, cluster);
    }

    function withdraw(uint64[] calldata operatorIds, uint256 amount, Cluster memory cluster) external {
        bytes32 key = _validateHashed(msg.sender, operatorIds, cluster);
        if (!cluster.active) revert ClusterIsLiquidated();
        (uint64 clusterIndex, uint64 burnRate) = _currentIndexes(operatorIds);
        SSVFeeLib.Protocol memory p = protocol;
        uint64 nfi = p.currentNetworkFeeIndex();
        cluster.updateBalance(clusterIndex, nfi);
        if (cluster.balance < amount) revert InsufficientBalance();
        cluster.balance -= amount;
        if (cluster.isLiquidatable(burnRate, p)) revert InsufficientBalance();
        cluster.index = clusterIndex;
        cluster.networkFeeIndex = nfi;
        clusters[key] = cluster.hashCluster();
        if (!token.transfer(msg.sender, amount)) revert TokenTransferFailed();
        emit ClusterWithdrawn(msg.sender, operatorIds, amount, cluster);
    }

    /// Anyone may liquidate a liquidatable cluster (its owner any cluster) and gets its balance.
    function liquidate(address clusterOwner, uint64[] calldata operatorIds, Cluster memory cluster) external {
        bytes32 key = _validateHashed(clusterOwner, operatorIds, cluster);
        if (!cluster.active) revert ClusterIsLiquidated();
        (uint64 clusterIndex, uint64 burnRate) = _updateOperators(operatorIds, cluster.validatorCount, false);
        SSVFeeLib.Protocol memory p = protocol;
        cluster.updateBalance(clusterIndex, p.currentNetworkFeeIndex());
        if (clusterOwner != msg.sender && !cluster.isLiquidatable(burnRate, p)) revert ClusterNotLiquidatable();
        uint256 seized = cluster.balance;
        cluster.active = false;
        cluster.balance = 0;
        cluster.index = 0;
        cluster.networkFeeIndex = 0;
        clusters[key] = cluster.hashCluster();
        if (seized > 0 && !token.transfer(msg.sender, seized)) revert TokenTransferFailed();
        emit ClusterLiquidated(clusterOwner, operatorIds, cluster);
    }

    function reactivate(uint64[] calldata operatorIds, uint256 amount, Cluster memory cluster) external {
        bytes32 key = _validateHashed(msg.sender, operatorIds, cluster);
        if (cluster.active) revert ClusterAlreadyEnabled();
        (uint64 clusterIndex, uint64 burnRate) = _updateOperators(operatorIds, cluster.validatorCount, true);
        SSVFeeLib.Protocol memory p = protocol;
        cluster.balance += amount;
        cluster.active = true;
        cluster.index = clusterIndex;
        cluster.networkFeeIndex = p.currentNetworkFeeIndex();
        if (cluster.isLiquidatable(burnRate, p)) revert InsufficientBalance();
        clusters[key] = cluster.hashCluster();
        _pull(amount);
        emit ClusterReactivated(msg.sender, operatorIds, cluster);
    }

    // ---------------------------------------------------------------- internals

    function _register(
        bytes[] memory publicKeys,
        uint64[] calldata operatorIds,
        bytes[] memory sharesData,
        uint256 amount,
        Cluster memory cluster
    ) private {
        _addKeys(publicKeys, operatorIds);
        bytes32 key = _validateOnRegistration(operatorIds, cluster);
        _settleRegistration(operatorIds, uint32(publicKeys.length), amount, cluster);
        clusters[key] = cluster.hashCluster();
        _pull(amount);
        for (uint256 i = 0; i < publicKeys.length; i++) {
            emit ValidatorAdded(msg.sender, operatorIds, publicKeys[i], sharesData[i], cluster);
        }
    }

    function _addKeys(bytes[] memory publicKeys, uint64[] calldata operatorIds) private {
        uint256 n = operatorIds.length;
        if (n < 4 || n > 13 || n % 3 != 1) revert InvalidOperatorIdsLength();
        for (uint256 i = 1; i < n; i++) {
            if (operatorIds[i] == operatorIds[i - 1]) revert OperatorsListNotUnique();
            if (operatorIds[i] < operatorIds[i - 1]) revert UnsortedOperatorsList();
        }
        bytes32 idsData = _activeValidatorData(keccak256(abi.encodePacked(operatorIds)));
        for (uint256 i = 0; i < publicKeys.length; i++) {
            if (publicKeys[i].length != 48) revert InvalidPublicKeyLength();
            bytes32 validatorKey = keccak256(abi.encodePacked(publicKeys[i], msg.sender));
            if (validatorPKs[validatorKey] != bytes32(0)) revert ValidatorAlreadyExistsWithData(publicKeys[i]);
            validatorPKs[validatorKey] = idsData;
        }
    }

    /// A new cluster must be {0,0,0,true,0}; an existing one must match its stored snapshot.
    function _validateOnRegistration(uint64[] calldata operatorIds, Cluster memory cluster)
        private
        view
        returns (bytes32 key)
    {
        key = SSVFeeLib.clusterKey(msg.sender, operatorIds);
        bytes32 stored = clusters[key];
        if (stored == bytes32(0)) {
            if (
                cluster.validatorCount != 0 || cluster.networkFeeIndex != 0 || cluster.index != 0
                    || cluster.balance != 0 || !cluster.active
            ) revert IncorrectClusterState();
        } else if (stored != cluster.hashCluster()) {
            revert IncorrectClusterState();
        }
        if (!cluster.active) revert ClusterIsLiquidated();
    }

    /// Charges the fees accrued so far, adds the validators and the deposit, and refuses a
    /// cluster that would be liquidatable right after (InsufficientBalance).
    function _settleRegistration(uint64[] calldata operatorIds, uint32 added, uint256 amount, Cluster memory cluster)
        private
    {
        (uint64 clusterIndex, uint64 burnRate) = _updateOperators(operatorIds, added, true);
        SSVFeeLib.Protocol memory p = protocol;
        uint64 nfi = p.currentNetworkFeeIndex();
        cluster.balance += amount;
        cluster.updateBalance(clusterIndex, nfi);
        cluster.index = clusterIndex;
        cluster.networkFeeIndex = nfi;
        cluster.validatorCount += added;
        if (cluster.isLiquidatable(burnRate, p)) revert InsufficientBalance();
    }

    function _remove(bytes[] memory publicKeys, uint64[] calldata operatorIds, Cluster memory cluster) private {
        bytes32 idsData = _activeValidatorData(keccak256(abi.encodePacked(operatorIds)));
        for (uint256 i = 0; i < publicKeys.length; i++) {
            bytes32 validatorKey = keccak256(abi.encodePacked(publicKeys[i], msg.sender));
            bytes32 data = validatorPKs[validatorKey];
            if (data == bytes32(0)) revert ValidatorDoesNotExist();
            if (data != idsData) revert IncorrectValidatorStateWithData(publicKeys[i]);
            delete validatorPKs[validatorKey];
        }
        bytes32 key = _validateHashed(msg.sender, operatorIds, cluster);
        uint32 removed = uint32(publicKeys.length);
        if (cluster.active) {
            // A liquidated cluster's validators no longer count at its operators.
            (uint64 clusterIndex,) = _updateOperators(operatorIds, removed, false);
            SSVFeeLib.Protocol memory p = protocol;
            uint64 nfi = p.currentNetworkFeeIndex();
            cluster.updateBalance(clusterIndex, nfi);
            cluster.index = clusterIndex;
            cluster.networkFeeIndex = nfi;
        }
        cluster.validatorCount -= removed;
        clusters[key] = cluster.hashCluster();
        for (uint256 i = 0; i < publicKeys.length; i++) {
            emit ValidatorRemoved(msg.sender, operatorIds, publicKeys[i], cluster);
        }
    }

    /// Snapshots each operator, changes its validator count, and returns the cluster's index (sum
    /// of the operators' indexes) and burn rate (sum of their fees).
    function _updateOperators(uint64[] calldata operatorIds, uint32 count, bool increase)
        private
        returns (uint64 clusterIndex, uint64 burnRate)
    {
        for (uint256 i = 0; i < operatorIds.length; i++) {
            SSVFeeLib.Operator memory op = operators[operatorIds[i]];
            if (op.owner == address(0)) revert OperatorDoesNotExist();
            op.updateSnapshot();
            op.validatorCount = increase ? op.validatorCount + count : op.validatorCount - count;
            operators[operatorIds[i]] = op;
            clusterIndex += op.snapshotIndex;
            burnRate += op.fee;
        }
    }

    function _currentIndexes(uint64[] calldata operatorIds) private view returns (uint64 clusterIndex, uint64 burnRate) {
        for (uint256 i = 0; i < operatorIds.length; i++) {
            SSVFeeLib.Operator memory op = operators[operatorIds[i]];
            if (op.owner == address(0)) continue;
            clusterIndex += op.currentIndex();
            burnRate += op.fee;
        }
    }

    function _validateHashed(address owner, uint64[] calldata operatorIds, Cluster memory cluster)
        private
        view
        returns (bytes32 key)
    {
        key = SSVFeeLib.clusterKey(owner, operatorIds);
        bytes32 stored = clusters[key];
        if (stored == bytes32(0)) revert ClusterDoesNotExists();
        if (stored != cluster.hashCluster()) revert IncorrectClusterState();
    }

    function _checkRegistered(bytes calldata publicKey, bytes32 idsHash) private view {
        bytes32 stored = validatorPKs[keccak256(abi.encodePacked(publicKey, msg.sender))];
        // Unknown key, other owner or other operator ids all fail the same way (as v1.2.0).
        if (stored != _activeValidatorData(idsHash)) revert IncorrectValidatorStateWithData(publicKey);
    }

    function _pull(uint256 amount) private {
        if (amount > 0 && !token.transferFrom(msg.sender, address(this), amount)) revert TokenTransferFailed();
    }

    function _activeValidatorData(bytes32 idsHash) private pure returns (bytes32) {
        return idsHash | bytes32(uint256(1));
    }
}
