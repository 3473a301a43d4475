// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IWrappedNative
 * @notice WETH-like wrapper of the chain's native coin.
 */
interface IWrappedNative is IERC20 {
    /// @notice Wraps `msg.value` native coin into as many tokens.
    function deposit() external payable;
    /// @notice Unwraps `amount` tokens into native coin sent to the caller.
    function withdraw(uint256 amount) external;
}
