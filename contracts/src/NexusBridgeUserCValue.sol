// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {NexusBaseBridge} from "./NexusBaseBridge.sol";

/// Bridge kind whose users hold a token with a conversion value (public NexusBridgeUserCValue,
/// abstract). Rewards already distributed (amountDistributed) stay in the bridge, so an exit is
/// accepted only once getRewards() - amountDistributed >= 32 ether.
abstract contract NexusBridgeUserCValue is NexusBaseBridge {
    uint256 public amountDistributed;
    uint256 public cValue;

    uint256 private constant C_VALUE_BASIS_POINT = 1e18;

    event CValueUpdated(uint256 cValue);

    function updateExitedValidators() external override onlyNexus {
        if (getRewards() - amountDistributed < VALIDATOR_DEPOSIT) revert ValidatorNotExited();
        validatorCount -= 1;
    }

    /// Distributes the new rewards (anyone may call): Nexus' fee is paid out, the rest is counted
    /// as distributed and the conversion value recomputed.
    function updateCValue() external {
        uint256 rewards = getRewards() - amountDistributed;
        if (rewards > VALIDATOR_DEPOSIT) revert WaitingForValidatorExits();
        uint256 nexusRewards = _payNexusFee(rewards);
        amountDistributed += rewards - nexusRewards;
        cValue = ((amountDeposited - amountWithdrawn) * C_VALUE_BASIS_POINT)
            / (address(this).balance + validatorCount * VALIDATOR_DEPOSIT);
        emit CValueUpdated(cValue);
    }
}
