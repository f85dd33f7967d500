// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {NexusOwnable, NexusProxiable} from "./NexusUpgradeable.sol";

/// Nexus' registry of DKG-capable SSV operators, with the public ABI only. On chain there is the
/// DKG endpoint per operator id (ssvDKGIP) and the operator ids per cluster (ssvClusters,
/// getCluster); the operator's RSA key and name are only in the SSVOperatorRegistered event.
/// addCluster stores the ids as given (no sorting, no count check), as public: the caller sorts.
/// Deployed behind NexusProxy, like the public one.
contract NodeOperator is NexusOwnable, NexusProxiable {
    error OperatorAlreadyRegistered();
    error OperatorNotRegistered();
    error ClusterAlreadyExited(); // public name for "cluster id already used"
    error ClusterNotPresent();
    error IncorrectAddress();

    event SSVOperatorRegistered(string name, uint256 indexed operatorId, string pubKey, string ip_address);
    event SSVOperatorUpdated(uint64 _operator_id, string _ip_address);
    event ClusterAdded(uint64 clusterId, uint64[] operatorIds);

    mapping(uint64 => string) public ssvDKGIP;
    mapping(uint64 => uint64[]) public ssvClusters;

    function initialize() public initializeOnce {
        _ownableInit(msg.sender);
    }

    function updateProxy(address newImplemetation) public onlyOwner {
        if (newImplemetation == address(0)) revert IncorrectAddress();
        _updateCodeAddress(newImplemetation);
    }

    /// The endpoint doubles as the "registered" marker, as public.
    function registerSSVOperator(
        uint64 _operator_id,
        string calldata _pub_key,
        string calldata _ip_address,
        string calldata name
    ) external onlyOwner {
        if (bytes(ssvDKGIP[_operator_id]).length != 0) revert OperatorAlreadyRegistered();
        ssvDKGIP[_operator_id] = _ip_address;
        emit SSVOperatorRegistered(name, _operator_id, _pub_key, _ip_address);
    }

    function updateSSVOperatorIP(uint64 _operator_id, string calldata _ip_address) external onlyOwner {
        if (bytes(ssvDKGIP[_operator_id]).length == 0) revert OperatorNotRegistered();
        ssvDKGIP[_operator_id] = _ip_address;
        emit SSVOperatorUpdated(_operator_id, _ip_address);
    }

    function addCluster(uint64[] calldata operatorIds, uint64 clusterId) external onlyOwner {
        if (ssvClusters[clusterId].length != 0) revert ClusterAlreadyExited();
        for (uint256 i = 0; i < operatorIds.length; i++) {
            if (bytes(ssvDKGIP[operatorIds[i]]).length == 0) revert OperatorNotRegistered();
        }
        ssvClusters[clusterId] = operatorIds;
        emit ClusterAdded(clusterId, operatorIds);
    }

    function getCluster(uint64 clusterId) external view returns (uint64[] memory) {
        uint64[] memory ids = ssvClusters[clusterId];
        if (ids.length == 0) revert ClusterNotPresent();
        return ids;
    }
}
