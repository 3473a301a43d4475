// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {TimelockControllerUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";

/// @notice What the council can call on a system contract: pausing, nothing else.
interface IPausableSystemContract {
    function pause() external;
}

/**
 * @title EmergencyCouncil
 * @notice A 5-member council acting on 3 of 5 approvals, with emergency powers only:
 * - **pause** a system contract (it holds `PAUSER_ROLE` there; only governance unpauses), and
 * - **veto** a proposal queued in the timelock (it holds the timelock's `CANCELLER_ROLE`).
 * It holds no funds and has no call that could move any. Members are replaced by governance (the timelock).
 *
 * Any member submits an action (its own approval counted); it executes on the third approval. Approvals
 * are bound to the member list they were given under: replacing the members voids pending actions.
 */
contract EmergencyCouncil is Initializable, UUPSUpgradeable {
    uint256 public constant MEMBERS = 5;
    uint256 public constant THRESHOLD = 3;

    enum ActionKind {
        Pause,
        Veto
    }

    struct Action {
        ActionKind kind;
        bytes32 subject; // Pause: the target address; Veto: the timelock operation id
        uint64 membersVersion;
        uint8 approvals;
        bool executed;
    }

    /// @custom:storage-location erc7201:luniverse.storage.EmergencyCouncil
    struct EmergencyCouncilStorage {
        TimelockControllerUpgradeable timelock;
        address[] members;
        uint64 membersVersion;
        uint256 nextActionId;
        mapping(uint256 actionId => Action) actions;
        mapping(uint256 actionId => mapping(address member => bool)) approved;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.EmergencyCouncil")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xf2465cd4ef532ae4046a91e62f2364ef6d54688441e93ee02ac76b00eb635700;

    event ActionSubmitted(uint256 indexed actionId, ActionKind kind, bytes32 subject, address indexed member);
    event ActionApproved(uint256 indexed actionId, address indexed member, uint256 approvals);
    event ActionExecuted(uint256 indexed actionId, ActionKind kind, bytes32 subject);
    event MembersChanged(address[] members, uint64 membersVersion);

    error EmergencyCouncilNotMember(address account);
    error EmergencyCouncilNotGovernance(address caller);
    error EmergencyCouncilInvalidMembers();
    error EmergencyCouncilUnknownAction(uint256 actionId);
    error EmergencyCouncilAlreadyApproved(uint256 actionId, address member);
    error EmergencyCouncilAlreadyExecuted(uint256 actionId);
    error EmergencyCouncilStaleAction(uint256 actionId);
    error EmergencyCouncilNotQueued(bytes32 operationId);
    error EmergencyCouncilZeroAddress(string what);

    modifier onlyMember() {
        if (!isMember(msg.sender)) revert EmergencyCouncilNotMember(msg.sender);
        _;
    }

    modifier onlyGovernance() {
        if (msg.sender != address(_storage().timelock)) revert EmergencyCouncilNotGovernance(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with the governance timelock and the five members.
    function initialize(TimelockControllerUpgradeable timelock_, address[] calldata members_) external initializer {
        if (address(timelock_) == address(0)) revert EmergencyCouncilZeroAddress("timelock");
        _storage().timelock = timelock_;
        _setMembers(members_);
    }

    /**
     * @notice Submits a pause of `target` (a system contract where the council holds `PAUSER_ROLE`).
     * Requirements: caller is a member. Emits {ActionSubmitted} and {ActionApproved}.
     */
    function submitPause(address target) external onlyMember returns (uint256 actionId) {
        if (target == address(0)) revert EmergencyCouncilZeroAddress("target");
        return _submit(ActionKind.Pause, bytes32(uint256(uint160(target))));
    }

    /**
     * @notice Submits a veto of the timelock operation `operationId` (a queued governance proposal).
     * Requirements: caller is a member; the operation is pending in the timelock.
     * Emits {ActionSubmitted} and {ActionApproved}.
     */
    function submitVeto(bytes32 operationId) external onlyMember returns (uint256 actionId) {
        if (!_storage().timelock.isOperationPending(operationId)) revert EmergencyCouncilNotQueued(operationId);
        return _submit(ActionKind.Veto, operationId);
    }

    /**
     * @notice Approves action `actionId`; the third approval executes it.
     * Requirements: caller is a member; the action exists, is not executed, was submitted under the current
     * members and not yet approved by the caller. Emits {ActionApproved} (and {ActionExecuted}).
     */
    function approve(uint256 actionId) external onlyMember {
        EmergencyCouncilStorage storage $ = _storage();
        if (actionId >= $.nextActionId) revert EmergencyCouncilUnknownAction(actionId);
        Action storage a = $.actions[actionId];
        if (a.executed) revert EmergencyCouncilAlreadyExecuted(actionId);
        if (a.membersVersion != $.membersVersion) revert EmergencyCouncilStaleAction(actionId);
        _approve(actionId, a);
    }

    /**
     * @notice Replaces the five members; pending actions become stale.
     * Requirements: caller is the governance timelock; five distinct non-zero members. Emits {MembersChanged}.
     */
    function setMembers(address[] calldata members_) external onlyGovernance {
        _setMembers(members_);
    }

    /// @notice Whether `account` is a member.
    function isMember(address account) public view returns (bool) {
        address[] storage m = _storage().members;
        for (uint256 i = 0; i < m.length; ++i) if (m[i] == account) return true;
        return false;
    }

    /// @notice The five members.
    function members() external view returns (address[] memory) {
        return _storage().members;
    }

    /// @notice Action `actionId` as recorded.
    function getAction(uint256 actionId) external view returns (Action memory) {
        return _storage().actions[actionId];
    }

    /// @notice Whether `member` approved `actionId`.
    function hasApproved(uint256 actionId, address member) external view returns (bool) {
        return _storage().approved[actionId][member];
    }

    /// @notice The governance timelock.
    function timelock() external view returns (TimelockControllerUpgradeable) {
        return _storage().timelock;
    }

    function _submit(ActionKind kind, bytes32 subject) private returns (uint256 actionId) {
        EmergencyCouncilStorage storage $ = _storage();
        actionId = $.nextActionId++;
        Action storage a = $.actions[actionId];
        a.kind = kind;
        a.subject = subject;
        a.membersVersion = $.membersVersion;
        emit ActionSubmitted(actionId, kind, subject, msg.sender);
        _approve(actionId, a);
    }

    function _approve(uint256 actionId, Action storage a) private {
        EmergencyCouncilStorage storage $ = _storage();
        if ($.approved[actionId][msg.sender]) revert EmergencyCouncilAlreadyApproved(actionId, msg.sender);
        $.approved[actionId][msg.sender] = true;
        uint8 approvals = ++a.approvals;
        emit ActionApproved(actionId, msg.sender, approvals);
        if (approvals >= THRESHOLD) {
            a.executed = true;
            emit ActionExecuted(actionId, a.kind, a.subject);
            if (a.kind == ActionKind.Pause) {
                IPausableSystemContract(address(uint160(uint256(a.subject)))).pause();
            } else {
                $.timelock.cancel(a.subject);
            }
        }
    }

    function _setMembers(address[] calldata members_) private {
        if (members_.length != MEMBERS) revert EmergencyCouncilInvalidMembers();
        for (uint256 i = 0; i < members_.length; ++i) {
            if (members_[i] == address(0)) revert EmergencyCouncilInvalidMembers();
            for (uint256 j = 0; j < i; ++j) if (members_[j] == members_[i]) revert EmergencyCouncilInvalidMembers();
        }
        EmergencyCouncilStorage storage $ = _storage();
        $.members = members_;
        uint64 version = ++$.membersVersion;
        emit MembersChanged(members_, version);
    }

    function _storage() private pure returns (EmergencyCouncilStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    // The modifier is the whole check.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal view override onlyGovernance {}
}
