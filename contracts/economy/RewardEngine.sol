// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

/**
 * @title RewardEngine
 * @notice One DApp's rewards in one ERC-20 (an EIP-1167 clone deployed by {RewardEngineFactory}, owned by the
 * consortium partner or product developer who created it). The owner defines **target behaviours**
 * (id → reward per occurrence, per-user cap, cooldown, budget), funds the engine and authorises
 * **reporters** (the DApp's backend keys). A reporter attests that `user` performed behaviour `id`, naming the
 * occurrence by a unique `occurrenceId`; the engine pays the reward at once and emits {RewardPaid}.
 *
 * Money rules: a behaviour's budget is set aside from the engine's funds when it is defined (so every budget is
 * backed by tokens held), a reward never takes a behaviour past its budget nor a user past the cap, an
 * occurrence id pays once, and the owner can withdraw only what no budget holds. Standard ERC-20s only.
 */
contract RewardEngine is Initializable, Ownable2StepUpgradeable, PausableUpgradeable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice A target behaviour; two storage slots (the first is all a report reads besides the budget).
    struct Behaviour {
        /// Tokens per occurrence; not zero once defined.
        uint96 rewardPerOccurrence;
        /// Seconds between two rewards to one user for this behaviour (0: none).
        uint32 cooldown;
        /// Most tokens one user can earn from this behaviour in total (0: no cap).
        uint128 perUserCap;
        /// Tokens set aside for this behaviour over its life.
        uint128 budget;
        /// Tokens paid so far (≤ budget).
        uint128 paid;
    }

    /// @notice One user's record for one behaviour; one slot.
    struct UserRecord {
        uint128 earned;
        /// When the user was last rewarded for the behaviour (0: never).
        uint64 lastRewardAt;
    }

    /// @notice One report of a batch.
    struct Report {
        bytes32 behaviourId;
        address user;
        bytes32 occurrenceId;
    }

    IERC20 private _token;
    address private _factory;
    /// Sum over behaviours of `budget - paid`: tokens that belong to budgets.
    uint256 private _allocated;
    bytes32[] private _behaviourIds;
    mapping(bytes32 behaviourId => Behaviour) private _behaviours;
    mapping(bytes32 behaviourId => mapping(address user => UserRecord)) private _records;
    mapping(bytes32 occurrenceId => bool) private _occurrences;
    mapping(address reporter => bool) private _reporters;

    /// @notice Behaviour `behaviourId` was defined or changed.
    event BehaviourDefined(
        bytes32 indexed behaviourId,
        uint256 rewardPerOccurrence,
        uint256 perUserCap,
        uint32 cooldown,
        uint256 budget
    );
    /// @notice `reporter` was authorised (or no longer is).
    event ReporterSet(address indexed reporter, bool authorised);
    /// @notice `from` added `amount` to the engine's funds.
    event Funded(address indexed from, uint256 amount);
    /// @notice The owner withdrew `amount` of unallocated funds to `to`.
    event Withdrawn(address indexed to, uint256 amount);
    /// @notice `user` received `amount` for occurrence `occurrenceId` of `behaviourId`, attested by `reporter`.
    event RewardPaid(
        bytes32 indexed behaviourId,
        address indexed user,
        uint256 amount,
        bytes32 indexed occurrenceId,
        address reporter
    );

    /// @dev A zero address was given where a real one is required; `what` names the argument.
    error RewardEngineZeroAddress(string what);
    /// @dev An amount of zero (funding, withdrawal, reward per occurrence).
    error RewardEngineZeroAmount();
    /// @dev `caller` is not an authorised reporter.
    error RewardEngineNotReporter(address caller);
    /// @dev No behaviour `behaviourId` is defined.
    error RewardEngineUnknownBehaviour(bytes32 behaviourId);
    /// @dev A behaviour's budget cannot go below what it already `paid`.
    error RewardEngineBudgetBelowPaid(bytes32 behaviourId, uint256 budget, uint256 paid);
    /// @dev `required` tokens are needed but only `available` are unallocated.
    error RewardEngineInsufficientFunds(uint256 required, uint256 available);
    /// @dev Occurrence `occurrenceId` was already rewarded.
    error RewardEngineDuplicateOccurrence(bytes32 occurrenceId);
    /// @dev `user` was rewarded for `behaviourId` too recently; next possible at `availableAt`.
    error RewardEngineCooldownActive(bytes32 behaviourId, address user, uint256 availableAt);
    /// @dev The reward would take `user` past the per-user `cap` (has `earned`).
    error RewardEngineUserCapExceeded(bytes32 behaviourId, address user, uint256 earned, uint256 cap);
    /// @dev The behaviour's `remaining` budget is less than its `reward`.
    error RewardEngineBudgetExhausted(bytes32 behaviourId, uint256 remaining, uint256 reward);
    /// @dev A batch with no reports.
    error RewardEngineEmptyBatch();

    modifier onlyReporter() {
        if (!_reporters[msg.sender]) revert RewardEngineNotReporter(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises a clone (the factory does, in the transaction that creates it).
     * Requirements: not initialised yet; owner and token not zero. Emits {OwnershipTransferred}.
     */
    function initialize(address owner_, address token_) external initializer {
        if (owner_ == address(0)) revert RewardEngineZeroAddress("owner");
        if (token_ == address(0)) revert RewardEngineZeroAddress("token");
        __Ownable_init(owner_);
        __Pausable_init();
        _token = IERC20(token_);
        _factory = msg.sender;
    }

    // ---- owner

    /**
     * @notice Defines behaviour `behaviourId`, or changes it. The budget is the behaviour's total over its
     * life: raising it sets aside more of the unallocated funds, lowering it (not below what was paid) frees
     * them. A budget equal to what was paid ends the behaviour.
     * Requirements: caller is the owner; `rewardPerOccurrence` not zero; `budget` ≥ paid so far; enough
     * unallocated funds for a raise. Emits {BehaviourDefined}.
     */
    function defineBehaviour(
        bytes32 behaviourId,
        uint96 rewardPerOccurrence,
        uint128 perUserCap,
        uint32 cooldown,
        uint128 budget
    ) external onlyOwner {
        if (rewardPerOccurrence == 0) revert RewardEngineZeroAmount();
        Behaviour storage b = _behaviours[behaviourId];
        uint128 paid = b.paid;
        if (budget < paid) revert RewardEngineBudgetBelowPaid(behaviourId, budget, paid);
        if (b.rewardPerOccurrence == 0) _behaviourIds.push(behaviourId);
        uint256 oldRemaining = b.budget - paid;
        uint256 newRemaining = budget - paid;
        if (newRemaining > oldRemaining) {
            uint256 need = newRemaining - oldRemaining;
            uint256 available = unallocated();
            if (need > available) revert RewardEngineInsufficientFunds(need, available);
            _allocated += need;
        } else {
            _allocated -= oldRemaining - newRemaining;
        }
        b.rewardPerOccurrence = rewardPerOccurrence;
        b.cooldown = cooldown;
        b.perUserCap = perUserCap;
        b.budget = budget;
        emit BehaviourDefined(behaviourId, rewardPerOccurrence, perUserCap, cooldown, budget);
    }

    /**
     * @notice Authorises `reporter` (a DApp backend key) to report occurrences, or withdraws that.
     * Requirements: caller is the owner; `reporter` not zero. Emits {ReporterSet}.
     */
    function setReporter(address reporter, bool authorised) external onlyOwner {
        if (reporter == address(0)) revert RewardEngineZeroAddress("reporter");
        _reporters[reporter] = authorised;
        emit ReporterSet(reporter, authorised);
    }

    /**
     * @notice Sends `amount` of the unallocated funds (held by no budget) to `to`.
     * Requirements: caller is the owner; `to` not zero; `amount` not zero and ≤ {unallocated}.
     * Emits {Withdrawn}.
     */
    function withdraw(address to, uint256 amount) external nonReentrant onlyOwner {
        if (to == address(0)) revert RewardEngineZeroAddress("to");
        if (amount == 0) revert RewardEngineZeroAmount();
        uint256 available = unallocated();
        if (amount > available) revert RewardEngineInsufficientFunds(amount, available);
        emit Withdrawn(to, amount);
        _token.safeTransfer(to, amount);
    }

    /**
     * @notice Stops reports (funding, definitions and withdrawals stay possible).
     * Requirements: caller is the owner; not paused. Emits {Paused}.
     */
    function pause() external onlyOwner {
        _pause();
    }

    /**
     * @notice Resumes reports.
     * Requirements: caller is the owner; paused. Emits {Unpaused}.
     */
    function unpause() external onlyOwner {
        _unpause();
    }

    /**
     * @notice Gives up ownership for good (no more behaviours, reporters or withdrawals).
     * Requirements: caller is the owner; not paused (it could never be unpaused). Emits {OwnershipTransferred}.
     */
    function renounceOwnership() public override onlyOwner whenNotPaused {
        super.renounceOwnership();
    }

    // ---- anyone

    /**
     * @notice Adds `amount` of the caller's tokens to the engine's funds (unallocated until a budget takes them).
     * Requirements: `amount` not zero; the caller approved this engine for `amount`. Emits {Funded}.
     */
    function fund(uint256 amount) external nonReentrant {
        if (amount == 0) revert RewardEngineZeroAmount();
        emit Funded(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ---- reporters

    /**
     * @notice Attests that `user` performed behaviour `behaviourId` (occurrence `occurrenceId`) and pays the
     * reward.
     * Requirements: not paused; caller is a reporter; `user` not zero; the behaviour is defined;
     * `occurrenceId` never reported before; the user's cooldown for the behaviour is over; the reward fits
     * the user's cap and the behaviour's remaining budget. Emits {RewardPaid}.
     * @return amount The reward paid.
     */
    function report(
        bytes32 behaviourId,
        address user,
        bytes32 occurrenceId
    ) external whenNotPaused nonReentrant onlyReporter returns (uint256 amount) {
        amount = _record(behaviourId, user, occurrenceId);
        _token.safeTransfer(user, amount);
    }

    /**
     * @notice {report} for several occurrences in one transaction, all or nothing: every report is checked
     * and booked first, then the rewards are paid.
     * Requirements: as {report}, for every report; at least one report. Emits {RewardPaid} per report.
     * @return total The rewards paid.
     */
    function reportBatch(
        Report[] calldata reports
    ) external whenNotPaused nonReentrant onlyReporter returns (uint256 total) {
        uint256 n = reports.length;
        if (n == 0) revert RewardEngineEmptyBatch();
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            Report calldata r = reports[i];
            amounts[i] = _record(r.behaviourId, r.user, r.occurrenceId);
            total += amounts[i];
        }
        for (uint256 i = 0; i < n; ++i) _token.safeTransfer(reports[i].user, amounts[i]);
    }

    // ---- views

    /// @notice The reward token.
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @notice The factory that created (and initialised) this engine.
    function factory() external view returns (address) {
        return _factory;
    }

    /// @notice Behaviour `behaviourId` (all zero when undefined).
    function behaviour(bytes32 behaviourId) external view returns (Behaviour memory) {
        return _behaviours[behaviourId];
    }

    /// @notice Ids of every behaviour ever defined, in order of definition.
    function behaviourIds() external view returns (bytes32[] memory) {
        return _behaviourIds;
    }

    /// @notice What `user` earned from `behaviourId` and when it was last rewarded for it.
    function userRecord(bytes32 behaviourId, address user) external view returns (UserRecord memory) {
        return _records[behaviourId][user];
    }

    /// @notice Whether occurrence `occurrenceId` was already rewarded.
    function isOccurrenceUsed(bytes32 occurrenceId) external view returns (bool) {
        return _occurrences[occurrenceId];
    }

    /// @notice Whether `account` may report.
    function isReporter(address account) external view returns (bool) {
        return _reporters[account];
    }

    /// @notice Tokens held for the behaviours' remaining budgets.
    function allocated() external view returns (uint256) {
        return _allocated;
    }

    /// @notice Tokens held that no budget holds: free for new budgets or withdrawal.
    function unallocated() public view returns (uint256) {
        uint256 balance = _token.balanceOf(address(this));
        return balance > _allocated ? balance - _allocated : 0;
    }

    // ---- internals

    /// @dev Checks and books one report; returns the reward to pay. Effects only (no token call).
    function _record(bytes32 behaviourId, address user, bytes32 occurrenceId) private returns (uint256 reward) {
        if (user == address(0)) revert RewardEngineZeroAddress("user");
        if (_occurrences[occurrenceId]) revert RewardEngineDuplicateOccurrence(occurrenceId);
        Behaviour storage b = _behaviours[behaviourId];
        reward = b.rewardPerOccurrence;
        if (reward == 0) revert RewardEngineUnknownBehaviour(behaviourId);

        UserRecord storage u = _records[behaviourId][user];
        uint64 now_ = _now();
        uint64 last = u.lastRewardAt;
        uint32 cooldown = b.cooldown;
        if (last != 0 && cooldown != 0 && now_ < uint256(last) + cooldown) {
            revert RewardEngineCooldownActive(behaviourId, user, uint256(last) + cooldown);
        }
        uint256 earned = u.earned + reward;
        uint128 cap = b.perUserCap;
        if (cap != 0 && earned > cap) revert RewardEngineUserCapExceeded(behaviourId, user, u.earned, cap);
        uint256 remaining = b.budget - b.paid;
        if (reward > remaining) revert RewardEngineBudgetExhausted(behaviourId, remaining, reward);

        _occurrences[occurrenceId] = true;
        // Casts are exact: earned ≤ cap (uint128) when capped; otherwise ≤ paid ≤ budget (uint128), and paid + reward
        // ≤ budget by the check above.
        u.earned = uint128(earned);
        u.lastRewardAt = now_;
        b.paid += uint128(reward);
        // Cannot underflow: reward ≤ budget - paid, which is part of _allocated.
        unchecked {
            _allocated -= reward;
        }
        emit RewardPaid(behaviourId, user, reward, occurrenceId, msg.sender);
    }

    /// @dev The current time, for cooldowns (a producer's seconds of drift do not matter at that scale).
    function _now() private view returns (uint64) {
        // solhint-disable-next-line not-rely-on-time
        return uint64(block.timestamp);
    }
}
