// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title WrappedNative
 * @notice The chain's native coin as an ERC-20 (WETH9 semantics: 1:1 deposit and withdrawal, 18 decimals),
 * plus EIP-2612 permit. The DEX trades the native coin through it.
 */
contract WrappedNative is ERC20, ERC20Permit {
    event Deposit(address indexed account, uint256 amount);
    event Withdrawal(address indexed account, uint256 amount);

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC20Permit(name_) {}

    /// @notice Sending native coin to the contract deposits it. Emits {Deposit} and {Transfer}.
    receive() external payable {
        deposit();
    }

    /**
     * @notice Wraps `msg.value` native coin into as many tokens for the caller.
     * Requirements: none. Emits {Transfer} (mint) and {Deposit}.
     */
    function deposit() public payable {
        _mint(msg.sender, msg.value);
        emit Deposit(msg.sender, msg.value);
    }

    /**
     * @notice Unwraps `amount` tokens of the caller and sends it as much native coin.
     * Requirements: the caller holds `amount`; the caller accepts native coin.
     * Emits {Transfer} (burn) and {Withdrawal}.
     */
    function withdraw(uint256 amount) external {
        _burn(msg.sender, amount);
        emit Withdrawal(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }
}
