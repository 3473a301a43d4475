// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockControllerUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/**
 * @title LuniverseTimelock
 * @notice The executor of governance: every system contract's `GOVERNANCE_ROLE` is held by this timelock.
 * Proposals passed by {LuniverseGovernor} wait `getMinDelay()` seconds here; the emergency council holds
 * `CANCELLER_ROLE` so it can veto a queued operation. Upgradeable (UUPS) only by an operation of its own.
 */
contract LuniverseTimelock is TimelockControllerUpgradeable, UUPSUpgradeable {
    /// @dev An upgrade was attempted by someone other than the timelock itself.
    error LuniverseTimelockUnauthorizedUpgrade(address caller);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // `initialize(minDelay, proposers, executors, admin)` is inherited from TimelockControllerUpgradeable:
    // the deployer is the temporary admin and renounces once the system is wired.

    function _authorizeUpgrade(address) internal view override {
        if (msg.sender != address(this)) revert LuniverseTimelockUnauthorizedUpgrade(msg.sender);
    }
}
