// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemContract} from "../utils/SystemContract.sol";

/// @notice Test-only: an "upgrade" of {ValidatorSet} whose namespaced storage puts a different field first.
/// The storage-layout check of hardhat-upgrades must refuse it.
contract ValidatorSetLayoutBreakMock is SystemContract {
    /// @custom:storage-location erc7201:luniverse.storage.ValidatorSet
    struct ValidatorSetStorage {
        uint256 reorderedFirstField;
        address stakingToken;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializer, so that the only reason to refuse this contract is its storage layout.
    function initialize(address admin) external initializer {
        __SystemContract_init(admin);
    }
}
