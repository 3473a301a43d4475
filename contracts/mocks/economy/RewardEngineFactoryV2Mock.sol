// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RewardEngineFactory} from "../../economy/RewardEngineFactory.sol";

/// @notice Test-only: a compatible next version of {RewardEngineFactory} (adds a function, keeps the layout).
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract RewardEngineFactoryV2Mock is RewardEngineFactory {
    /// @notice The V2 migration step (nothing to migrate).
    // solhint-disable-next-line no-empty-blocks
    function initializeV2() external reinitializer(2) {}

    /// @notice Version marker the upgrade test reads.
    function version() external pure returns (string memory) {
        return "2";
    }
}
