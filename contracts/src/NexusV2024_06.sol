// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ISSVNetwork} from "./Interfaces.sol";
import {NexusBase} from "./NexusBase.sol";

/// Nexus as on the public `ssv_exits` branch (2024-06): one key per validatorExit, which asks the
/// SSV operators to exit it (SSVNetwork.exitValidator), and public SSV_NETWORK()/SSV_TOKEN().
contract NexusV2024_06 is NexusBase {
    function SSV_NETWORK() external pure returns (address) {
        return _ssvNetwork();
    }

    function SSV_TOKEN() external pure returns (address) {
        return _ssvToken();
    }

    function validatorExit(address rollupAdmin, bytes calldata pubkey, uint64[] calldata operatorIds)
        external
        onlyOffChainBot
    {
        if (validators[pubkey] != ValidatorStatus.SHARE_DEPOSITED) revert IncorrectValidatorStatus();
        validators[pubkey] = ValidatorStatus.VALIDATOR_EXIT_SUBMITTED;
        ISSVNetwork(_ssvNetwork()).exitValidator(pubkey, operatorIds);
        emit ValidatorExitSubmitted(rollupAdmin, pubkey);
    }
}
