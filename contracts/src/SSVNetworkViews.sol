// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ISSVNetworkCore} from "./Interfaces.sol";
import {SSVFeeLib} from "./SSVFeeLib.sol";
import {SSVNetwork} from "./SSVNetwork.sol";

/// The read side of the local SSVNetwork, a separate contract as the real SSVNetworkViews, with
/// the v1.2.0 signatures. Amounts are expanded back to SSV wei.
contract SSVNetworkViews is ISSVNetworkCore {
    using SSVFeeLib for SSVFeeLib.Operator;
    using SSVFeeLib for SSVFeeLib.Protocol;
    using SSVFeeLib for ISSVNetworkCore.Cluster;

    SSVNetwork public immutable ssvNetwork;

    constructor(SSVNetwork network) {
        ssvNetwork = network;
    }

    function getNetworkFee() external view returns (uint256) {
        return SSVFeeLib.expand(_protocol().networkFee);
    }

    function getMinimumLiquidationCollateral() external view returns (uint256) {
        return SSVFeeLib.expand(_protocol().minimumLiquidationCollateral);
    }

    function getLiquidationThresholdPeriod() external view returns (uint64) {
        return _protocol().minimumBlocksBeforeLiquidation;
    }

    function getOperatorFee(uint64 operatorId) external view returns (uint256) {
        return SSVFeeLib.expand(_operator(operatorId).fee);
    }

    function getOperatorById(uint64 operatorId)
        external
        view
        returns (address owner, uint256 fee, uint32 validatorCount, address whitelisted, bool isPrivate, bool active)
    {
        SSVFeeLib.Operator memory op = _operator(operatorId);
        return (op.owner, SSVFeeLib.expand(op.fee), op.validatorCount, address(0), false, true);
    }

    function getOperatorEarnings(uint64 operatorId) external view returns (uint256) {
        SSVFeeLib.Operator memory op = _operator(operatorId);
        op.updateSnapshot();
        return SSVFeeLib.expand(op.snapshotBalance);
    }

    function getValidator(address clusterOwner, bytes calldata publicKey) external view returns (bool) {
        return ssvNetwork.validatorPKs(keccak256(abi.encodePacked(publicKey, clusterOwner))) != bytes32(0);
    }

    /// (sum of operator fees + network fee) * validators, per block.
    function getBurnRate(address clusterOwner, uint64[] calldata operatorIds, Cluster memory cluster)
        external
        view
        returns (uint256)
    {
        _validateHashed(clusterOwner, operatorIds, cluster);
        (, uint64 burnRate) = _indexes(operatorIds);
        return SSVFeeLib.expand((burnRate + _protocol().networkFee) * cluster.validatorCount);
    }

    /// The balance after the fees accrued up to this block; reverts ClusterIsLiquidated.
    function getBalance(address clusterOwner, uint64[] calldata operatorIds, Cluster memory cluster)
        external
        view
        returns (uint256)
    {
        _validateHashed(clusterOwner, operatorIds, cluster);
        if (!cluster.active) revert ClusterIsLiquidated();
        (uint64 clusterIndex,) = _indexes(operatorIds);
        cluster.updateBalance(clusterIndex, _protocol().currentNetworkFeeIndex());
        return cluster.balance;
    }

    function isLiquidatable(address clusterOwner, uint64[] calldata operatorIds, Cluster memory cluster)
        external
        view
        returns (bool)
    {
        _validateHashed(clusterOwner, operatorIds, cluster);
        if (!cluster.active) return false;
        (uint64 clusterIndex, uint64 burnRate) = _indexes(operatorIds);
        SSVFeeLib.Protocol memory p = _protocol();
        cluster.updateBalance(clusterIndex, p.currentNetworkFeeIndex());
        return cluster.isLiquidatable(burnRate, p);
    }

    function isLiquidated(address clusterOwner, uint64[] calldata operatorIds, Cluster memory cluster)
        external
        view
        returns (bool)
    {
        _validateHashed(clusterOwner, operatorIds, cluster);
        return !cluster.active;
    }

    function _protocol() private view returns (SSVFeeLib.Protocol memory p) {
        (p.networkFee, p.networkFeeIndex, p.networkFeeIndexBlockNumber, p.minimumLiquidationCollateral,
            p.minimumBlocksBeforeLiquidation) = ssvNetwork.protocol();
    }

    function _operator(uint64 id) private view returns (SSVFeeLib.Operator memory op) {
        (op.owner, op.fee, op.validatorCount, op.snapshotBlock, op.snapshotIndex, op.snapshotBalance) =
            ssvNetwork.operators(id);
        if (op.owner == address(0)) revert OperatorDoesNotExist();
    }

    function _indexes(uint64[] calldata operatorIds) private view returns (uint64 clusterIndex, uint64 burnRate) {
        for (uint256 i = 0; i < operatorIds.length; i++) {
            SSVFeeLib.Operator memory op = _operator(operatorIds[i]);
            clusterIndex += op.currentIndex();
            burnRate += op.fee;
        }
    }

    function _validateHashed(address owner, uint64[] calldata operatorIds, Cluster memory cluster) private view {
        bytes32 stored = ssvNetwork.clusters(SSVFeeLib.clusterKey(owner, operatorIds));
        if (stored == bytes32(0)) revert ClusterDoesNotExists();
        if (stored != cluster.hashCluster()) revert IncorrectClusterState();
    }
}
