// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";

/**
 * @title ValidatorSet
 * @notice The main chain's validator set: approval by governance, stake in an ERC-20 staking token,
 * unbonding, jail, and a deterministic round-robin proposer order.
 *
 * Every change to membership takes effect at the next epoch boundary, so the node can cache the set for
 * a whole epoch. Each distinct list is kept as a numbered version with a checkpoint of the block from
 * which it is in force, so `validatorsAt`/`proposerFor` answer for past blocks as well as the current one,
 * and governance can count the set "at proposal time".
 *
 * A list is sorted by address; the proposer of block `h` is `list[h % list.length]`.
 */
contract ValidatorSet is SystemContract, ReentrancyGuardUpgradeable, IValidatorSet {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Role of the slashing contract: may slash, jail and forfeit rewards.
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice Hard ceiling on the `maxValidators` parameter (keeps every loop over the set bounded).
    uint256 public constant MAX_VALIDATORS_LIMIT = 100;
    /// @notice Basis-point denominator for slash fractions.
    uint256 public constant BPS = 10_000;

    struct Validator {
        uint256 stake; // bonded stake
        uint256 unbonding; // waiting for `unbondingReleaseBlock`, still slashable
        uint256 rewards; // claimable (share of other validators' slashes)
        uint64 unbondingReleaseBlock;
        uint64 jailedUntil; // block from which `unjail` is allowed
        bool approved; // approved by governance
        bool jailed;
        bool listed; // member of the latest (pending or in-force) list
    }

    /// @notice Parameters governance can change.
    struct Params {
        uint256 maxValidators;
        uint256 minStake; // 0 on a chain without stake (a product chain): approval alone lists a candidate
        uint256 epochLength; // blocks
        uint256 unbondingPeriod; // blocks, >= epochLength so a leaving validator stays slashable
        uint256 jailPeriod; // blocks
    }

    /// @custom:storage-location erc7201:luniverse.storage.ValidatorSet
    struct ValidatorSetStorage {
        IERC20 stakingToken;
        Params params;
        // epoch arithmetic: epoch(b) = anchorEpoch + (b - anchorBlock) / epochLength for b >= anchorBlock;
        // a pending epoch-length change keeps the previous anchor for the blocks before the new one.
        uint256 anchorBlock;
        uint256 anchorEpoch;
        uint256 prevAnchorBlock;
        uint256 prevAnchorEpoch;
        uint256 prevEpochLength;
        SlashDestination slashDestination;
        address treasury;
        mapping(address => Validator) validators;
        mapping(uint256 version => address[]) lists;
        uint256 latestVersion;
        Checkpoints.Trace208 versions; // block from which in force => version
        mapping(address => Checkpoints.Trace208) membership; // block from which in force => 1 | 0
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.ValidatorSet")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x2285e4001f0f9d30563d8afaec1d88cee43a9ce071f649dd53d13c77e28da900;

    // ---------------------------------------------------------------- events

    event CandidateApproved(address indexed validator);
    event CandidateApprovalRevoked(address indexed validator);
    event Staked(address indexed validator, address indexed from, uint256 amount, uint256 totalStake);
    event UnstakeRequested(address indexed validator, uint256 amount, uint256 releaseBlock);
    event Withdrawn(address indexed validator, uint256 amount);
    /// @notice `validator` is in the set from `effectiveBlock` (an epoch boundary).
    event ValidatorAdded(address indexed validator, uint256 effectiveBlock);
    /// @notice `validator` leaves the set at `effectiveBlock` (an epoch boundary).
    event ValidatorRemoved(address indexed validator, uint256 effectiveBlock);
    event Jailed(address indexed validator, uint256 untilBlock, bytes32 reason);
    event Released(address indexed validator, address indexed by);
    event Slashed(address indexed validator, uint256 amount, bytes32 reason, SlashDestination destination);
    event RewardsCredited(address indexed validator, uint256 amount);
    event RewardsForfeited(address indexed validator, uint256 amount);
    event RewardsClaimed(address indexed validator, uint256 amount);
    event ParamsChanged(Params params, uint256 effectiveEpochLengthBlock);
    event SlashDestinationChanged(SlashDestination destination, address treasury);

    // ---------------------------------------------------------------- errors

    error ValidatorSetZeroAmount();
    error ValidatorSetNotApproved(address validator);
    error ValidatorSetAlreadyApproved(address validator);
    error ValidatorSetAlreadyValidator(address validator);
    error ValidatorSetNotValidator(address validator);
    error ValidatorSetFull(uint256 maxValidators);
    error ValidatorSetInsufficientStake(uint256 stake, uint256 required);
    error ValidatorSetJailed(address validator, uint256 untilBlock);
    error ValidatorSetNotJailed(address validator);
    error ValidatorSetStillJailed(address validator, uint256 untilBlock);
    error ValidatorSetNothingToWithdraw(address validator);
    error ValidatorSetUnbonding(uint256 releaseBlock);
    error ValidatorSetNoRewards(address validator);
    error ValidatorSetInvalidParameter(string name, uint256 value);
    error ValidatorSetEmpty(uint256 blockNumber);
    error ValidatorSetUnknownEpoch(uint256 epoch);
    error ValidatorSetUnknownBlock(uint256 blockNumber);
    error ValidatorSetLastValidator(address validator);
    error ValidatorSetDuplicateGenesisValidator(address validator);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises the set with its staking token, parameters and genesis validators.
     * @dev Genesis validators are approved and in force from the current block; they stake with
     * {stake}/{stakeFor} afterwards (the deployment funds them). `admin` is the governance timelock
     * (or the deployer, who hands over to the timelock at the end of the deployment).
     */
    function initialize(
        address admin,
        IERC20 stakingToken_,
        Params calldata params_,
        address[] calldata genesisValidators,
        address treasury_
    ) external initializer {
        __SystemContract_init(admin);
        __ReentrancyGuard_init();
        if (address(stakingToken_) == address(0)) revert SystemContractZeroAddress("stakingToken");
        if (treasury_ == address(0)) revert SystemContractZeroAddress("treasury");
        ValidatorSetStorage storage $ = _storage();
        $.stakingToken = stakingToken_;
        _checkParams(params_);
        $.params = params_;
        $.anchorBlock = block.number;
        $.prevAnchorBlock = block.number;
        $.prevEpochLength = params_.epochLength;
        $.treasury = treasury_;
        $.slashDestination = SlashDestination.Treasury;

        if (genesisValidators.length == 0 || genesisValidators.length > params_.maxValidators) {
            revert ValidatorSetInvalidParameter("genesisValidators", genesisValidators.length);
        }
        address[] memory sorted = _sorted(genesisValidators);
        uint48 from = SafeCast.toUint48(block.number);
        for (uint256 i = 0; i < sorted.length; ++i) {
            address v = sorted[i];
            if (v == address(0)) revert SystemContractZeroAddress("genesisValidator");
            if (i > 0 && sorted[i - 1] == v) revert ValidatorSetDuplicateGenesisValidator(v);
            Validator storage val = $.validators[v];
            val.approved = true;
            val.listed = true;
            $.membership[v].push(from, 1);
            emit CandidateApproved(v);
            emit ValidatorAdded(v, block.number);
        }
        $.latestVersion = 1;
        $.lists[1] = sorted;
        $.versions.push(from, 1);
    }

    // ---------------------------------------------------------------- staking

    /**
     * @notice Bonds `amount` of the staking token to the caller's validator stake.
     * Requirements: not paused; `amount > 0`; allowance to this contract. Emits {Staked}, and
     * {ValidatorAdded} when the stake completes an approved candidate's entry and the set has room.
     */
    function stake(uint256 amount) external {
        stakeFor(msg.sender, amount);
    }

    /**
     * @notice Bonds `amount` of the caller's staking tokens to `validator`'s stake (only `validator`
     * can ever unstake it).
     * Requirements: not paused; `amount > 0`; `validator` not zero. Emits {Staked} (and possibly {ValidatorAdded}).
     */
    function stakeFor(address validator, uint256 amount) public whenNotPaused nonReentrant {
        if (amount == 0) revert ValidatorSetZeroAmount();
        if (validator == address(0)) revert SystemContractZeroAddress("validator");
        ValidatorSetStorage storage $ = _storage();
        // Credit what actually arrived (robust to a fee-on-transfer staking token).
        uint256 before = $.stakingToken.balanceOf(address(this));
        $.stakingToken.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = $.stakingToken.balanceOf(address(this)) - before;
        Validator storage val = $.validators[validator];
        val.stake += received;
        emit Staked(validator, msg.sender, received, val.stake);
        _tryList(validator);
    }

    /**
     * @notice Starts unbonding `amount` of the caller's stake; it can be withdrawn after the unbonding
     * period and stays slashable until then. If the bonded stake falls below the minimum, the caller
     * leaves the set at the next epoch.
     * Requirements: not paused; `amount > 0` and at most the bonded stake; caller not jailed; when it would
     * leave the set, it is not the last validator.
     * Emits {UnstakeRequested} (and {ValidatorRemoved} when it leaves the set).
     */
    function requestUnstake(uint256 amount) external whenNotPaused {
        ValidatorSetStorage storage $ = _storage();
        Validator storage val = $.validators[msg.sender];
        if (amount == 0) revert ValidatorSetZeroAmount();
        if (val.jailed) revert ValidatorSetJailed(msg.sender, val.jailedUntil);
        if (amount > val.stake) revert ValidatorSetInsufficientStake(val.stake, amount);
        val.stake -= amount;
        val.unbonding += amount;
        uint256 release = block.number + $.params.unbondingPeriod;
        val.unbondingReleaseBlock = SafeCast.toUint64(release);
        emit UnstakeRequested(msg.sender, amount, release);
        if (val.listed && val.stake < $.params.minStake) {
            _requireNotLast(msg.sender);
            _unlist(msg.sender);
        }
    }

    /**
     * @notice Withdraws the caller's unbonded stake once the unbonding period is over.
     * Requirements: not paused; caller not jailed; something unbonding; release block reached.
     * Emits {Withdrawn}.
     */
    function withdraw() external whenNotPaused nonReentrant {
        ValidatorSetStorage storage $ = _storage();
        Validator storage val = $.validators[msg.sender];
        if (val.jailed) revert ValidatorSetJailed(msg.sender, val.jailedUntil);
        uint256 amount = val.unbonding;
        if (amount == 0) revert ValidatorSetNothingToWithdraw(msg.sender);
        if (block.number < val.unbondingReleaseBlock) revert ValidatorSetUnbonding(val.unbondingReleaseBlock);
        val.unbonding = 0;
        val.unbondingReleaseBlock = 0;
        emit Withdrawn(msg.sender, amount);
        $.stakingToken.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Claims the caller's rewards (its share of other validators' slashed stake).
     * Requirements: not paused; rewards > 0. Emits {RewardsClaimed}.
     */
    function claimRewards() external whenNotPaused nonReentrant {
        Validator storage val = _storage().validators[msg.sender];
        uint256 amount = val.rewards;
        if (amount == 0) revert ValidatorSetNoRewards(msg.sender);
        val.rewards = 0;
        emit RewardsClaimed(msg.sender, amount);
        _storage().stakingToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- joining and leaving

    /**
     * @notice Enters the caller into the set from the next epoch (after a wait for room, or after release
     * from jail; approval and staking enter it automatically when there is room).
     * Requirements: not paused; approved; not jailed; stake >= minimum; not already in the set; room in the set.
     * Emits {ValidatorAdded}.
     */
    function join() external whenNotPaused {
        ValidatorSetStorage storage $ = _storage();
        Validator storage val = $.validators[msg.sender];
        if (!val.approved) revert ValidatorSetNotApproved(msg.sender);
        if (val.jailed) revert ValidatorSetJailed(msg.sender, val.jailedUntil);
        if (val.stake < $.params.minStake) revert ValidatorSetInsufficientStake(val.stake, $.params.minStake);
        if (val.listed) revert ValidatorSetAlreadyValidator(msg.sender);
        if ($.lists[$.latestVersion].length >= $.params.maxValidators) revert ValidatorSetFull($.params.maxValidators);
        _list(msg.sender);
    }

    /**
     * @notice Leaves the set at the next epoch, keeping the stake bonded (unstake separately).
     * Requirements: caller in the set and not its last validator. Emits {ValidatorRemoved}.
     */
    function leave() external {
        if (!_storage().validators[msg.sender].listed) revert ValidatorSetNotValidator(msg.sender);
        _requireNotLast(msg.sender);
        _unlist(msg.sender);
    }

    /**
     * @notice Releases the caller from jail once its jail period is over; it re-enters the set when
     * eligible and there is room.
     * Requirements: caller jailed; jail period over. Emits {Released} (and possibly {ValidatorAdded}).
     */
    function unjail() external whenNotPaused {
        Validator storage val = _storage().validators[msg.sender];
        if (!val.jailed) revert ValidatorSetNotJailed(msg.sender);
        if (block.number < val.jailedUntil) revert ValidatorSetStillJailed(msg.sender, val.jailedUntil);
        _release(msg.sender);
    }

    // ---------------------------------------------------------------- governance

    /**
     * @notice Approves `candidate`; it enters the set at the next epoch once its stake reaches the minimum.
     * Requirements: `GOVERNANCE_ROLE`; not already approved. Emits {CandidateApproved} (and possibly {ValidatorAdded}).
     */
    function approveCandidate(address candidate) public onlyRole(GOVERNANCE_ROLE) {
        if (candidate == address(0)) revert SystemContractZeroAddress("candidate");
        Validator storage val = _storage().validators[candidate];
        if (val.approved) revert ValidatorSetAlreadyApproved(candidate);
        val.approved = true;
        emit CandidateApproved(candidate);
        _tryList(candidate);
    }

    /**
     * @notice Revokes `validator`'s approval and removes it from the set at the next epoch. Its stake
     * stays its own (it can unstake).
     * Requirements: `GOVERNANCE_ROLE`; `validator` approved; not the last validator of the set.
     * Emits {CandidateApprovalRevoked} (and {ValidatorRemoved}).
     */
    function removeValidator(address validator) public onlyRole(GOVERNANCE_ROLE) {
        Validator storage val = _storage().validators[validator];
        if (!val.approved) revert ValidatorSetNotApproved(validator);
        val.approved = false;
        emit CandidateApprovalRevoked(validator);
        if (val.listed) {
            _requireNotLast(validator);
            _unlist(validator);
        }
    }

    /**
     * @notice Replaces `oldValidator` by `newValidator` at the next epoch (remove + approve in one action).
     * Requirements: as {removeValidator} and {approveCandidate}.
     */
    function swapValidator(address oldValidator, address newValidator) external onlyRole(GOVERNANCE_ROLE) {
        removeValidator(oldValidator);
        approveCandidate(newValidator);
    }

    /**
     * @notice Releases a jailed validator before its jail period ends.
     * Requirements: `GOVERNANCE_ROLE`; `validator` jailed. Emits {Released}.
     */
    function releaseValidator(address validator) external onlyRole(GOVERNANCE_ROLE) {
        if (!_storage().validators[validator].jailed) revert ValidatorSetNotJailed(validator);
        _release(validator);
    }

    /**
     * @notice Sets every governance parameter at once. A new epoch length applies from the next epoch boundary.
     * Requirements: `GOVERNANCE_ROLE`; 1 <= maxValidators <= MAX_VALIDATORS_LIMIT; epochLength >= 1;
     * unbondingPeriod >= epochLength. `minStake` may be 0: a chain whose validators are chosen, not staked (a product
     * chain, whose validators are its node owners), lists every approved candidate at once. Emits {ParamsChanged}.
     */
    function setParams(Params calldata params_) external onlyRole(GOVERNANCE_ROLE) {
        _checkParams(params_);
        ValidatorSetStorage storage $ = _storage();
        uint256 effective = $.anchorBlock;
        if (params_.epochLength != $.params.epochLength) {
            if ($.anchorBlock <= block.number) {
                // No change pending: the current anchor becomes the previous one.
                uint256 current = epochOf(block.number);
                $.prevAnchorBlock = $.anchorBlock;
                $.prevAnchorEpoch = $.anchorEpoch;
                $.prevEpochLength = $.params.epochLength;
                $.anchorBlock = epochStartBlock(current + 1);
                $.anchorEpoch = current + 1;
            }
            effective = $.anchorBlock;
        }
        $.params = params_;
        emit ParamsChanged(params_, effective);
    }

    /**
     * @notice Chooses where slashed stake goes: the treasury, or shared among the other validators.
     * Requirements: `GOVERNANCE_ROLE`; `treasury_` not zero. Emits {SlashDestinationChanged}.
     */
    function setSlashDestination(SlashDestination destination, address treasury_) external onlyRole(GOVERNANCE_ROLE) {
        if (treasury_ == address(0)) revert SystemContractZeroAddress("treasury");
        ValidatorSetStorage storage $ = _storage();
        $.slashDestination = destination;
        $.treasury = treasury_;
        emit SlashDestinationChanged(destination, treasury_);
    }

    // ---------------------------------------------------------------- slashing hooks

    /// @inheritdoc IValidatorSet
    /// @dev Requirements: `SLASHER_ROLE`; `fractionBps <= BPS`. Takes from bonded stake first, then
    /// from unbonding. Emits {Slashed} and, when shared, {RewardsCredited} per receiving validator (validators
    /// in force, neither the offender nor jailed).
    function slash(
        address validator,
        uint256 fractionBps,
        bytes32 reason
    ) external onlyRole(SLASHER_ROLE) nonReentrant returns (uint256 amount) {
        if (fractionBps > BPS) revert ValidatorSetInvalidParameter("fractionBps", fractionBps);
        ValidatorSetStorage storage $ = _storage();
        Validator storage val = $.validators[validator];
        amount = ((val.stake + val.unbonding) * fractionBps) / BPS;
        if (amount == 0) return 0;
        uint256 fromStake = amount < val.stake ? amount : val.stake;
        val.stake -= fromStake;
        val.unbonding -= amount - fromStake;
        emit Slashed(validator, amount, reason, $.slashDestination);
        if (val.listed && val.stake < $.params.minStake) _unlist(validator);
        _distribute(validator, amount);
    }

    /// @inheritdoc IValidatorSet
    /// @dev Requirements: `SLASHER_ROLE`. Extends an existing jail term. Emits {Jailed} (and {ValidatorRemoved}).
    function jail(address validator, bytes32 reason) external onlyRole(SLASHER_ROLE) {
        ValidatorSetStorage storage $ = _storage();
        Validator storage val = $.validators[validator];
        val.jailed = true;
        uint256 until = block.number + $.params.jailPeriod;
        val.jailedUntil = SafeCast.toUint64(until);
        emit Jailed(validator, until, reason);
        if (val.listed) _unlist(validator);
    }

    /// @inheritdoc IValidatorSet
    /// @dev Requirements: `SLASHER_ROLE`. Forfeited rewards follow the slash destination. Emits {RewardsForfeited}.
    function forfeitRewards(address validator) external onlyRole(SLASHER_ROLE) nonReentrant returns (uint256 amount) {
        Validator storage val = _storage().validators[validator];
        amount = val.rewards;
        if (amount == 0) return 0;
        val.rewards = 0;
        emit RewardsForfeited(validator, amount);
        _distribute(validator, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IValidatorSet
    function validatorsAt(uint256 blockNumber) public view returns (address[] memory) {
        ValidatorSetStorage storage $ = _storage();
        return $.lists[$.versions.upperLookupRecent(SafeCast.toUint48(blockNumber))];
    }

    /// @inheritdoc IValidatorSet
    function validatorCountAt(uint256 blockNumber) public view returns (uint256) {
        ValidatorSetStorage storage $ = _storage();
        return $.lists[$.versions.upperLookupRecent(SafeCast.toUint48(blockNumber))].length;
    }

    /// @inheritdoc IValidatorSet
    function isValidatorAt(address account, uint256 blockNumber) public view returns (bool) {
        return _storage().membership[account].upperLookupRecent(SafeCast.toUint48(blockNumber)) == 1;
    }

    /// @inheritdoc IValidatorSet
    function isActiveValidator(address account) external view returns (bool) {
        return isValidatorAt(account, block.number);
    }

    /// @notice The validators in force at the current block, in proposer order.
    function getValidators() external view returns (address[] memory) {
        return validatorsAt(block.number);
    }

    /// @notice The list that will be in force from the next epoch boundary (equal to the current one when nothing changed).
    function pendingValidators() external view returns (address[] memory) {
        ValidatorSetStorage storage $ = _storage();
        return $.lists[$.latestVersion];
    }

    /// @notice The ordered validator list of `epoch` (known for the current, past and next epochs).
    function validatorsForEpoch(uint256 epoch) external view returns (address[] memory) {
        return validatorsAt(epochStartBlock(epoch));
    }

    /// @inheritdoc IValidatorSet
    function proposerFor(uint256 blockNumber) external view returns (address) {
        address[] memory list = validatorsAt(blockNumber);
        if (list.length == 0) revert ValidatorSetEmpty(blockNumber);
        return list[blockNumber % list.length];
    }

    /// @inheritdoc IValidatorSet
    function epochOf(uint256 blockNumber) public view returns (uint256) {
        ValidatorSetStorage storage $ = _storage();
        if (blockNumber >= $.anchorBlock) {
            return $.anchorEpoch + (blockNumber - $.anchorBlock) / $.params.epochLength;
        }
        if (blockNumber < $.prevAnchorBlock) revert ValidatorSetUnknownBlock(blockNumber);
        return $.prevAnchorEpoch + (blockNumber - $.prevAnchorBlock) / $.prevEpochLength;
    }

    /// @notice First block of `epoch`.
    function epochStartBlock(uint256 epoch) public view returns (uint256) {
        ValidatorSetStorage storage $ = _storage();
        if (epoch >= $.anchorEpoch) return $.anchorBlock + (epoch - $.anchorEpoch) * $.params.epochLength;
        if (epoch < $.prevAnchorEpoch) revert ValidatorSetUnknownEpoch(epoch);
        return $.prevAnchorBlock + (epoch - $.prevAnchorEpoch) * $.prevEpochLength;
    }

    /// @notice The block at which a change made now takes effect (the next epoch boundary).
    function nextEpochStartBlock() public view returns (uint256) {
        return epochStartBlock(epochOf(block.number) + 1);
    }

    /// @inheritdoc IValidatorSet
    function slashableStake(address validator) external view returns (uint256) {
        Validator storage val = _storage().validators[validator];
        return val.stake + val.unbonding;
    }

    /// @notice Everything recorded about `validator`.
    function getValidator(address validator) external view returns (Validator memory) {
        return _storage().validators[validator];
    }

    /// @notice The current parameters.
    function params() external view returns (Params memory) {
        return _storage().params;
    }

    /// @notice The ERC-20 token validators stake.
    function stakingToken() external view returns (IERC20) {
        return _storage().stakingToken;
    }

    /// @notice Where slashed stake goes, and the treasury address.
    function slashDestination() external view returns (SlashDestination destination, address treasury) {
        ValidatorSetStorage storage $ = _storage();
        return ($.slashDestination, $.treasury);
    }

    // ---------------------------------------------------------------- internals

    function _storage() private pure returns (ValidatorSetStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    function _checkParams(Params calldata p) private pure {
        if (p.maxValidators == 0 || p.maxValidators > MAX_VALIDATORS_LIMIT) {
            revert ValidatorSetInvalidParameter("maxValidators", p.maxValidators);
        }
        if (p.epochLength == 0 || p.epochLength > type(uint32).max) {
            revert ValidatorSetInvalidParameter("epochLength", p.epochLength);
        }
        if (p.unbondingPeriod < p.epochLength || p.unbondingPeriod > type(uint32).max) {
            revert ValidatorSetInvalidParameter("unbondingPeriod", p.unbondingPeriod);
        }
        if (p.jailPeriod > type(uint32).max) revert ValidatorSetInvalidParameter("jailPeriod", p.jailPeriod);
    }

    /// @dev Lists `v` if it is eligible and there is room; otherwise does nothing (it can {join} later).
    function _tryList(address v) private {
        ValidatorSetStorage storage $ = _storage();
        Validator storage val = $.validators[v];
        if (
            val.approved &&
            !val.jailed &&
            !val.listed &&
            val.stake >= $.params.minStake &&
            $.lists[$.latestVersion].length < $.params.maxValidators
        ) _list(v);
    }

    function _list(address v) private {
        address[] storage list = _writableList();
        // keep the list sorted by address: find the slot, shift the tail right
        list.push(v);
        uint256 i = list.length - 1;
        while (i > 0 && list[i - 1] > v) {
            list[i] = list[i - 1];
            --i;
        }
        list[i] = v;
        _storage().validators[v].listed = true;
        uint256 effective = nextEpochStartBlock();
        _storage().membership[v].push(SafeCast.toUint48(effective), 1);
        emit ValidatorAdded(v, effective);
    }

    function _unlist(address v) private {
        address[] storage list = _writableList();
        uint256 n = list.length;
        uint256 i = 0;
        while (list[i] != v) ++i; // v is listed, so it is found
        for (; i + 1 < n; ++i) list[i] = list[i + 1];
        list.pop();
        _storage().validators[v].listed = false;
        uint256 effective = nextEpochStartBlock();
        _storage().membership[v].push(SafeCast.toUint48(effective), 0);
        emit ValidatorRemoved(v, effective);
    }

    /// @dev A voluntary or governance removal may not leave the chain without a proposer. (Jail and slashing
    /// may: punishment is not held back to keep an offender in the set.)
    function _requireNotLast(address v) private view {
        ValidatorSetStorage storage $ = _storage();
        if ($.lists[$.latestVersion].length == 1) revert ValidatorSetLastValidator(v);
    }

    /// @dev The list version taking effect at the next boundary: reused if already pending, else a copy.
    function _writableList() private returns (address[] storage) {
        ValidatorSetStorage storage $ = _storage();
        uint48 effective = SafeCast.toUint48(nextEpochStartBlock());
        (, uint48 lastKey, ) = $.versions.latestCheckpoint();
        if (lastKey == effective) return $.lists[$.latestVersion];
        uint256 version = $.latestVersion + 1;
        address[] storage from = $.lists[$.latestVersion];
        address[] storage to = $.lists[version];
        for (uint256 i = 0; i < from.length; ++i) to.push(from[i]);
        $.latestVersion = version;
        $.versions.push(effective, SafeCast.toUint208(version));
        return to;
    }

    function _release(address v) private {
        Validator storage val = _storage().validators[v];
        val.jailed = false;
        val.jailedUntil = 0;
        emit Released(v, msg.sender);
        _tryList(v);
    }

    /// @dev Sends `amount` of slashed/forfeited tokens to the treasury, or credits it to the validators in
    /// force other than `offender` and other than any jailed one (the rounding remainder goes to the treasury).
    function _distribute(address offender, uint256 amount) private {
        ValidatorSetStorage storage $ = _storage();
        uint256 remainder = amount;
        if ($.slashDestination == SlashDestination.Validators) {
            address[] memory list = validatorsAt(block.number);
            uint256 honest = 0;
            for (uint256 i = 0; i < list.length; ++i) if (_earnsShare(list[i], offender)) ++honest;
            uint256 share = honest == 0 ? 0 : amount / honest;
            for (uint256 i = 0; i < list.length && share > 0; ++i) {
                if (!_earnsShare(list[i], offender)) continue;
                $.validators[list[i]].rewards += share;
                remainder -= share;
                emit RewardsCredited(list[i], share);
            }
        }
        if (remainder > 0) $.stakingToken.safeTransfer($.treasury, remainder);
    }

    function _earnsShare(address v, address offender) private view returns (bool) {
        return v != offender && !_storage().validators[v].jailed;
    }

    function _sorted(address[] calldata input) private pure returns (address[] memory out) {
        out = input;
        for (uint256 i = 1; i < out.length; ++i) {
            address key = out[i];
            uint256 j = i;
            while (j > 0 && out[j - 1] > key) {
                out[j] = out[j - 1];
                --j;
            }
            out[j] = key;
        }
    }
}
