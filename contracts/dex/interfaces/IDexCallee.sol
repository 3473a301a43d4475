// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDexCallee
 * @notice Receiver of a flash swap: `DexPair.swap` with non-empty `data` calls `dexCall` on `to` after sending
 * the output and before checking that the pair was paid.
 */
interface IDexCallee {
    /// @notice Called by the pair during a flash swap; `sender` called `swap`, `amount0`/`amount1` were sent out.
    function dexCall(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
