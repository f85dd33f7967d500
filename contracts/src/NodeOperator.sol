// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Owned} from "./Interfaces.sol";

/// Nexus' registry of SSV operators that run DKG: the bot reads each operator's RSA public key and
/// DKG endpoint from here, and the operator ids of a cluster (a rollup's `operatorCluster`).
/// Managed by the owner only, as the public contract.
contract NodeOperator is Owned {
    error OperatorAlreadyRegistered();
    error OperatorNotRegistered();
    error ClusterAlreadyExists();
    error ClusterNotPresent();
    error EmptyCluster();
    error UnsortedOperatorIds();

    event SSVOperatorRegistered(string name, uint256 indexed operatorId, string pubKey, string ip_address);
    event SSVOperatorUpdated(uint64 operatorId, string ip_address);
    event ClusterAdded(uint64 clusterId, uint64[] operatorIds);

    struct SSVOperator {
        string pubKey; // base64 of the operator's RSA public key PEM, as registered in SSVNetwork
        string ipAddress; // DKG endpoint, e.g. https://127.0.0.1:3030
        string name;
    }

    /// ssvOperators(id) -> (pubKey, ipAddress, name); an empty ipAddress means "not registered".
    mapping(uint64 => SSVOperator) public ssvOperators;
    uint64[] private operatorIdList;
    mapping(uint64 => uint64[]) private clusters;

    function registerSSVOperator(
        uint64 operatorId,
        string calldata pubKey,
        string calldata ipAddress,
        string calldata name
    ) external onlyOwner {
        if (bytes(ssvOperators[operatorId].ipAddress).length != 0) revert OperatorAlreadyRegistered();
        // The endpoint doubles as the "registered" marker, so it may not be empty.
        if (bytes(ipAddress).length == 0) revert OperatorNotRegistered();
        ssvOperators[operatorId] = SSVOperator(pubKey, ipAddress, name);
        operatorIdList.push(operatorId);
        emit SSVOperatorRegistered(name, operatorId, pubKey, ipAddress);
    }

    function updateSSVOperatorIP(uint64 operatorId, string calldata ipAddress) external onlyOwner {
        if (bytes(ssvOperators[operatorId].ipAddress).length == 0 || bytes(ipAddress).length == 0) {
            revert OperatorNotRegistered();
        }
        ssvOperators[operatorId].ipAddress = ipAddress;
        emit SSVOperatorUpdated(operatorId, ipAddress);
    }

    /// Operator ids must be registered here and strictly ascending: Nexus passes them unchanged to
    /// SSVNetwork (bulkExitValidator, deposit), which requires that order.
    function addCluster(uint64 clusterId, uint64[] calldata operatorIds) external onlyOwner {
        if (clusters[clusterId].length != 0) revert ClusterAlreadyExists();
        if (operatorIds.length == 0) revert EmptyCluster();
        for (uint256 i = 0; i < operatorIds.length; i++) {
            if (i > 0 && operatorIds[i] <= operatorIds[i - 1]) revert UnsortedOperatorIds();
            if (bytes(ssvOperators[operatorIds[i]].ipAddress).length == 0) revert OperatorNotRegistered();
        }
        clusters[clusterId] = operatorIds;
        emit ClusterAdded(clusterId, operatorIds);
    }

    function getCluster(uint64 clusterId) external view returns (uint64[] memory) {
        uint64[] memory ids = clusters[clusterId];
        if (ids.length == 0) revert ClusterNotPresent();
        return ids;
    }

    /// Every registered operator id, in registration order (events hold the same, this saves a log scan).
    function getOperatorIds() external view returns (uint64[] memory) {
        return operatorIdList;
    }
}
