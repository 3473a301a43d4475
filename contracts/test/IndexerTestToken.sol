// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only: an ERC-20 for the indexer's tests — anyone mints and burns, and `skew` changes an account's
/// balance (and the supply) WITHOUT a Transfer event, the kind of token whose indexed balances reconciliation must
/// catch.
contract IndexerTestToken is ERC20 {
    mapping(address account => uint256) private _skew;
    uint256 private _skewTotal;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Mints `amount` to `to` (emits Transfer from the zero address).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of the caller's tokens (emits Transfer to the zero address).
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    /// @notice Adds `amount` to `account`'s balance and to the supply, silently (no event).
    function skew(address account, uint256 amount) external {
        _skew[account] += amount;
        _skewTotal += amount;
    }

    /// @inheritdoc ERC20
    function balanceOf(address account) public view override returns (uint256) {
        return super.balanceOf(account) + _skew[account];
    }

    /// @inheritdoc ERC20
    function totalSupply() public view override returns (uint256) {
        return super.totalSupply() + _skewTotal;
    }
}
