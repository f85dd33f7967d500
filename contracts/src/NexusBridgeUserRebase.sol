// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {NexusBaseBridge} from "./NexusBaseBridge.sol";

/// Bridge kind whose users hold a rebasing token (public NexusBridgeUserRebase, abstract). As for
/// CValue, an exit is accepted only once getRewards() - amountDistributed >= 32 ether.
abstract contract NexusBridgeUserRebase is NexusBaseBridge {
    uint256 public amountDistributed;

    event RebaseAmount(uint256 amount);

    function updateExitedValidators() external override onlyNexus {
        if (getRewards() - amountDistributed < VALIDATOR_DEPOSIT) revert ValidatorNotExited();
        validatorCount -= 1;
    }

    /// Distributes the new rewards (anyone may call): Nexus' fee is paid out, the rest rebased.
    function rebase() external {
        uint256 rewards = getRewards() - amountDistributed;
        if (rewards > VALIDATOR_DEPOSIT) revert WaitingForValidatorExits();
        uint256 nexusRewards = _payNexusFee(rewards);
        amountDistributed += rewards - nexusRewards;
        emit RebaseAmount(rewards - nexusRewards);
    }
}
