// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// Interfaces shared by the local-network contracts. They mirror the ABIs of the public contracts
// the bot talks to (SSVNetwork v1.x, the Ethereum deposit contract, ERC-20), so that the bot's
// code is the same against this local system and a public testnet.

/// Types and errors of SSVNetwork v1.x (`ISSVNetworkCore`): the Cluster tuple must keep this exact
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
    error EmptyPublicKeysList();
    error PublicKeysSharesLengthMismatch();
    /// Declared as in v1.x (a registration that leaves the cluster liquidatable); the local network
    /// has no fee accounting, so it never raises it, but the bot decodes it from production.
    error InsufficientBalance();
}

/// The subset of SSVNetwork v1.x that Nexus calls.
interface ISSVNetwork is ISSVNetworkCore {
    function registerValidator(
        bytes calldata publicKey,
        uint64[] calldata operatorIds,
        bytes calldata sharesData,
        uint256 amount,
        Cluster memory cluster
    ) external;

    function bulkExitValidator(bytes[] calldata publicKeys, uint64[] calldata operatorIds) external;

    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds, Cluster memory cluster) external;

    function deposit(address clusterOwner, uint64[] calldata operatorIds, uint256 amount, Cluster memory cluster) external;
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

/// What Nexus passes to a rollup bridge (the same struct as in Nexus' ABI).
interface INexusTypes {
    struct Validator {
        bytes pubKey;
        bytes withdrawalAddress; // the 32-byte withdrawal credentials: 0x01 ‖ 11 zero bytes ‖ bridge
        bytes signature;
        bytes32 depositRoot;
    }
}

interface INexusBridge {
    function NEXUS_NETWORK() external view returns (address);
    function validatorCount() external view returns (uint256);
    function depositValidatorNexus(INexusTypes.Validator[] calldata validators, uint16 stakingLimit) external;
    function updateExitedValidators() external;
}

interface INodeOperator {
    function getCluster(uint64 clusterId) external view returns (uint64[] memory);
}

/// Minimal single-owner access control (no OpenZeppelin package is installed here).
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
