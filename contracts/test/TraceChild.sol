// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title TraceChild
 * @notice Test contract for the node's tracing RPC (debug_traceTransaction, ots_*): created by TraceProbe with CREATE
 * and CREATE2, called with value, reverts with a custom error, self-destructs.
 */
contract TraceChild {
    /// The call asked to fail with `code`.
    error TraceChildFailed(uint256 code);

    uint256 public x;

    // solhint-disable-next-line no-empty-blocks
    constructor() payable {}

    /// @notice Stores `v` (accepts value).
    function set(uint256 v) external payable {
        x = v;
    }

    /// @notice Always reverts with {TraceChildFailed}.
    function fail(uint256 code) external pure {
        revert TraceChildFailed(code);
    }

    /// @notice Sends the balance to `to` with SELFDESTRUCT.
    function bye(address payable to) external {
        selfdestruct(to);
    }

    receive() external payable {}
}
