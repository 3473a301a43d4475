// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only: an ERC-20 that keeps `FEE_BPS` of every transfer (a deflationary token) to test the bridge's
/// exact-delivery check.
contract BridgeFeeTokenMock is ERC20 {
    uint256 public immutable FEE_BPS;

    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        FEE_BPS = feeBps_;
    }

    /// @notice Mints freely (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * FEE_BPS) / 10_000;
        super._update(from, address(0xdead), fee);
        super._update(from, to, value - fee);
    }
}
