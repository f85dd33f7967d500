// SPDX-License-Identifier: CC0-1.0
pragma solidity ^0.8.20;

import {IDepositContract} from "./Interfaces.sol";

/// A local Ethereum deposit contract with the behaviour of the official one (consensus-specs
/// `deposit_contract.sol`), written from the spec: it recomputes the SSZ hash tree root of
/// DepositData and rejects a mismatch, and keeps the same incremental Merkle tree of deposits,
/// so that deposit data the bot builds is checked exactly as on a real network.
contract DepositContract is IDepositContract {
    // The deposit tree has depth 32: the root mixes in the count, as SSZ does for a List.
    uint256 private constant TREE_DEPTH = 32;
    uint256 private constant MAX_DEPOSIT_COUNT = 2 ** TREE_DEPTH - 1;

    // branch[h] is the left sibling waiting at height h for its right partner.
    bytes32[TREE_DEPTH] private branch;
    uint256 private depositCount;
    // zeroHashes[h] is the root of an empty subtree of height h.
    bytes32[TREE_DEPTH] private zeroHashes;

    constructor() {
        for (uint256 h = 0; h < TREE_DEPTH - 1; h++) {
            zeroHashes[h + 1] = sha256(abi.encodePacked(zeroHashes[h], zeroHashes[h]));
        }
    }

    function get_deposit_root() external view override returns (bytes32) {
        bytes32 node;
        uint256 size = depositCount;
        for (uint256 h = 0; h < TREE_DEPTH; h++) {
            if ((size & 1) == 1) {
                node = sha256(abi.encodePacked(branch[h], node));
            } else {
                node = sha256(abi.encodePacked(node, zeroHashes[h]));
            }
            size /= 2;
        }
        // mix_in_length: the count as a little-endian uint256 (8 bytes + 24 zero bytes).
        return sha256(abi.encodePacked(node, toLittleEndian64(uint64(depositCount)), bytes24(0)));
    }

    function get_deposit_count() external view override returns (bytes memory) {
        return toLittleEndian64(uint64(depositCount));
    }

    function deposit(
        bytes calldata pubkey,
        bytes calldata withdrawal_credentials,
        bytes calldata signature,
        bytes32 deposit_data_root
    ) external payable override {
        require(pubkey.length == 48, "DepositContract: invalid pubkey length");
        require(withdrawal_credentials.length == 32, "DepositContract: invalid withdrawal_credentials length");
        require(signature.length == 96, "DepositContract: invalid signature length");

        // The amount is recorded in gwei, so it must be a whole number of gwei (and at least 1 ETH).
        require(msg.value >= 1 ether, "DepositContract: deposit value too low");
        require(msg.value % 1 gwei == 0, "DepositContract: deposit value not multiple of gwei");
        uint256 gweiAmount = msg.value / 1 gwei;
        require(gweiAmount <= type(uint64).max, "DepositContract: deposit value too high");

        bytes memory amount = toLittleEndian64(uint64(gweiAmount));
        emit DepositEvent(pubkey, withdrawal_credentials, amount, signature, toLittleEndian64(uint64(depositCount)));

        // hash_tree_root(DepositData{pubkey: Bytes48, withdrawal_credentials: Bytes32,
        // amount: uint64, signature: Bytes96}): four leaves, each a 32-byte chunk or a subtree root.
        bytes32 pubkeyRoot = sha256(abi.encodePacked(pubkey, bytes16(0)));
        bytes32 signatureRoot = sha256(
            abi.encodePacked(
                sha256(abi.encodePacked(signature[:64])),
                sha256(abi.encodePacked(signature[64:], bytes32(0)))
            )
        );
        bytes32 node = sha256(
            abi.encodePacked(
                sha256(abi.encodePacked(pubkeyRoot, withdrawal_credentials)),
                sha256(abi.encodePacked(amount, bytes24(0), signatureRoot))
            )
        );
        require(
            node == deposit_data_root,
            "DepositContract: reconstructed DepositData does not match supplied deposit_data_root"
        );

        require(depositCount < MAX_DEPOSIT_COUNT, "DepositContract: merkle tree full");
        depositCount += 1;
        // Insert the leaf: climb while this is a right child, hashing with the stored left sibling.
        uint256 size = depositCount;
        for (uint256 h = 0; h < TREE_DEPTH; h++) {
            if ((size & 1) == 1) {
                branch[h] = node;
                return;
            }
            node = sha256(abi.encodePacked(branch[h], node));
            size /= 2;
        }
        // Unreachable: depositCount < 2**32 always has a set bit below height 32.
        assert(false);
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 /* ERC-165 */ || interfaceId == type(IDepositContract).interfaceId;
    }

    function toLittleEndian64(uint64 value) internal pure returns (bytes memory ret) {
        ret = new bytes(8);
        for (uint256 i = 0; i < 8; i++) {
            ret[i] = bytes1(uint8(value >> (8 * i)));
        }
    }
}
