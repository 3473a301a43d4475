// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @notice Test-only: an ERC-20 that, once armed, calls back into a contract during its next balance update
/// (as a token with transfer hooks could), to show the economy contracts' reentrancy guards hold.
contract ReentrantTokenMock is ERC20 {
    address private _target;
    bytes private _data;

    constructor(uint256 supply, address holder) ERC20("Reentrant Token", "RET") {
        _mint(holder, supply);
    }

    /// @notice Arms one callback: `target` is called with `data` during the next transfer.
    function setReentry(address target, bytes calldata data) external {
        _target = target;
        _data = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            Address.functionCall(target, _data);
        }
    }
}
