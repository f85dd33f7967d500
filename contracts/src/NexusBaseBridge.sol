// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDepositContract, INexusBridge, INexusTypes} from "./Interfaces.sol";

/// The public NexusBaseBridge (v2024-03 interface), written from the facts: each rollup deploys
/// its own bridge on top of it (see the Bridge*.sol examples). It holds the rollup's ETH and
/// stakes it in 32-ETH validators when Nexus asks, up to the staking limit.
/// - NEXUS_NETWORK and NEXUS_FEE_ADDRESS are storage variables (the deployable sets the first).
/// - DEPOSIT_CONTRACT is a constant: a sentinel that contracts/deploy.ts replaces in the creation
///   bytecode with the local deposit contract's address (read only through DEPOSIT_CONTRACT(), not
///   inlined, so the sentinel occurs exactly once).
/// - getRewards() may underflow (Panic 0x11) when the balance is short, as public.
/// The kind (DAO, CValue, Rebase) decides when updateExitedValidators passes.
abstract contract NexusBaseBridge is INexusBridge {
    address public override NEXUS_NETWORK;
    /// The public default (Nexus' fee account); no setter exists.
    address public NEXUS_FEE_ADDRESS = 0x735bf02E4435dFADfE47a5FE5FBD42Ef375864A9;
    uint256 public amountDeposited;
    uint256 public amountWithdrawn;
    uint256 public slashedAmount;
    uint256 public validatorCount;
    uint256 public NexusFeePercentage;

    uint256 public constant VALIDATOR_DEPOSIT = 32 ether;
    uint256 public constant BASIS_POINT = 10000;

    error NotNexus();
    error IncorrectWithdrawalCredentials();
    error StakingLimitExceeding();
    error IncorrectNexusFee();
    error ValidatorNotExited();
    error WaitingForValidatorExits();

    event SlashingUpdated(uint256 amount);
    event NexusFeeChanged(uint256 _nexus_fee);
    event NexusRewardsRedeemed(uint256 amount);

    modifier onlyNexus() {
        if (msg.sender != NEXUS_NETWORK) revert NotNexus();
        _;
    }

    /// Sentinel replaced at deployment by the local deposit contract's address.
    function DEPOSIT_CONTRACT() public pure returns (address) {
        return 0x5e4715E4715E4715e4715E4715E4715e47150003;
    }

    /// Basis points; 625 < fee <= 1000 (BASIS_POINT/16 < fee <= BASIS_POINT/10).
    function setNexusFee(uint256 _nexus_fee) external override onlyNexus {
        if (_nexus_fee > BASIS_POINT / 10 || _nexus_fee <= BASIS_POINT / 16) revert IncorrectNexusFee();
        NexusFeePercentage = _nexus_fee;
        emit NexusFeeChanged(_nexus_fee);
    }

    /// The staking-limit check uses the balance before any deposit; only the last 20 bytes of the
    /// withdrawal credentials are compared with this bridge's address.
    function depositValidatorNexus(INexusTypes.Validator[] calldata _validators, uint256 stakingLimit)
        external
        override
        onlyNexus
    {
        uint256 staked = (validatorCount + _validators.length) * VALIDATOR_DEPOSIT;
        if ((staked * BASIS_POINT) / (address(this).balance + staked) > stakingLimit) revert StakingLimitExceeding();
        for (uint256 i = 0; i < _validators.length; i++) {
            bytes calldata credentials = _validators[i].withdrawalAddress;
            if (keccak256(credentials[12:]) != keccak256(abi.encodePacked(address(this)))) {
                revert IncorrectWithdrawalCredentials();
            }
            IDepositContract(DEPOSIT_CONTRACT()).deposit{value: VALIDATOR_DEPOSIT}(
                _validators[i].pubKey, credentials, _validators[i].signature, _validators[i].depositRoot
            );
        }
        validatorCount += _validators.length;
    }

    /// Sets the slashed amount (not added to it), as public.
    function validatorsSlashed(uint256 amount) external override onlyNexus {
        slashedAmount = amount;
        emit SlashingUpdated(amount);
    }

    function getRewards() public view returns (uint256) {
        return (address(this).balance + validatorCount * VALIDATOR_DEPOSIT) - (amountDeposited - amountWithdrawn)
            - slashedAmount;
    }

    /// Sends the Nexus share of `rewards` to NEXUS_FEE_ADDRESS (5000 gas, failure ignored, as public).
    function _payNexusFee(uint256 rewards) internal returns (uint256 nexusRewards) {
        nexusRewards = (NexusFeePercentage * rewards) / BASIS_POINT;
        (bool ok,) = NEXUS_FEE_ADDRESS.call{value: nexusRewards, gas: 5000}("");
        if (ok) emit NexusRewardsRedeemed(nexusRewards);
    }
}

/// What the v2024-06 bridges add: balance() is the accounted principal, not the ETH held, and a
/// payable entry for execution-layer rewards that only checks the amount.
abstract contract NexusBridgeExecutionRewards is NexusBaseBridge {
    error IncorrectAmountSent();

    function balance() external view returns (uint256) {
        return amountDeposited - amountWithdrawn;
    }

    function recieveExecutionRewards(uint256 amount) external payable {
        if (amount != msg.value) revert IncorrectAmountSent();
    }
}
