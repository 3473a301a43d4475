// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDexCallee} from "../../dex/interfaces/IDexCallee.sol";

/**
 * @title DexCalleeMock
 * @notice Test-only flash-swap receiver: on `dexCall` it pays the calling pair `repay` of `repayToken`
 * (which it must hold) and records the callback's arguments.
 */
contract DexCalleeMock is IDexCallee {
    using SafeERC20 for IERC20;

    address public repayToken;
    uint256 public repay;
    address public lastSender;
    uint256 public lastAmount0;
    uint256 public lastAmount1;
    bytes public lastData;

    /// @notice What the next callback pays back to the pair.
    function setRepay(address token, uint256 amount) external {
        repayToken = token;
        repay = amount;
    }

    /// @inheritdoc IDexCallee
    function dexCall(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external {
        lastSender = sender;
        lastAmount0 = amount0;
        lastAmount1 = amount1;
        lastData = data;
        if (repay > 0) IERC20(repayToken).safeTransfer(msg.sender, repay);
    }
}
