// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IProductChainRegistry
 * @notice What other system contracts read from the product-chain registry (contracts/chains/ProductChainRegistry.sol):
 * the status governance gave a chain. The anchor registry and the main bridge ask it before they accept a product
 * chain's anchors, deposits and withdrawals.
 */
interface IProductChainRegistry {
    /// @notice Status of a product chain: None (never registered), Active, Suspended (by governance, reversible) or
    /// Retired (by governance, final).
    enum Status {
        None,
        Active,
        Suspended,
        Retired
    }

    /// @notice The status of chain `chainId` (None when it was never registered).
    function chainStatus(uint256 chainId) external view returns (Status);
}
