// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Template} from "./Template.sol";
import {TemplateKind} from "./TemplateKind.sol";

/**
 * @title VestingTemplate
 * @notice Linear vesting with a cliff for one beneficiary. The grantor (the owner who deployed it through
 * {TemplateFactory-deployVesting}, which moves the tokens in) allocates `total` tokens; nothing is vested before
 * `start + cliff`, then `total * (t - start) / duration` (rounded down), all of it from `start + duration`.
 * The beneficiary releases vested tokens, any amount at a time, within the limits. A revocable vesting can be
 * revoked by the grantor: the unvested part returns to the grantor at once, the part vested at that moment
 * stays claimable by the beneficiary.
 *
 * Trust: the owner can pause releases and set limits on them. A grantor who wants to give up that power
 * (and the right to revoke) renounces ownership after deployment.
 */
contract VestingTemplate is Template {
    using SafeERC20 for IERC20;

    /// @notice A vesting schedule: times in seconds (unix time for `start`).
    struct Schedule {
        address beneficiary;
        uint64 start;
        /// Seconds after `start` before which nothing vests; ≤ `duration`.
        uint64 cliff;
        /// Seconds from `start` to full vesting; not zero.
        uint64 duration;
        bool revocable;
    }

    Schedule private _schedule;
    uint64 private _revokedAt;
    /// Tokens of the schedule; set to what had vested when it is revoked.
    uint256 private _total;
    uint256 private _released;

    /// @notice The schedule was set up with `total` tokens.
    event VestingScheduled(
        address indexed beneficiary,
        uint256 total,
        uint64 start,
        uint64 cliff,
        uint64 duration,
        bool revocable
    );
    /// @notice `amount` was released to the beneficiary (`totalReleased` so far).
    event Released(address indexed beneficiary, uint256 amount, uint256 totalReleased);
    /// @notice The grantor revoked: `unvested` went back to it, `vested` stays the beneficiary's.
    event Revoked(address indexed grantor, uint256 unvested, uint256 vested);

    /// @dev `duration` is zero or `cliff` is longer than `duration`.
    error VestingTemplateInvalidSchedule(uint64 start, uint64 cliff, uint64 duration);
    /// @dev The clone holds `balance`, less than the `total` it is to vest.
    error VestingTemplateUnderfunded(uint256 balance, uint256 total);
    /// @dev Only the beneficiary releases.
    error VestingTemplateNotBeneficiary(address caller);
    /// @dev `amount` is more than the `releasable` (vested, not yet released) tokens.
    error VestingTemplateAmountExceedsReleasable(uint256 amount, uint256 releasable);
    /// @dev The schedule was created irrevocable.
    error VestingTemplateNotRevocable();
    /// @dev The schedule was already revoked at `revokedAt`.
    error VestingTemplateAlreadyRevoked(uint64 revokedAt);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises a clone that already holds the `total` tokens (the factory moves them in first, in
     * the same transaction).
     * Requirements: not initialised yet; owner, token and beneficiary not zero; `total` not zero and held by
     * the clone; `duration` not zero; `cliff` ≤ `duration`.
     * Emits {OwnershipTransferred}, {LimitsSet}, {VestingScheduled}.
     */
    function initialize(
        address owner_,
        address token_,
        Schedule calldata schedule_,
        uint256 total_,
        Limits calldata limits_
    ) external initializer {
        __Template_init(owner_, token_, limits_);
        if (schedule_.beneficiary == address(0)) revert TemplateZeroAddress("beneficiary");
        if (schedule_.duration == 0 || schedule_.cliff > schedule_.duration) {
            revert VestingTemplateInvalidSchedule(schedule_.start, schedule_.cliff, schedule_.duration);
        }
        if (total_ == 0) revert TemplateZeroAmount();
        uint256 balance = token().balanceOf(address(this));
        if (balance < total_) revert VestingTemplateUnderfunded(balance, total_);
        _schedule = schedule_;
        _total = total_;
        emit VestingScheduled(
            schedule_.beneficiary,
            total_,
            schedule_.start,
            schedule_.cliff,
            schedule_.duration,
            schedule_.revocable
        );
    }

    /// @inheritdoc Template
    function kind() external pure override returns (TemplateKind) {
        return TemplateKind.Vesting;
    }

    /**
     * @notice Releases `amount` of the vested tokens to the beneficiary.
     * Requirements: not paused; caller is the beneficiary; `amount` not zero, ≤ {releasable} and within the
     * limits. Emits {Released}.
     */
    function release(uint256 amount) external whenNotPaused nonReentrant {
        address beneficiary = _schedule.beneficiary;
        if (msg.sender != beneficiary) revert VestingTemplateNotBeneficiary(msg.sender);
        if (amount == 0) revert TemplateZeroAmount();
        uint256 available = releasable();
        if (amount > available) revert VestingTemplateAmountExceedsReleasable(amount, available);
        _useLimits(beneficiary, amount);
        uint256 released = _released + amount;
        _released = released;
        emit Released(beneficiary, amount, released);
        token().safeTransfer(beneficiary, amount);
    }

    /**
     * @notice Revokes the vesting: the tokens not vested now return to the grantor (the owner); those vested
     * stay claimable by the beneficiary.
     * Requirements: caller is the owner; the schedule is revocable and not yet revoked. Emits {Revoked}.
     */
    function revoke() external nonReentrant onlyOwner {
        if (!_schedule.revocable) revert VestingTemplateNotRevocable();
        if (_revokedAt != 0) revert VestingTemplateAlreadyRevoked(_revokedAt);
        uint64 now_ = _now();
        uint256 vested = vestedAmount(now_);
        uint256 unvested = _total - vested;
        _total = vested;
        _revokedAt = now_;
        emit Revoked(msg.sender, unvested, vested);
        if (unvested != 0) token().safeTransfer(msg.sender, unvested);
    }

    /// @notice Tokens vested at `timestamp` (all that remain vested after a revocation).
    function vestedAmount(uint64 timestamp) public view returns (uint256) {
        if (_revokedAt != 0) return _total;
        Schedule memory s = _schedule;
        uint256 t = timestamp;
        if (t < uint256(s.start) + s.cliff) return 0;
        if (t >= uint256(s.start) + s.duration) return _total;
        return Math.mulDiv(_total, t - s.start, s.duration);
    }

    /// @notice Tokens vested now and not yet released.
    function releasable() public view returns (uint256) {
        return vestedAmount(_now()) - _released;
    }

    /// @notice The schedule.
    function schedule() external view returns (Schedule memory) {
        return _schedule;
    }

    /// @notice The tokens of the schedule (what had vested, after a revocation), those released, and when it
    /// was revoked (0: not revoked).
    function totals() external view returns (uint256 total, uint256 released, uint64 revokedAt) {
        return (_total, _released, _revokedAt);
    }
}
