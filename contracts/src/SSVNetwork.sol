// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20, ISSVNetworkCore} from "./Interfaces.sol";

/// A local SSVNetwork with the v1.x ABI subset Nexus and the bot use. What it keeps real:
/// - the cluster snapshot rule: only keccak256(validatorCount, networkFeeIndex, index, balance,
///   active) is stored per keccak256(owner, operatorIds); callers must pass the exact latest
///   snapshot (a new cluster: {0,0,0,true,0}) or get IncorrectClusterState, and every event
///   carries the new snapshot;
/// - the registration checks (operator count 4/7/10/13, strictly ascending ids, known operators,
///   48-byte pubkey, uniqueness per (pubkey, owner)) and their error names;
/// - SSV token amounts pulled with transferFrom and added to the cluster balance.
/// What it simplifies: no fee accounting (networkFeeIndex and index stay 0, balances never burn,
/// nothing is liquidatable), no operator whitelists or validator caps, no DAO or withdraw/liquidate.
/// sharesData is not checked on-chain, as in the real contract: SSV nodes check it off-chain.
contract SSVNetwork is ISSVNetworkCore {
    event OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee);
    event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares, Cluster cluster);
    event ValidatorExited(address indexed owner, uint64[] operatorIds, bytes publicKey);
    event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey, Cluster cluster);
    event ClusterDeposited(address indexed owner, uint64[] operatorIds, uint256 value, Cluster cluster);
    /// Declared as in v1.x so that the bot's ABI matches; the local network has no withdraw,
    /// liquidation or reactivation, so they are never emitted here.
    event ClusterWithdrawn(address indexed owner, uint64[] operatorIds, uint256 value, Cluster cluster);
    event ClusterLiquidated(address indexed owner, uint64[] operatorIds, Cluster cluster);
    event ClusterReactivated(address indexed owner, uint64[] operatorIds, Cluster cluster);

    error TokenTransferFailed();

    struct Operator {
        address owner;
        uint256 fee;
        bytes publicKey;
    }

    IERC20 public immutable token;

    uint64 public lastOperatorId;
    /// operators(id) -> (owner, fee, publicKey); owner == 0 means no such operator.
    mapping(uint64 => Operator) public operators;
    /// keccak256(owner, operatorIds) -> hash of the latest Cluster snapshot.
    mapping(bytes32 => bytes32) public clusters;
    /// keccak256(publicKey, owner) -> keccak256(operatorIds) with the lowest bit set (as v1.x).
    mapping(bytes32 => bytes32) public validatorPKs;

    constructor(address ssvToken) {
        token = IERC20(ssvToken);
    }

    // ---------------------------------------------------------------- operators

    /// Ids start at 1 and grow by one, as in SSVNetwork.
    function registerOperator(bytes calldata publicKey, uint256 fee) external returns (uint64 id) {
        id = ++lastOperatorId;
        operators[id] = Operator(msg.sender, fee, publicKey);
        emit OperatorAdded(id, msg.sender, publicKey, fee);
    }

    // ---------------------------------------------------------------- validators

    function registerValidator(
        bytes calldata publicKey,
        uint64[] calldata operatorIds,
        bytes calldata sharesData,
        uint256 amount,
        Cluster memory cluster
    ) external {
        bytes32 clusterKey = _validateOperatorsAndCluster(operatorIds, cluster);
        _addValidator(publicKey, operatorIds);
        cluster.validatorCount += 1;
        _depositInto(cluster, amount);
        clusters[clusterKey] = _hashCluster(cluster);
        emit ValidatorAdded(msg.sender, operatorIds, publicKey, sharesData, cluster);
    }

    /// One ValidatorAdded event per key, in array order, each carrying the final snapshot (as v1.x).
    function bulkRegisterValidator(
        bytes[] calldata publicKeys,
        uint64[] calldata operatorIds,
        bytes[] calldata sharesData,
        uint256 amount,
        Cluster memory cluster
    ) external {
        if (publicKeys.length == 0) revert EmptyPublicKeysList();
        if (publicKeys.length != sharesData.length) revert PublicKeysSharesLengthMismatch();
        bytes32 clusterKey = _validateOperatorsAndCluster(operatorIds, cluster);
        for (uint256 i = 0; i < publicKeys.length; i++) {
            _addValidator(publicKeys[i], operatorIds);
        }
        cluster.validatorCount += uint32(publicKeys.length);
        _depositInto(cluster, amount);
        clusters[clusterKey] = _hashCluster(cluster);
        for (uint256 i = 0; i < publicKeys.length; i++) {
            emit ValidatorAdded(msg.sender, operatorIds, publicKeys[i], sharesData[i], cluster);
        }
    }

    /// Changes no state: the event tells the cluster's operators to sign and broadcast a voluntary exit.
    function exitValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        _checkValidatorForExit(publicKey, keccak256(abi.encodePacked(operatorIds)));
        emit ValidatorExited(msg.sender, operatorIds, publicKey);
    }

    function bulkExitValidator(bytes[] calldata publicKeys, uint64[] calldata operatorIds) external {
        if (publicKeys.length == 0) revert ValidatorDoesNotExist();
        bytes32 idsHash = keccak256(abi.encodePacked(operatorIds));
        for (uint256 i = 0; i < publicKeys.length; i++) {
            _checkValidatorForExit(publicKeys[i], idsHash);
            emit ValidatorExited(msg.sender, operatorIds, publicKeys[i]);
        }
    }

    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds, Cluster memory cluster) external {
        bytes32 clusterKey = _validateExistingCluster(msg.sender, operatorIds, cluster);
        bytes32 validatorKey = keccak256(abi.encodePacked(publicKey, msg.sender));
        bytes32 stored = validatorPKs[validatorKey];
        if (stored == bytes32(0)) revert ValidatorDoesNotExist();
        if (stored != _activeValidatorData(keccak256(abi.encodePacked(operatorIds)))) {
            revert IncorrectValidatorStateWithData(publicKey);
        }
        delete validatorPKs[validatorKey];
        cluster.validatorCount -= 1;
        clusters[clusterKey] = _hashCluster(cluster);
        emit ValidatorRemoved(msg.sender, operatorIds, publicKey, cluster);
    }

    // ---------------------------------------------------------------- cluster balance

    /// Anyone may top up any existing cluster (no owner check, as v1.x).
    function deposit(address clusterOwner, uint64[] calldata operatorIds, uint256 amount, Cluster memory cluster) external {
        bytes32 clusterKey = _validateExistingCluster(clusterOwner, operatorIds, cluster);
        _depositInto(cluster, amount);
        clusters[clusterKey] = _hashCluster(cluster);
        emit ClusterDeposited(clusterOwner, operatorIds, amount, cluster);
    }

    // ---------------------------------------------------------------- internals

    function _validateOperatorsAndCluster(uint64[] calldata operatorIds, Cluster memory cluster)
        private
        view
        returns (bytes32 clusterKey)
    {
        uint256 n = operatorIds.length;
        // Committees of 3f+1 operators, f = 1..4.
        if (n < 4 || n > 13 || n % 3 != 1) revert InvalidOperatorIdsLength();
        for (uint256 i = 0; i < n; i++) {
            if (i > 0 && operatorIds[i] <= operatorIds[i - 1]) revert UnsortedOperatorsList();
            if (operators[operatorIds[i]].owner == address(0)) revert OperatorDoesNotExist();
        }
        clusterKey = keccak256(abi.encodePacked(msg.sender, operatorIds));
        bytes32 stored = clusters[clusterKey];
        if (stored == bytes32(0)) {
            // A new cluster: only the empty active snapshot is accepted.
            if (
                cluster.validatorCount != 0 || cluster.networkFeeIndex != 0 || cluster.index != 0
                    || cluster.balance != 0 || !cluster.active
            ) revert IncorrectClusterState();
        } else {
            if (stored != _hashCluster(cluster)) revert IncorrectClusterState();
            if (!cluster.active) revert ClusterIsLiquidated();
        }
    }

    function _validateExistingCluster(address clusterOwner, uint64[] calldata operatorIds, Cluster memory cluster)
        private
        view
        returns (bytes32 clusterKey)
    {
        clusterKey = keccak256(abi.encodePacked(clusterOwner, operatorIds));
        bytes32 stored = clusters[clusterKey];
        if (stored == bytes32(0)) revert ClusterDoesNotExists();
        if (stored != _hashCluster(cluster)) revert IncorrectClusterState();
    }

    function _addValidator(bytes calldata publicKey, uint64[] calldata operatorIds) private {
        if (publicKey.length != 48) revert InvalidPublicKeyLength();
        bytes32 validatorKey = keccak256(abi.encodePacked(publicKey, msg.sender));
        if (validatorPKs[validatorKey] != bytes32(0)) revert ValidatorAlreadyExistsWithData(publicKey);
        validatorPKs[validatorKey] = _activeValidatorData(keccak256(abi.encodePacked(operatorIds)));
    }

    function _checkValidatorForExit(bytes calldata publicKey, bytes32 idsHash) private view {
        bytes32 stored = validatorPKs[keccak256(abi.encodePacked(publicKey, msg.sender))];
        // Unknown key, other owner or other operator ids all fail the same way (as v1.x).
        if (stored != _activeValidatorData(idsHash)) revert IncorrectValidatorStateWithData(publicKey);
    }

    function _depositInto(Cluster memory cluster, uint256 amount) private {
        if (amount > 0) {
            if (!token.transferFrom(msg.sender, address(this), amount)) revert TokenTransferFailed();
            cluster.balance += amount;
        }
    }

    function _activeValidatorData(bytes32 idsHash) private pure returns (bytes32) {
        return idsHash | bytes32(uint256(1));
    }

    function _hashCluster(Cluster memory cluster) private pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(cluster.validatorCount, cluster.networkFeeIndex, cluster.index, cluster.balance, cluster.active)
        );
    }
}
