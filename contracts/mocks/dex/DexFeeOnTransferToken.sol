// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title DexFeeOnTransferToken
 * @notice Test-only deflationary token: every transfer (not mint or burn) burns `feeBps` of the amount, so
 * the recipient gets less than was sent. It names no issuer (anyone may request its listing).
 */
contract DexFeeOnTransferToken is ERC20 {
    uint256 public immutable FEE_BPS;

    constructor(uint256 feeBps, uint256 supply) ERC20("Deflationary Test Token", "DFL") {
        FEE_BPS = feeBps;
        _mint(msg.sender, supply);
    }

    /// @notice Mints `amount` to `to` (test only). Emits {Transfer}.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * FEE_BPS) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
