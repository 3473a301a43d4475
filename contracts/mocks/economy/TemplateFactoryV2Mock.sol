// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TemplateFactory} from "../../economy/TemplateFactory.sol";

/// @notice Test-only: a compatible next version of {TemplateFactory} (adds a function, keeps the storage layout).
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract TemplateFactoryV2Mock is TemplateFactory {
    /// @notice The V2 migration step (nothing to migrate).
    // solhint-disable-next-line no-empty-blocks
    function initializeV2() external reinitializer(2) {}

    /// @notice Version marker the upgrade test reads.
    function version() external pure returns (string memory) {
        return "2";
    }
}
