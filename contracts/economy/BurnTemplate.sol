// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Template} from "./Template.sol";
import {TemplateKind} from "./TemplateKind.sol";

/**
 * @title BurnTemplate
 * @notice Burns the caller's tokens through the token's own `burnFrom(account, amount)` (OpenZeppelin
 * {ERC20Burnable} and compatible tokens): the caller approves this template for `amount`, and the token
 * destroys it, spending the allowance. The template never holds tokens, and it checks that the token's total
 * supply really fell by `amount`, so a token whose `burnFrom` does something else is refused. Limits and pause
 * apply per burner.
 */
contract BurnTemplate is Template {
    uint256 private _totalBurned;
    mapping(address account => uint256) private _burnedBy;

    /// @notice `account` burned `amount` (`totalBurned` through this template so far).
    event Burned(address indexed account, uint256 amount, uint256 totalBurned);

    /// @dev The token's supply went from `supplyBefore` to `supplyAfter` instead of falling by the amount.
    error BurnTemplateNotBurned(uint256 supplyBefore, uint256 supplyAfter);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises a clone (the factory does, in the transaction that creates it).
     * Requirements: not initialised yet; owner and token not zero. Emits {OwnershipTransferred}, {LimitsSet}.
     */
    function initialize(address owner_, address token_, Limits calldata limits_) external initializer {
        __Template_init(owner_, token_, limits_);
    }

    /// @inheritdoc Template
    function kind() external pure override returns (TemplateKind) {
        return TemplateKind.Burn;
    }

    /**
     * @notice Burns `amount` of the caller's tokens.
     * Requirements: not paused; `amount` not zero and within the limits; the caller approved this template
     * for `amount` and holds it; the token implements `burnFrom`. Emits {Burned} (and the token's
     * {IERC20-Transfer} to the zero address).
     */
    function burn(uint256 amount) external whenNotPaused nonReentrant {
        if (amount == 0) revert TemplateZeroAmount();
        _useLimits(msg.sender, amount);
        uint256 total = _totalBurned + amount;
        _totalBurned = total;
        _burnedBy[msg.sender] += amount;
        emit Burned(msg.sender, amount, total);

        IERC20 t = token();
        uint256 supplyBefore = t.totalSupply();
        ERC20Burnable(address(t)).burnFrom(msg.sender, amount);
        uint256 supplyAfter = t.totalSupply();
        if (supplyAfter > supplyBefore || supplyBefore - supplyAfter != amount) revert BurnTemplateNotBurned(supplyBefore, supplyAfter);
    }

    /// @notice Tokens burned through this template.
    function totalBurned() external view returns (uint256) {
        return _totalBurned;
    }

    /// @notice Tokens `account` burned through this template.
    function burnedBy(address account) external view returns (uint256) {
        return _burnedBy[account];
    }
}
