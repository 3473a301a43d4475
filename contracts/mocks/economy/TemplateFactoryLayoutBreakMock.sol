// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemContract} from "../../utils/SystemContract.sol";

/// @notice Test-only: a "next version" of {TemplateFactory} that reorders its namespaced storage, which the
/// upgrade-safety check must refuse.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract TemplateFactoryLayoutBreakMock is SystemContract {
    /// @custom:storage-location erc7201:luniverse.storage.TemplateFactory
    struct TemplateFactoryStorage {
        uint256 instanceCountMovedFirst;
        mapping(uint8 kind => address) implementations;
        mapping(address instance => uint256) kindPlusOne;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }
}
