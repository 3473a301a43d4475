// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDexOwned
 * @notice Tokens that name an owner (OpenZeppelin `Ownable`).
 */
interface IDexOwned {
    /// @notice The token's owner.
    function owner() external view returns (address);
}
