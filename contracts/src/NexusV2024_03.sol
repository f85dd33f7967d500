// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {NexusBase} from "./NexusBase.sol";

/// Nexus as on the public `main` branch (2024-03): validatorExit only records the exit request.
/// It emits nothing and never tells SSV, so a DKG key cannot be exited through this version.
contract NexusV2024_03 is NexusBase {
    function validatorExit(address, bytes[] calldata pubkeys) external onlyOffChainBot {
        for (uint256 i = 0; i < pubkeys.length; i++) {
            if (validators[pubkeys[i]] != ValidatorStatus.SHARE_DEPOSITED) revert IncorrectValidatorStatus();
            validators[pubkeys[i]] = ValidatorStatus.VALIDATOR_EXIT_SUBMITTED;
        }
    }
}
