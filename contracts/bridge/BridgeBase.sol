// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {SystemContract} from "../utils/SystemContract.sol";

/**
 * @title BridgeBase
 * @notice What both sides of the token bridge share: the signer set and its threshold (default 4 of 6),
 * confirmation accounting, per-pair limits and the settle-or-queue rule.
 *
 * Confirmation rules (the reason this bridge is not Ronin's):
 * - only signers of the current set confirm; the set and threshold change only by governance, with the threshold
 *   always above half the set; a change voids confirmations given under the previous set;
 * - a signer confirms an id once; confirmations count per exact data, so conflicting data for one id never combine;
 * - an id settles once, ever;
 * - what settles is also bounded by a daily limit per pair: an operation over the limit is queued, not lost, and
 *   anyone settles it with {executeQueued} once the day's budget allows.
 */
abstract contract BridgeBase is SystemContract, ReentrancyGuardUpgradeable {
    /// @notice Most signers a set may have.
    uint256 public constant MAX_SIGNERS = 32;
    /// @notice Largest ratio a pair may have (product units per main unit); the smallest is 1.
    uint256 public constant MAX_RATIO = 1e18;

    /// @notice Limits of one pair, in this side's token units. `dailyIn` bounds what users send in (deposits on the
    /// main side, redeems on the product side); `dailyOut` bounds what signers settle (releases, mints).
    struct Limits {
        uint128 minPerTx;
        uint128 maxPerTx;
        uint128 dailyIn;
        uint128 dailyOut;
    }

    enum Status {
        None,
        Queued,
        Executed
    }

    /// @notice A confirmed operation: which pair, who receives, how much (this side's units).
    struct Operation {
        bytes32 pairId;
        address recipient;
        uint256 amount;
    }

    /// @custom:storage-location erc7201:luniverse.storage.BridgeBase
    struct BridgeBaseStorage {
        address[] signers;
        mapping(address signer => bool) isSigner;
        uint256 threshold;
        uint256 signerSetVersion;
        mapping(bytes32 id => Status) status;
        mapping(bytes32 id => Operation) queued;
        // keccak256(id, version) => signer => data hash it confirmed
        mapping(bytes32 idVersion => mapping(address signer => bytes32)) confirmedData;
        // keccak256(id, dataHash, version) => confirmations
        mapping(bytes32 key => uint256) confirmations;
        mapping(bytes32 pairId => Limits) limits;
        // keccak256(pairId, day, isOut) => amount used
        mapping(bytes32 key => uint256) used;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.BridgeBase")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xc48ad94a9f353bc5316847bc75f2a837466bdae61c5cc4707f54031de834ee00;

    event SignersChanged(address[] signers, uint256 threshold, uint256 signerSetVersion);
    event Confirmed(bytes32 indexed id, bytes32 indexed dataHash, address indexed signer, uint256 confirmations, uint256 threshold);
    event OperationQueued(bytes32 indexed id, bytes32 indexed pairId, address indexed recipient, uint256 amount, uint256 day);
    event LimitsChanged(bytes32 indexed pairId, Limits limits);

    error BridgeInvalidSigners(uint256 count, uint256 threshold);
    error BridgeNotSigner(address account);
    error BridgeAlreadyConfirmed(bytes32 id, address signer);
    error BridgeAlreadySettled(bytes32 id, Status status);
    error BridgeNotQueued(bytes32 id);
    error BridgeAmountBelowMinimum(uint256 amount, uint256 minimum);
    error BridgeAmountAboveMaximum(uint256 amount, uint256 maximum);
    error BridgeDailyLimitExceeded(uint256 requested, uint256 remaining);
    error BridgeInvalidLimits(string reason);
    error BridgeZeroAmount();
    error BridgeInvalidRatio(uint256 ratio, uint256 maxRatio);

    modifier onlySigner() {
        if (!_base().isSigner[msg.sender]) revert BridgeNotSigner(msg.sender);
        _;
    }

    // solhint-disable-next-line func-name-mixedcase
    function __BridgeBase_init(address admin, address[] calldata signers_, uint256 threshold_) internal onlyInitializing {
        __SystemContract_init(admin);
        __ReentrancyGuard_init();
        _setSigners(signers_, threshold_);
    }

    // ---------------------------------------------------------------- governance

    /**
     * @notice Replaces the signer set and threshold; confirmations given under the previous set stop counting.
     * Requirements: `GOVERNANCE_ROLE`; 1..MAX_SIGNERS distinct non-zero signers; threshold above half the set and
     * at most its size. Emits {SignersChanged}.
     */
    function setSigners(address[] calldata signers_, uint256 threshold_) external onlyRole(GOVERNANCE_ROLE) {
        _setSigners(signers_, threshold_);
    }

    /**
     * @notice Sets the limits of a pair.
     * Requirements: `GOVERNANCE_ROLE`; the pair is registered; `0 < minPerTx <= maxPerTx`. Emits {LimitsChanged}.
     */
    function setLimits(bytes32 pairId, Limits calldata limits_) external onlyRole(GOVERNANCE_ROLE) {
        _requirePair(pairId);
        _setLimits(pairId, limits_);
    }

    // ---------------------------------------------------------------- settlement

    /**
     * @notice Settles a queued operation once the pair's daily budget allows it. Anyone may call.
     * Requirements: not paused; `id` is queued; the side allows it (MainBridge: the pair's product chain is not
     * suspended); within today's `dailyOut`. Emits the side's settlement event.
     */
    function executeQueued(bytes32 id) external whenNotPaused nonReentrant {
        BridgeBaseStorage storage $ = _base();
        if ($.status[id] != Status.Queued) revert BridgeNotQueued(id);
        Operation memory op = $.queued[id];
        _beforeSettleQueued(op);
        uint256 remaining = _remainingOut(op.pairId);
        if (op.amount > remaining) revert BridgeDailyLimitExceeded(op.amount, remaining);
        delete $.queued[id];
        _useOut(op.pairId, op.amount);
        $.status[id] = Status.Executed;
        _settle(id, op);
    }

    // ---------------------------------------------------------------- views

    /// @notice The current signers.
    function signers() external view returns (address[] memory) {
        return _base().signers;
    }

    /// @notice Confirmations needed to settle.
    function threshold() external view returns (uint256) {
        return _base().threshold;
    }

    /// @notice Version of the signer set (bumped by every change).
    function signerSetVersion() external view returns (uint256) {
        return _base().signerSetVersion;
    }

    /// @notice Whether `account` is a signer.
    function isSigner(address account) external view returns (bool) {
        return _base().isSigner[account];
    }

    /// @notice Settlement status of `id`.
    function status(bytes32 id) external view returns (Status) {
        return _base().status[id];
    }

    /// @notice The operation queued under `id` (zero when none).
    function queuedOperation(bytes32 id) external view returns (Operation memory) {
        return _base().queued[id];
    }

    /// @notice Confirmations of `id` with data `dataHash` under the current signer set.
    function confirmations(bytes32 id, bytes32 dataHash) external view returns (uint256) {
        BridgeBaseStorage storage $ = _base();
        return $.confirmations[keccak256(abi.encode(id, dataHash, $.signerSetVersion))];
    }

    /// @notice The data hash `signer` confirmed for `id` under the current set (zero when none).
    function confirmedData(bytes32 id, address signer) external view returns (bytes32) {
        BridgeBaseStorage storage $ = _base();
        return $.confirmedData[keccak256(abi.encode(id, $.signerSetVersion))][signer];
    }

    /// @notice Limits of `pairId`.
    function limits(bytes32 pairId) external view returns (Limits memory) {
        return _base().limits[pairId];
    }

    /**
     * @notice The product side's limits for a pair whose main-side limits are `mainLimits` at `ratio`: every field
     * times the ratio, so both sides bound the same value (a product amount is `ratio` times its main amount).
     * This is the one place the rule lives: governance proposals (`registerBridgePair`) read the product limits
     * from here. Requirements: 1 <= ratio <= MAX_RATIO; every scaled field fits in a uint128.
     * @param mainLimits Limits in main-token units.
     * @param ratio Product units per main unit.
     * @return scaled The same limits in product-token units.
     */
    function scaledLimits(Limits calldata mainLimits, uint256 ratio) external pure returns (Limits memory scaled) {
        if (ratio == 0 || ratio > MAX_RATIO) revert BridgeInvalidRatio(ratio, MAX_RATIO);
        scaled.minPerTx = _scale(mainLimits.minPerTx, ratio);
        scaled.maxPerTx = _scale(mainLimits.maxPerTx, ratio);
        scaled.dailyIn = _scale(mainLimits.dailyIn, ratio);
        scaled.dailyOut = _scale(mainLimits.dailyOut, ratio);
    }

    /// @notice What is left today of the pair's `dailyIn` and `dailyOut`.
    function remainingToday(bytes32 pairId) external view returns (uint256 inRemaining, uint256 outRemaining) {
        return (_remainingIn(pairId), _remainingOut(pairId));
    }

    // ---------------------------------------------------------------- internals for the sides

    /// @dev Reverts unless `pairId` is registered on this side.
    function _requirePair(bytes32 pairId) internal view virtual;

    /// @dev Performs a settled operation (release or mint) and emits its event.
    function _settle(bytes32 id, Operation memory op) internal virtual;

    /// @dev Reverts when a side's own rules forbid settling a queued operation now (checked by {executeQueued}; a
    /// confirmation checks them itself). None by default.
    // solhint-disable-next-line no-empty-blocks
    function _beforeSettleQueued(Operation memory /* op */) internal view virtual {}

    /**
     * @dev Counts the caller's confirmation of `op` under `id`; on the threshold-th identical confirmation,
     * settles it now or queues it when over the daily limit.
     */
    function _confirm(bytes32 id, Operation memory op) internal {
        BridgeBaseStorage storage $ = _base();
        Status s = $.status[id];
        if (s != Status.None) revert BridgeAlreadySettled(id, s);
        uint256 version = $.signerSetVersion;
        bytes32 idVersion = keccak256(abi.encode(id, version));
        if ($.confirmedData[idVersion][msg.sender] != bytes32(0)) revert BridgeAlreadyConfirmed(id, msg.sender);
        bytes32 dataHash = keccak256(abi.encode(op.pairId, op.recipient, op.amount));
        $.confirmedData[idVersion][msg.sender] = dataHash;
        uint256 count = ++$.confirmations[keccak256(abi.encode(id, dataHash, version))];
        emit Confirmed(id, dataHash, msg.sender, count, $.threshold);
        if (count < $.threshold) return;

        uint256 remaining = _remainingOut(op.pairId);
        if (op.amount > remaining) {
            $.status[id] = Status.Queued;
            $.queued[id] = op;
            // A day index for off-chain processes; daily limits reset at UTC midnight.
            // solhint-disable-next-line not-rely-on-time
            emit OperationQueued(id, op.pairId, op.recipient, op.amount, block.timestamp / 1 days);
            return;
        }
        _useOut(op.pairId, op.amount);
        $.status[id] = Status.Executed;
        _settle(id, op);
    }

    /// @dev Checks a user-initiated amount against the pair's per-transaction and daily-in limits and books it.
    function _useIn(bytes32 pairId, uint256 amount) internal {
        if (amount == 0) revert BridgeZeroAmount();
        Limits storage lim = _base().limits[pairId];
        if (amount < lim.minPerTx) revert BridgeAmountBelowMinimum(amount, lim.minPerTx);
        if (amount > lim.maxPerTx) revert BridgeAmountAboveMaximum(amount, lim.maxPerTx);
        uint256 remaining = _remainingIn(pairId);
        if (amount > remaining) revert BridgeDailyLimitExceeded(amount, remaining);
        _base().used[_dayKey(pairId, false)] += amount;
    }

    function _setLimits(bytes32 pairId, Limits calldata lim) internal {
        if (lim.minPerTx == 0) revert BridgeInvalidLimits("minPerTx is zero");
        if (lim.minPerTx > lim.maxPerTx) revert BridgeInvalidLimits("minPerTx is above maxPerTx");
        _base().limits[pairId] = lim;
        emit LimitsChanged(pairId, lim);
    }

    // ---------------------------------------------------------------- private

    function _scale(uint128 value, uint256 ratio) private pure returns (uint128) {
        uint256 scaled = uint256(value) * ratio; // at most 2^128 * 1e18: no overflow in 256 bits
        if (scaled > type(uint128).max) revert BridgeInvalidLimits("scaled limit above uint128");
        return uint128(scaled);
    }

    function _useOut(bytes32 pairId, uint256 amount) private {
        _base().used[_dayKey(pairId, true)] += amount;
    }

    function _remainingIn(bytes32 pairId) private view returns (uint256) {
        BridgeBaseStorage storage $ = _base();
        uint256 used = $.used[_dayKey(pairId, false)];
        uint256 cap = $.limits[pairId].dailyIn;
        return used >= cap ? 0 : cap - used;
    }

    function _remainingOut(bytes32 pairId) private view returns (uint256) {
        BridgeBaseStorage storage $ = _base();
        uint256 used = $.used[_dayKey(pairId, true)];
        uint256 cap = $.limits[pairId].dailyOut;
        return used >= cap ? 0 : cap - used;
    }

    function _dayKey(bytes32 pairId, bool isOut) private view returns (bytes32) {
        // Daily limits are per UTC day; a validator's few seconds of timestamp drift only shift the boundary.
        // solhint-disable-next-line not-rely-on-time
        return keccak256(abi.encode(pairId, block.timestamp / 1 days, isOut));
    }

    function _setSigners(address[] calldata signers_, uint256 threshold_) private {
        uint256 n = signers_.length;
        if (n == 0 || n > MAX_SIGNERS || threshold_ * 2 <= n || threshold_ > n) {
            revert BridgeInvalidSigners(n, threshold_);
        }
        BridgeBaseStorage storage $ = _base();
        for (uint256 i = 0; i < $.signers.length; ++i) $.isSigner[$.signers[i]] = false;
        for (uint256 i = 0; i < n; ++i) {
            address s = signers_[i];
            if (s == address(0) || $.isSigner[s]) revert BridgeInvalidSigners(n, threshold_);
            $.isSigner[s] = true;
        }
        $.signers = signers_;
        $.threshold = threshold_;
        uint256 version = ++$.signerSetVersion;
        emit SignersChanged(signers_, threshold_, version);
    }

    function _base() private pure returns (BridgeBaseStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
