// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title DexReentrantToken
 * @notice Test-only malicious token: once armed, its next transfer out of `target` calls `target` with
 * `data` (e.g. a DEX pair's swap, sync or mint) and bubbles up any revert, to prove the pair's lock.
 * It names an owner (the deployer), like an OpenZeppelin `Ownable` token.
 */
contract DexReentrantToken is ERC20 {
    address private immutable OWNER;
    address public attackTarget;
    bytes public attackData;
    bool public armed;

    constructor(uint256 supply) ERC20("Reentrant Test Token", "REENTER") {
        OWNER = msg.sender;
        _mint(msg.sender, supply);
    }

    /// @notice The deployer.
    function owner() external view returns (address) {
        return OWNER;
    }

    /// @notice Arms the attack: the next transfer from `target_` calls `target_` with `data_`.
    function arm(address target_, bytes calldata data_) external {
        attackTarget = target_;
        attackData = data_;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from == attackTarget) {
            armed = false;
            Address.functionCall(attackTarget, attackData);
        }
    }
}
