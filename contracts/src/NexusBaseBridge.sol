// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDepositContract, INexusBridge, INexusTypes} from "./Interfaces.sol";

/// A rollup's bridge as Nexus sees it (one per rollup): it holds the rollup's ETH, and Nexus asks
/// it to stake part of that ETH as 32-ETH validators, up to the rollup's staking limit.
///
/// ETH accounting (the local network's definition of getRewards):
/// - `lockedBalance` is the users' ETH the bridge holds and has not staked. It rises with every
///   plain transfer to the bridge (`receive`, a user deposit), falls by 32 ETH per validator
///   deposit, and rises by 32 ETH when Nexus accounts for an exited validator.
/// - `getRewards()` is the balance above `lockedBalance`: ETH that arrived without being recorded
///   as a user deposit. On Ethereum, consensus-layer withdrawals (an exited validator's 32 ETH,
///   skimmed rewards) are credited without running any code, exactly like `anvil_setBalance` on
///   the local chain; `receiveWithdrawal()` is an explicit way to send such ETH in a transaction.
/// So a user deposit never passes for a returned validator, and `updateExitedValidators` only
/// succeeds once at least 32 ETH of unrecorded ETH is there. Accumulated rewards can also reach
/// 32 ETH; that is acceptable here because Nexus only calls it for a key whose exit it submitted.
contract NexusBaseBridge is INexusBridge {
    error NotNexus();
    error IncorrectWithdrawalCredentials();
    error StakingLimitExceeding();
    error InsufficientBalance();
    error ValidatorNotExited();

    event UserDeposit(address indexed from, uint256 amount);
    event WithdrawalReceived(address indexed from, uint256 amount);
    event ValidatorsDeposited(uint256 count, uint256 validatorCount);
    event ValidatorExitAccounted(uint256 validatorCount);

    uint256 public constant VALIDATOR_DEPOSIT = 32 ether;
    uint256 public constant BASIS_POINT = 10000;

    address public immutable override NEXUS_NETWORK;
    address public immutable DEPOSIT_CONTRACT;

    uint256 public override validatorCount;
    uint256 public lockedBalance;

    constructor(address nexus, address depositContract) {
        NEXUS_NETWORK = nexus;
        DEPOSIT_CONTRACT = depositContract;
    }

    modifier onlyNexus() {
        if (msg.sender != NEXUS_NETWORK) revert NotNexus();
        _;
    }

    /// A user's (bridged) ETH: principal, never counted as rewards.
    receive() external payable {
        lockedBalance += msg.value;
        emit UserDeposit(msg.sender, msg.value);
    }

    /// ETH that is returned stake or rewards (stands in for a consensus-layer withdrawal).
    function receiveWithdrawal() external payable {
        emit WithdrawalReceived(msg.sender, msg.value);
    }

    function getRewards() public view returns (uint256) {
        uint256 balance = address(this).balance;
        return balance > lockedBalance ? balance - lockedBalance : 0;
    }

    /// Stakes 32 ETH per validator. The staking-limit check is the public contract's formula, with
    /// the balance taken before any deposit (integer division); the bot plans with the same one.
    function depositValidatorNexus(INexusTypes.Validator[] calldata validators, uint16 stakingLimit)
        external
        override
        onlyNexus
    {
        uint256 n = validators.length;
        // The keys must withdraw to this bridge: 0x01 ‖ 11 zero bytes ‖ address(this).
        bytes32 expected = bytes32(abi.encodePacked(bytes1(0x01), bytes11(0), address(this)));
        for (uint256 i = 0; i < n; i++) {
            bytes calldata credentials = validators[i].withdrawalAddress;
            if (credentials.length != 32 || bytes32(credentials) != expected) revert IncorrectWithdrawalCredentials();
        }

        uint256 staked = (validatorCount + n) * VALIDATOR_DEPOSIT;
        if ((staked * BASIS_POINT) / (address(this).balance + staked) > stakingLimit) revert StakingLimitExceeding();
        // Only reachable with a limit high enough to stake more than the bridge holds.
        if (address(this).balance < n * VALIDATOR_DEPOSIT) revert InsufficientBalance();

        for (uint256 i = 0; i < n; i++) {
            IDepositContract(DEPOSIT_CONTRACT).deposit{value: VALIDATOR_DEPOSIT}(
                validators[i].pubKey, validators[i].withdrawalAddress, validators[i].signature, validators[i].depositRoot
            );
        }
        validatorCount += n;
        // Principal is staked first; if rewards had to be staked too, nothing locked remains.
        uint256 spent = n * VALIDATOR_DEPOSIT;
        lockedBalance = lockedBalance > spent ? lockedBalance - spent : 0;
        emit ValidatorsDeposited(n, validatorCount);
    }

    /// Called by Nexus once per exited validator whose balance is back: the 32 ETH becomes users'
    /// unstaked ETH again and the validator no longer counts as staked.
    function updateExitedValidators() external override onlyNexus {
        if (getRewards() < VALIDATOR_DEPOSIT || validatorCount == 0) revert ValidatorNotExited();
        validatorCount -= 1;
        lockedBalance += VALIDATOR_DEPOSIT;
        emit ValidatorExitAccounted(validatorCount);
    }
}
