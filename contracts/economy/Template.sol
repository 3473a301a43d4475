// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {TemplateKind} from "./TemplateKind.sol";
import {TemplateLimits} from "./TemplateLimits.sol";

/**
 * @title Template
 * @notice Common base of the transaction templates that {TemplateFactory} deploys as EIP-1167 clones: one
 * ERC-20 per instance, an owner (the consortium partner or product developer who deployed it; two-step
 * transfer), a pause and the {TemplateLimits}. Each clone is initialised once, by the factory, in the
 * transaction that creates it; the implementation itself can never be initialised.
 *
 * The owner's powers (limits, pause) apply to the template's operations. They never reach stake a user has
 * already deposited: see {StakeTemplate-unstake}. Renouncing ownership freezes limits and pause for good,
 * which is why it is refused while paused.
 */
abstract contract Template is Initializable, Ownable2StepUpgradeable, PausableUpgradeable, ReentrancyGuardTransient, TemplateLimits {
    IERC20 private _token;
    address private _factory;

    /// @dev A zero address was given where a real one is required; `what` names the argument.
    error TemplateZeroAddress(string what);
    /// @dev An operation of zero tokens.
    error TemplateZeroAmount();

    // solhint-disable-next-line func-name-mixedcase
    function __Template_init(address owner_, address token_, Limits memory limits_) internal onlyInitializing {
        if (owner_ == address(0)) revert TemplateZeroAddress("owner");
        if (token_ == address(0)) revert TemplateZeroAddress("token");
        __Ownable_init(owner_);
        __Pausable_init();
        _token = IERC20(token_);
        _factory = msg.sender;
        _setLimits(limits_);
    }

    /// @notice Which template this is.
    function kind() external pure virtual returns (TemplateKind);

    /// @notice The ERC-20 this template moves.
    function token() public view returns (IERC20) {
        return _token;
    }

    /// @notice The factory that created (and initialised) this instance.
    function factory() external view returns (address) {
        return _factory;
    }

    /**
     * @notice Replaces the limits (zero = none). Today's usage is kept, so a lower daily limit applies at once.
     * Requirements: caller is the owner. Emits {LimitsSet}.
     */
    function setLimits(Limits calldata newLimits) external onlyOwner {
        _setLimits(newLimits);
    }

    /**
     * @notice Stops the template's operations (see each template for which).
     * Requirements: caller is the owner; not paused. Emits {Paused}.
     */
    function pause() external onlyOwner {
        _pause();
    }

    /**
     * @notice Resumes the template's operations.
     * Requirements: caller is the owner; paused. Emits {Unpaused}.
     */
    function unpause() external onlyOwner {
        _unpause();
    }

    /**
     * @notice Gives up ownership for good: limits stay as they are and the template can no longer be paused.
     * Requirements: caller is the owner; not paused (a paused template without owner would stay paused
     * forever). Emits {OwnershipTransferred}.
     */
    function renounceOwnership() public virtual override onlyOwner whenNotPaused {
        super.renounceOwnership();
    }

    /// @dev The current time, for schedules and locks (a producer's few seconds of drift do not matter at
    /// the granularity of cliffs, locks and cooldowns).
    function _now() internal view returns (uint64) {
        // solhint-disable-next-line not-rely-on-time
        return uint64(block.timestamp);
    }
}
