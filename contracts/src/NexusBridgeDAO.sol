// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {NexusBaseBridge} from "./NexusBaseBridge.sol";

/// Bridge kind whose rollup DAO claims the staking rewards (public NexusBridgeDAO, abstract).
/// An exit is accepted once getRewards() >= 32 ether. The public contract has DAO as a constant;
/// here it is a storage variable the deployable sets (same ABI: DAO() view returns address), so
/// tests can act as the DAO.
abstract contract NexusBridgeDAO is NexusBaseBridge {
    uint256 public rewardsClaimed;
    address public DAO;

    event RewardsRedeemed(uint256 amount);

    error NotDAO();

    function updateExitedValidators() external override onlyNexus {
        if (getRewards() < VALIDATOR_DEPOSIT) revert ValidatorNotExited();
        validatorCount -= 1;
    }

    /// Pays the rewards out (Nexus' share first); refused while they could hold an exited 32 ETH.
    function redeemRewards(address reward_account, uint256 expectedFee) external {
        if (msg.sender != DAO) revert NotDAO();
        if (expectedFee != NexusFeePercentage) revert IncorrectNexusFee();
        uint256 rewards = getRewards();
        if (rewards > VALIDATOR_DEPOSIT) revert WaitingForValidatorExits();
        uint256 nexusRewards = _payNexusFee(rewards);
        rewardsClaimed += rewards;
        (bool ok,) = reward_account.call{value: rewards - nexusRewards, gas: 5000}("");
        if (ok) emit RewardsRedeemed(rewards - nexusRewards);
    }
}
