// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {NexusBaseBridge, NexusBridgeExecutionRewards} from "./NexusBaseBridge.sol";
import {NexusBridgeDAO} from "./NexusBridgeDAO.sol";
import {NexusBridgeUserCValue} from "./NexusBridgeUserCValue.sol";
import {NexusBridgeUserRebase} from "./NexusBridgeUserRebase.sol";

/// What the public deployable example (demo_contracts/BridgeContractDAO) adds to a bridge kind:
/// a constructor setting the accounting, depositFunds() for user deposits, and a receive() that
/// only emits, so a plain transfer counts as rewards. These two and EthReceived are the only
/// additions to the public ABI (allow-listed in test/contracts/public-interface.test.ts).
abstract contract DemoBridge is NexusBaseBridge {
    event EthReceived(uint256 amount);

    receive() external payable {
        emit EthReceived(msg.value);
    }

    /// A user deposit: principal, not rewards.
    function depositFunds() external payable {
        amountDeposited += msg.value;
    }

    function _initDemo(
        address nexus,
        uint256 deposited,
        uint256 withdrawn,
        uint256 slashed,
        uint256 count,
        uint256 nexusFee
    ) internal {
        NEXUS_NETWORK = nexus;
        amountDeposited = deposited;
        amountWithdrawn = withdrawn;
        slashedAmount = slashed;
        validatorCount = count;
        NexusFeePercentage = nexusFee;
    }
}

// Every deployable takes (nexus, amountDeposited, amountWithdrawn, slashedAmount, <kind's own
// counter: rewardsClaimed for DAO, amountDistributed for CValue/Rebase>, validatorCount,
// nexusFeePercentage), the public BridgeContractDAO's constructor. The DAO is the deployer.

contract BridgeContractDAOV2024_03 is NexusBridgeDAO, DemoBridge {
    constructor(address n, uint256 d, uint256 w, uint256 s, uint256 claimed, uint256 c, uint256 f) {
        _initDemo(n, d, w, s, c, f);
        rewardsClaimed = claimed;
        DAO = msg.sender;
    }
}

contract BridgeContractDAOV2024_06 is NexusBridgeDAO, NexusBridgeExecutionRewards, DemoBridge {
    constructor(address n, uint256 d, uint256 w, uint256 s, uint256 claimed, uint256 c, uint256 f) {
        _initDemo(n, d, w, s, c, f);
        rewardsClaimed = claimed;
        DAO = msg.sender;
    }
}

contract BridgeContractCValueV2024_03 is NexusBridgeUserCValue, DemoBridge {
    constructor(address n, uint256 d, uint256 w, uint256 s, uint256 distributed, uint256 c, uint256 f) {
        _initDemo(n, d, w, s, c, f);
        amountDistributed = distributed;
    }
}

contract BridgeContractCValueV2024_06 is NexusBridgeUserCValue, NexusBridgeExecutionRewards, DemoBridge {
    constructor(address n, uint256 d, uint256 w, uint256 s, uint256 distributed, uint256 c, uint256 f) {
        _initDemo(n, d, w, s, c, f);
        amountDistributed = distributed;
    }
}

contract BridgeContractRebaseV2024_03 is NexusBridgeUserRebase, DemoBridge {
    constructor(address n, uint256 d, uint256 w, uint256 s, uint256 distributed, uint256 c, uint256 f) {
        _initDemo(n, d, w, s, c, f);
        amountDistributed = distributed;
    }
}

contract BridgeContractRebaseV2024_06 is NexusBridgeUserRebase, NexusBridgeExecutionRewards, DemoBridge {
    constructor(address n, uint256 d, uint256 w, uint256 s, uint256 distributed, uint256 c, uint256 f) {
        _initDemo(n, d, w, s, c, f);
        amountDistributed = distributed;
    }
}
