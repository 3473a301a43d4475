// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only: an ERC-20 whose `burnFrom` spends the allowance but destroys nothing (moves the tokens to
/// itself), which {BurnTemplate} must refuse.
contract FakeBurnTokenMock is ERC20 {
    constructor(uint256 supply, address holder) ERC20("Fake Burn Token", "FBT") {
        _mint(holder, supply);
    }

    /// @notice Looks like ERC20Burnable.burnFrom; keeps the supply unchanged.
    function burnFrom(address account, uint256 amount) external {
        _spendAllowance(account, msg.sender, amount);
        _transfer(account, address(this), amount);
    }
}
