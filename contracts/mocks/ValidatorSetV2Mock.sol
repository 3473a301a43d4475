// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ValidatorSet} from "../consensus/ValidatorSet.sol";

/// @notice Test-only: a compatible next version of {ValidatorSet} (adds a function, keeps the storage layout).
/// @dev A fresh deployment is initialised by the inherited `ValidatorSet.initialize`; the plugin wants an
/// initializer of the contract's own, which an upgrade-only V2 does not need.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract ValidatorSetV2Mock is ValidatorSet {
    /// @notice The V2 migration step (nothing to migrate; present as upgradeable contracts need an initializer).
    // solhint-disable-next-line no-empty-blocks
    function initializeV2() external reinitializer(2) {}

    /// @notice Version marker the upgrade test reads.
    function version() external pure returns (string memory) {
        return "2";
    }
}
