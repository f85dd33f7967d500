// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ISSVNetworkCore} from "./Interfaces.sol";

/// The fee arithmetic of SSVNetwork v1.2.0 (ClusterLib/OperatorLib/ProtocolLib rules, written
/// from the facts), shared by SSVNetwork and SSVNetworkViews so both compute the same numbers.
/// Fees, indexes and the collateral are kept "shrunk": wei / 1e7 in a uint64, as in v1.2.0.
library SSVFeeLib {
    uint256 internal constant DEDUCTED_DIGITS = 10_000_000;

    /// An operator as stored: its fee and a snapshot of its index (fee accrued per validator) and
    /// earnings at `snapshotBlock`.
    struct Operator {
        address owner;
        uint64 fee;
        uint32 validatorCount;
        uint32 snapshotBlock;
        uint64 snapshotIndex;
        uint64 snapshotBalance;
    }

    /// Network-wide parameters and the network fee index.
    struct Protocol {
        uint64 networkFee;
        uint64 networkFeeIndex;
        uint32 networkFeeIndexBlockNumber;
        uint64 minimumLiquidationCollateral;
        uint64 minimumBlocksBeforeLiquidation;
    }

    function expand(uint64 value) internal pure returns (uint256) {
        return uint256(value) * DEDUCTED_DIGITS;
    }

    /// Reverts MaxPrecisionExceeded for a value not divisible by 1e7, as v1.2.0.
    function shrink(uint256 value) internal pure returns (uint64) {
        if (value % DEDUCTED_DIGITS != 0) revert ISSVNetworkCore.MaxPrecisionExceeded();
        return uint64(value / DEDUCTED_DIGITS);
    }

    function currentNetworkFeeIndex(Protocol memory p) internal view returns (uint64) {
        return p.networkFeeIndex + uint64(block.number - p.networkFeeIndexBlockNumber) * p.networkFee;
    }

    function currentIndex(Operator memory op) internal view returns (uint64) {
        return op.snapshotIndex + uint64(block.number - op.snapshotBlock) * op.fee;
    }

    /// Brings the operator's snapshot to the current block.
    function updateSnapshot(Operator memory op) internal view {
        uint64 blockDiff = uint64(block.number - op.snapshotBlock);
        op.snapshotIndex += blockDiff * op.fee;
        op.snapshotBalance += blockDiff * op.fee * op.validatorCount;
        op.snapshotBlock = uint32(block.number);
    }

    /// Charges the cluster for its validators since its indexes; the balance floors at 0.
    function updateBalance(ISSVNetworkCore.Cluster memory cluster, uint64 newIndex, uint64 networkFeeIndex)
        internal
        pure
    {
        uint64 networkUsage = (networkFeeIndex - cluster.networkFeeIndex) * cluster.validatorCount;
        uint256 usage = expand((newIndex - cluster.index) * cluster.validatorCount + networkUsage);
        cluster.balance = usage > cluster.balance ? 0 : cluster.balance - usage;
    }

    /// Liquidatable iff it has validators and its balance is below the minimum collateral or below
    /// the threshold period's worth of fees (burnRate = sum of its operators' fees, shrunk).
    function isLiquidatable(ISSVNetworkCore.Cluster memory cluster, uint64 burnRate, Protocol memory p)
        internal
        pure
        returns (bool)
    {
        if (cluster.validatorCount == 0) return false;
        if (cluster.balance < expand(p.minimumLiquidationCollateral)) return true;
        uint64 threshold = p.minimumBlocksBeforeLiquidation * (burnRate + p.networkFee) * cluster.validatorCount;
        return cluster.balance < expand(threshold);
    }

    function hashCluster(ISSVNetworkCore.Cluster memory cluster) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(cluster.validatorCount, cluster.networkFeeIndex, cluster.index, cluster.balance, cluster.active)
        );
    }

    function clusterKey(address owner, uint64[] memory operatorIds) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(owner, operatorIds));
    }
}
