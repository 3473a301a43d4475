// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @notice Test-only: a plain burnable ERC-20 with a fixed supply minted to `holder`.
contract BurnableTokenMock is ERC20, ERC20Burnable {
    constructor(uint256 supply, address holder) ERC20("Economy Test Token", "ETT") {
        _mint(holder, supply);
    }
}
