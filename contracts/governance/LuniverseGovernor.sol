// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GovernorUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/GovernorUpgradeable.sol";
import {GovernorSettingsUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorSettingsUpgradeable.sol";
import {GovernorTimelockControlUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorTimelockControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {TimelockControllerUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";

/**
 * @title LuniverseGovernor
 * @notice Validator governance on OpenZeppelin Governor: proposals by validators in force, one validator
 * one vote, and a proposal passes only when more than 2/3 of the validators in force at its snapshot
 * (the proposal block) voted for it. Passed proposals are queued in {LuniverseTimelock}, which holds
 * `GOVERNANCE_ROLE` on every system contract.
 *
 * Votes come from {IValidatorSet-isValidatorAt}, so membership at the snapshot counts, not later changes.
 */
contract LuniverseGovernor is
    GovernorUpgradeable,
    GovernorSettingsUpgradeable,
    GovernorTimelockControlUpgradeable,
    UUPSUpgradeable
{
    struct ProposalVote {
        uint256 againstVotes;
        uint256 forVotes;
        uint256 abstainVotes;
        mapping(address voter => bool) hasVoted;
    }

    /// @custom:storage-location erc7201:luniverse.storage.LuniverseGovernor
    struct LuniverseGovernorStorage {
        IValidatorSet validatorSet;
        mapping(uint256 proposalId => ProposalVote) votes;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.LuniverseGovernor")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x504ec3df97579d1e32cc4dfccd7ce7e633f8e7d21f4924992f80fe0d3f34f300;

    /// @dev `support` is not 0 (against), 1 (for) or 2 (abstain).
    error LuniverseGovernorInvalidVoteType(uint8 support);
    /// @dev A zero address was given for a required dependency.
    error LuniverseGovernorZeroAddress(string what);
    /// @dev `account` was not a validator at the proposal's snapshot block, so it has no vote.
    error LuniverseGovernorNotValidator(address account, uint256 snapshot);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises the governor.
     * @param validatorSet_ where votes come from
     * @param timelock_ the executor (must grant this governor PROPOSER_ROLE)
     * @param votingDelay_ blocks between proposal and start of voting (0: voting opens next block)
     * @param votingPeriod_ blocks voting stays open
     */
    function initialize(
        IValidatorSet validatorSet_,
        TimelockControllerUpgradeable timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_
    ) external initializer {
        if (address(validatorSet_) == address(0)) revert LuniverseGovernorZeroAddress("validatorSet");
        if (address(timelock_) == address(0)) revert LuniverseGovernorZeroAddress("timelock");
        __Governor_init("LuniverseGovernor");
        // proposal threshold 1: the proposer must be a validator (it has exactly one vote)
        __GovernorSettings_init(votingDelay_, votingPeriod_, 1);
        __GovernorTimelockControl_init(timelock_);
        _storage().validatorSet = validatorSet_;
    }

    /// @notice The validator set votes come from.
    function validatorSet() external view returns (IValidatorSet) {
        return _storage().validatorSet;
    }

    // ---------------------------------------------------------------- clock and votes

    /// @inheritdoc GovernorUpgradeable
    function clock() public view override returns (uint48) {
        return uint48(block.number);
    }

    /// @inheritdoc GovernorUpgradeable
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    /// @notice Votes needed: the smallest number above 2/3 of the validators in force at `timepoint`.
    function quorum(uint256 timepoint) public view override returns (uint256) {
        return (_storage().validatorSet.validatorCountAt(timepoint) * 2) / 3 + 1;
    }

    /// @dev One validator, one vote.
    function _getVotes(address account, uint256 timepoint, bytes memory) internal view override returns (uint256) {
        return _storage().validatorSet.isValidatorAt(account, timepoint) ? 1 : 0;
    }

    // ---------------------------------------------------------------- counting (for > 2/3)

    /// @inheritdoc IGovernor
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure override returns (string memory) {
        return "support=bravo&quorum=for";
    }

    /// @inheritdoc IGovernor
    function hasVoted(uint256 proposalId, address account) public view override returns (bool) {
        return _storage().votes[proposalId].hasVoted[account];
    }

    /// @notice Against, for and abstain votes of `proposalId`.
    function proposalVotes(
        uint256 proposalId
    ) external view returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        ProposalVote storage v = _storage().votes[proposalId];
        return (v.againstVotes, v.forVotes, v.abstainVotes);
    }

    function _quorumReached(uint256 proposalId) internal view override returns (bool) {
        return _storage().votes[proposalId].forVotes >= quorum(proposalSnapshot(proposalId));
    }

    /// @dev Passing needs more than 2/3 of the set in favour, which is exactly the quorum of for-votes.
    function _voteSucceeded(uint256 proposalId) internal view override returns (bool) {
        return _quorumReached(proposalId);
    }

    function _countVote(
        uint256 proposalId,
        address account,
        uint8 support,
        uint256 totalWeight,
        bytes memory
    ) internal override returns (uint256) {
        ProposalVote storage v = _storage().votes[proposalId];
        if (v.hasVoted[account]) revert GovernorAlreadyCastVote(account);
        // _castVote already rejected accounts with no vote (weight 0), so totalWeight is 1 here.
        v.hasVoted[account] = true;
        if (support == 0) v.againstVotes += totalWeight;
        else if (support == 1) v.forVotes += totalWeight;
        else if (support == 2) v.abstainVotes += totalWeight;
        else revert LuniverseGovernorInvalidVoteType(support);
        return totalWeight;
    }

    /// @dev A validator with no vote at the snapshot cannot vote (OpenZeppelin would count a zero-weight vote).
    function _castVote(
        uint256 proposalId,
        address account,
        uint8 support,
        string memory reason,
        bytes memory params
    ) internal override returns (uint256) {
        // State first (unknown or closed proposals get OpenZeppelin's errors), then the voter.
        _validateStateBitmap(proposalId, _encodeStateBitmap(ProposalState.Active));
        uint256 snapshot = proposalSnapshot(proposalId);
        if (_getVotes(account, snapshot, params) == 0) revert LuniverseGovernorNotValidator(account, snapshot);
        return super._castVote(proposalId, account, support, reason, params);
    }

    // ---------------------------------------------------------------- plumbing

    function _storage() private pure returns (LuniverseGovernorStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @dev Upgrades go through governance itself (executed by the timelock).
    // The modifier is the whole check.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyGovernance {}

    function votingDelay() public view override(GovernorUpgradeable, GovernorSettingsUpgradeable) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(GovernorUpgradeable, GovernorSettingsUpgradeable) returns (uint256) {
        return super.votingPeriod();
    }

    function proposalThreshold()
        public
        view
        override(GovernorUpgradeable, GovernorSettingsUpgradeable)
        returns (uint256)
    {
        return super.proposalThreshold();
    }

    function state(
        uint256 proposalId
    ) public view override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (address) {
        return super._executor();
    }
}
