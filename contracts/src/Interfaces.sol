// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// Interfaces shared by the local-network contracts. They mirror the ABIs of the public contracts
// (SSVNetwork v1.2.0, the Ethereum deposit contract, ERC-20, the Nexus bridge) so that the bot's
// code is the same against this local system and a public network.

/// Types and errors of SSVNetwork v1.2.0 (`ISSVNetworkCore`): the Cluster tuple keeps this exact
/// field order, because the bot passes it back from events and its ABI encoding is the tuple.
interface ISSVNetworkCore {
    struct Cluster {
        uint32 validatorCount;
        uint64 networkFeeIndex;
        uint64 index;
        bool active;
        uint256 balance;
    }

    error InvalidOperatorIdsLength();
    error UnsortedOperatorsList();
    error OperatorDoesNotExist();
    error InvalidPublicKeyLength();
    error ValidatorAlreadyExistsWithData(bytes publicKey);
    error IncorrectValidatorStateWithData(bytes publicKey);
    error ValidatorDoesNotExist();
    error IncorrectClusterState();
    error ClusterDoesNotExists();
    error ClusterIsLiquidated();
    error ClusterNotLiquidatable();
    error ClusterAlreadyEnabled();
    error EmptyPublicKeysList();
    error PublicKeysSharesLengthMismatch();
    error InsufficientBalance();
    error MaxPrecisionExceeded();
    error OperatorsListNotUnique();
}

/// The part of SSVNetwork v1.2.0 that Nexus calls.
interface ISSVNetwork is ISSVNetworkCore {
    function registerValidator(
        bytes calldata publicKey,
        uint64[] calldata operatorIds,
        bytes calldata sharesData,
        uint256 amount,
        Cluster memory cluster
    ) external;

    function exitValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external;

    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds, Cluster memory cluster) external;

    function deposit(address clusterOwner, uint64[] calldata operatorIds, uint256 amount, Cluster memory cluster) external;

    function setFeeRecipientAddress(address recipientAddress) external;
}

interface IERC20 {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
    function allowance(address owner, address spender) external view returns (uint256);
    function approve(address spender, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// The official deposit contract's interface (its interface id is what supportsInterface reports).
interface IDepositContract {
    event DepositEvent(bytes pubkey, bytes withdrawal_credentials, bytes amount, bytes signature, bytes index);

    function deposit(
        bytes calldata pubkey,
        bytes calldata withdrawal_credentials,
        bytes calldata signature,
        bytes32 deposit_data_root
    ) external payable;

    function get_deposit_root() external view returns (bytes32);

    function get_deposit_count() external view returns (bytes memory);
}

/// The structs of Nexus' ABI (the public INexusInterface's, same field order).
interface INexusTypes {
    struct Validator {
        bytes pubKey;
        bytes withdrawalAddress; // the 32-byte withdrawal credentials; only the last 20 bytes are checked
        bytes signature;
        bytes32 depositRoot;
    }

    struct ValidatorShares {
        bytes pubKey;
        uint64[] operatorIds;
        bytes sharesEncrypted;
        uint256 amount;
        ISSVNetworkCore.Cluster cluster;
    }
}

/// What Nexus calls on a rollup's bridge.
interface INexusBridge {
    function NEXUS_NETWORK() external view returns (address);
    function setNexusFee(uint256 nexusFee) external;
    function depositValidatorNexus(INexusTypes.Validator[] calldata validators, uint256 stakingLimit) external;
    function updateExitedValidators() external;
    function validatorsSlashed(uint256 amount) external;
}

interface INodeOperator {
    function getCluster(uint64 clusterId) external view returns (uint64[] memory);
}

/// Minimal single-owner access control for the local stand-ins (SSV token, SSVNetwork); the Nexus
/// contracts use NexusOwnable instead, whose ABI is the public one.
abstract contract Owned {
    error NotOwner();
    error ZeroAddress();

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    address public owner;

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
