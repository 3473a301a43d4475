// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Template} from "./Template.sol";
import {TemplateKind} from "./TemplateKind.sol";

/**
 * @title StakeTemplate
 * @notice Stake and unstake with a lock period. Each stake locks the account's whole stake until
 * `now + lockPeriod` (a later stake extends the lock of earlier ones). Limits and pause apply to staking; unstaking
 * after the lock is always possible — neither the owner's limits nor its pause can hold deposited tokens.
 * Standard ERC-20s only: a fee-on-transfer or rebasing token would leave the books short.
 */
contract StakeTemplate is Template {
    using SafeERC20 for IERC20;

    /// @notice Longest lock period an owner can choose (four years), against typos that lock forever.
    uint64 public constant MAX_LOCK_PERIOD = 4 * 365 days;

    /// @dev One account's stake; one slot.
    struct StakeInfo {
        uint192 amount;
        uint64 unlockAt;
    }

    uint64 private _lockPeriod;
    uint256 private _totalStaked;
    mapping(address account => StakeInfo) private _stakes;

    /// @notice The lock period was set (at initialisation; it never changes).
    event LockPeriodSet(uint64 lockPeriod);
    /// @notice `account` staked `amount`; its stake is now `balance`, locked until `unlockAt`.
    event Staked(address indexed account, uint256 amount, uint256 balance, uint64 unlockAt);
    /// @notice `account` withdrew `amount`; its stake is now `balance`.
    event Unstaked(address indexed account, uint256 amount, uint256 balance);

    /// @dev `lockPeriod` is above {MAX_LOCK_PERIOD}.
    error StakeTemplateLockTooLong(uint64 lockPeriod, uint64 maxLockPeriod);
    /// @dev `account`'s stake is locked until `unlockAt`.
    error StakeTemplateLocked(address account, uint64 unlockAt);
    /// @dev `account` asked for `requested` but has `staked`.
    error StakeTemplateInsufficientStake(address account, uint256 requested, uint256 staked);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises a clone (the factory does, in the transaction that creates it).
     * Requirements: not initialised yet; owner and token not zero; `lockPeriod_` ≤ {MAX_LOCK_PERIOD}.
     * Emits {OwnershipTransferred}, {LimitsSet}, {LockPeriodSet}.
     */
    function initialize(
        address owner_,
        address token_,
        uint64 lockPeriod_,
        Limits calldata limits_
    ) external initializer {
        __Template_init(owner_, token_, limits_);
        if (lockPeriod_ > MAX_LOCK_PERIOD) revert StakeTemplateLockTooLong(lockPeriod_, MAX_LOCK_PERIOD);
        _lockPeriod = lockPeriod_;
        emit LockPeriodSet(lockPeriod_);
    }

    /// @inheritdoc Template
    function kind() external pure override returns (TemplateKind) {
        return TemplateKind.Stake;
    }

    /**
     * @notice Stakes `amount` of the caller's tokens and locks its whole stake for the lock period.
     * Requirements: not paused; `amount` not zero and within the limits; the caller approved this template
     * for `amount`. Emits {Staked}.
     */
    function stake(uint256 amount) external whenNotPaused nonReentrant {
        if (amount == 0) revert TemplateZeroAmount();
        _useLimits(msg.sender, amount);
        StakeInfo storage s = _stakes[msg.sender];
        uint256 balance = s.amount + amount;
        uint64 unlockAt = _now() + _lockPeriod;
        s.amount = SafeCast.toUint192(balance);
        s.unlockAt = unlockAt;
        _totalStaked += amount;
        emit Staked(msg.sender, amount, balance, unlockAt);
        token().safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Withdraws `amount` of the caller's stake. Works while paused and ignores the limits: the owner
     * cannot hold deposited tokens.
     * Requirements: `amount` not zero and ≤ the caller's stake; the lock has ended. Emits {Unstaked}.
     */
    function unstake(uint256 amount) external nonReentrant {
        if (amount == 0) revert TemplateZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        uint256 staked = s.amount;
        if (amount > staked) revert StakeTemplateInsufficientStake(msg.sender, amount, staked);
        if (_now() < s.unlockAt) revert StakeTemplateLocked(msg.sender, s.unlockAt);
        // Cannot underflow: amount ≤ staked ≤ _totalStaked, checked just above.
        unchecked {
            s.amount = uint192(staked - amount);
            _totalStaked -= amount;
        }
        emit Unstaked(msg.sender, amount, staked - amount);
        token().safeTransfer(msg.sender, amount);
    }

    /// @notice `account`'s stake and the time its lock ends.
    function stakeOf(address account) external view returns (uint256 amount, uint64 unlockAt) {
        StakeInfo memory s = _stakes[account];
        return (s.amount, s.unlockAt);
    }

    /// @notice All tokens staked in this template.
    function totalStaked() external view returns (uint256) {
        return _totalStaked;
    }

    /// @notice Seconds each stake locks the account's stake.
    function lockPeriod() external view returns (uint64) {
        return _lockPeriod;
    }
}
