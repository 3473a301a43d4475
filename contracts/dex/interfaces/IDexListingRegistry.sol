// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDexListingRegistry
 * @notice What the DEX factory asks the listing registry.
 */
interface IDexListingRegistry {
    /// @notice Whether `token` is listed now (approved by a reviewer or governance and not delisted).
    function isListed(address token) external view returns (bool);
}
