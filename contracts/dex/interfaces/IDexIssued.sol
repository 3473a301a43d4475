// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDexIssued
 * @notice Tokens that name their issuer (the project's MainToken/ProductToken expose `issuer()`).
 */
interface IDexIssued {
    /// @notice The token's issuer.
    function issuer() external view returns (address);
}
