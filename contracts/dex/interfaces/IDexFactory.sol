// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDexFactory
 * @notice What pairs and the router need from the DEX factory.
 */
interface IDexFactory {
    /// @notice Emitted once per pair; `index` is the pair's position in `allPairs` plus one.
    event PairCreated(address indexed token0, address indexed token1, address pair, uint256 index);

    /// @notice Tokens of the pair being created (valid only during `createPair`, read by the pair's constructor).
    function pairParameters() external view returns (address token0, address token1, uint16 swapFeeBps);

    /// @notice Protocol-fee recipient (zero: protocol fee off) and the current swap fee, read by a pair on burn.
    function feeConfig() external view returns (address feeTo, uint16 swapFeeBps);

    /**
     * @notice {feeConfig} plus whether the pair of `token0`/`token1` may take new liquidity (both tokens
     * listed, factory not paused), read by a pair on mint.
     */
    function liquidityConfig(address token0, address token1) external view returns (address feeTo, uint16 swapFeeBps, bool open);

    /// @notice The swap fee in basis points that pairs adopt (see `DexPair.updateSwapFee`).
    function swapFeeBps() external view returns (uint16);

    /// @notice The pair of two tokens (either order), or zero.
    function getPair(address tokenA, address tokenB) external view returns (address pair);

    /// @notice `keccak256` of the pair's creation code: the CREATE2 init-code hash behind every pair address.
    function pairInitCodeHash() external pure returns (bytes32);

    /// @notice Creates the pair of two listed tokens.
    function createPair(address tokenA, address tokenB) external returns (address pair);
}
