// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Ownership as in the public Nexus contracts: set once by initialize() (through the proxy), read
/// with getOwner(), moved with transferOwnership (no zero-address check, as public).
abstract contract NexusOwnable {
    address private owner;
    bool private initialized;

    event OwnerChanged(address oldOwner, address newOwner);

    error NotOwner();
    error ContractAlreadyInitialized();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    modifier initializeOnce() {
        if (initialized) revert ContractAlreadyInitialized();
        _;
    }

    function getOwner() external view returns (address) {
        return owner;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnerChanged(owner, newOwner);
        owner = newOwner;
    }

    function _ownableInit(address newOwner) internal {
        owner = newOwner;
        initialized = true;
    }
}

/// UUPS implementation side: the implementation address lives in the proxy's storage at
/// keccak256("PROXIABLE"), and an upgrade is accepted only to a contract reporting that slot.
abstract contract NexusProxiable {
    bytes32 internal constant IMPLEMENTATION_SLOT = keccak256("PROXIABLE");

    error NotCompatible();

    function proxiableUUID() public pure returns (bytes32) {
        return IMPLEMENTATION_SLOT;
    }

    function _updateCodeAddress(address newImplementation) internal {
        if (NexusProxiable(newImplementation).proxiableUUID() != IMPLEMENTATION_SLOT) revert NotCompatible();
        bytes32 slot = IMPLEMENTATION_SLOT;
        assembly {
            sstore(slot, newImplementation)
        }
    }
}

/// A minimal proxy for Nexus and NodeOperator (the public ones are UUPS proxies too): it stores the
/// implementation at keccak256("PROXIABLE"), runs `initData` on it (initialize(), so the deployer
/// becomes the owner), and delegates every call. It has no functions of its own, so the proxy's
/// ABI is exactly the implementation's.
contract NexusProxy {
    constructor(address implementation, bytes memory initData) {
        bytes32 slot = keccak256("PROXIABLE");
        assembly {
            sstore(slot, implementation)
        }
        (bool ok, bytes memory reason) = implementation.delegatecall(initData);
        if (!ok) {
            assembly {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    fallback() external payable {
        bytes32 slot = keccak256("PROXIABLE");
        assembly {
            let implementation := sload(slot)
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), implementation, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
