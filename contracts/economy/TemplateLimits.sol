// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title TemplateLimits
 * @notice Limits shared by every transaction template: a maximum per operation, and per account and per day a
 * maximum number of operations and a maximum amount. A day is `block.timestamp / 1 days` (UTC days); usage
 * restarts at the first operation of a new day. A limit of zero means "no limit". Usage is booked only while a
 * daily limit is set, so a template without daily limits pays no storage write for them.
 */
abstract contract TemplateLimits {
    /// @notice The limits of a template; zero means none. Packed into one storage slot (read on every operation).
    struct Limits {
        /// Largest amount of one operation.
        uint112 maxPerTransfer;
        /// Most operations per account and day.
        uint32 maxPerDayCount;
        /// Largest total amount per account and day.
        uint112 maxPerDayAmount;
    }

    /// @dev One account's usage on `day`; one storage slot.
    struct DailyUsage {
        uint32 day;
        uint32 count;
        uint192 amount;
    }

    Limits private _limits;
    mapping(address account => DailyUsage) private _usage;

    /// @notice The limits changed (zero = none).
    event LimitsSet(uint256 maxPerTransfer, uint256 maxPerDayCount, uint256 maxPerDayAmount);

    /// @dev `amount` is above the per-operation maximum.
    error TemplateLimitsTransferTooLarge(uint256 amount, uint256 maxPerTransfer);
    /// @dev This operation would be `account`'s `count`-th today, above `maxPerDayCount`.
    error TemplateLimitsDailyCountExceeded(address account, uint256 count, uint256 maxPerDayCount);
    /// @dev `amount` is more than what `account` may still move today (`remaining`).
    error TemplateLimitsDailyAmountExceeded(address account, uint256 amount, uint256 remaining);

    /// @notice The current limits (zero = none).
    function limits() external view returns (Limits memory) {
        return _limits;
    }

    /**
     * @notice What `account` has used today: operations and amount (zero on a new day, and while no daily
     * limit is set).
     */
    function usageOf(address account) public view returns (uint256 count, uint256 amount) {
        DailyUsage memory u = _usage[account];
        if (u.day != _today()) return (0, 0);
        return (u.count, u.amount);
    }

    /**
     * @notice What `account` may still do today: operations and amount, each `type(uint256).max` when that
     * limit is not set.
     */
    function remainingToday(address account) external view returns (uint256 count, uint256 amount) {
        Limits memory lim = _limits;
        (uint256 usedCount, uint256 usedAmount) = usageOf(account);
        count = lim.maxPerDayCount == 0 ? type(uint256).max : _sub0(lim.maxPerDayCount, usedCount);
        amount = lim.maxPerDayAmount == 0 ? type(uint256).max : _sub0(lim.maxPerDayAmount, usedAmount);
    }

    function _setLimits(Limits memory newLimits) internal {
        _limits = newLimits;
        emit LimitsSet(newLimits.maxPerTransfer, newLimits.maxPerDayCount, newLimits.maxPerDayAmount);
    }

    /**
     * @dev Checks one operation of `amount` by `account` against every limit and books it. Called on every
     * template operation: one slot for the limits, one for the usage (skipped without daily limits).
     */
    function _useLimits(address account, uint256 amount) internal {
        Limits memory lim = _limits;
        if (lim.maxPerTransfer != 0 && amount > lim.maxPerTransfer) {
            revert TemplateLimitsTransferTooLarge(amount, lim.maxPerTransfer);
        }
        if (lim.maxPerDayCount == 0 && lim.maxPerDayAmount == 0) return;

        uint32 today = _today();
        DailyUsage memory u = _usage[account];
        bool sameDay = u.day == today;
        uint256 count = (sameDay ? uint256(u.count) : 0) + 1;
        uint256 used = sameDay ? uint256(u.amount) : 0;
        if (lim.maxPerDayCount != 0 && count > lim.maxPerDayCount) {
            revert TemplateLimitsDailyCountExceeded(account, count, lim.maxPerDayCount);
        }
        uint256 total = used + amount;
        if (lim.maxPerDayAmount != 0 && total > lim.maxPerDayAmount) {
            revert TemplateLimitsDailyAmountExceeded(account, amount, _sub0(lim.maxPerDayAmount, used));
        }
        // Saturating: past these bounds the corresponding limit is unset (or the check above reverted).
        _usage[account] = DailyUsage({
            day: today,
            count: count > type(uint32).max ? type(uint32).max : uint32(count),
            amount: total > type(uint192).max ? type(uint192).max : uint192(total)
        });
    }

    /// @dev The UTC day number; fits 32 bits for eleven million years.
    function _today() internal view returns (uint32) {
        // Days are coarse: a producer's few seconds of timestamp drift only move the day boundary slightly.
        // solhint-disable-next-line not-rely-on-time
        return uint32(block.timestamp / 1 days);
    }

    function _sub0(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : 0;
    }
}
