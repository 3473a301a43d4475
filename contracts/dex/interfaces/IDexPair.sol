// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDexPair
 * @notice The constant-product pair's AMM interface (its LP token is a plain ERC-20 with EIP-2612 permit).
 */
interface IDexPair {
    event Mint(address indexed sender, uint256 amount0, uint256 amount1);
    event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
    event Swap(
        address indexed sender,
        uint256 amount0In,
        uint256 amount1In,
        uint256 amount0Out,
        uint256 amount1Out,
        address indexed to
    );
    event Sync(uint112 reserve0, uint112 reserve1);
    event SwapFeeUpdated(uint16 previousFeeBps, uint16 newFeeBps);

    /// @notice The factory that created the pair.
    function factory() external view returns (address);
    /// @notice The token with the lower address.
    function token0() external view returns (address);
    /// @notice The token with the higher address.
    function token1() external view returns (address);
    /// @notice Reserves as of the last update and the (32-bit) timestamp of that update.
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    /// @notice Reserves and the pair's swap fee in basis points: what pricing a hop needs.
    function getReservesAndFee() external view returns (uint112 reserve0, uint112 reserve1, uint16 feeBps);
    /// @notice The swap fee the pair charges, in basis points of the input.
    function swapFeeBps() external view returns (uint16);
    /// @notice Sum of (reserve1 / reserve0 as UQ112x112) × seconds, wrapping; TWAP oracles difference two readings.
    function price0CumulativeLast() external view returns (uint256);
    /// @notice Sum of (reserve0 / reserve1 as UQ112x112) × seconds, wrapping.
    function price1CumulativeLast() external view returns (uint256);
    /// @notice reserve0 × reserve1 after the last liquidity event while the protocol fee was on (else 0).
    function kLast() external view returns (uint256);

    /// @notice Mints LP tokens to `to` for the tokens sent to the pair since the last update.
    function mint(address to) external returns (uint256 liquidity);
    /// @notice Burns the LP tokens sent to the pair and sends `to` its share of both tokens.
    function burn(address to) external returns (uint256 amount0, uint256 amount1);
    /// @notice Sends the outputs to `to` (calling it back when `data` is non-empty), then checks it was paid.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
    /// @notice Sends `to` the balances in excess of the reserves.
    function skim(address to) external;
    /// @notice Sets the reserves to the balances.
    function sync() external;
    /// @notice Adopts the factory's current swap fee.
    function updateSwapFee() external;
}
