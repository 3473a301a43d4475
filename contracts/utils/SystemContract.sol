// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

/**
 * @title SystemContract
 * @notice Common base of the main chain's system contracts: role-based access, emergency pause and
 * UUPS upgrades that only governance can authorise.
 *
 * Roles:
 * - `DEFAULT_ADMIN_ROLE` / `GOVERNANCE_ROLE`: the governance timelock. Changes parameters, grants roles,
 *   unpauses and upgrades.
 * - `PAUSER_ROLE`: the emergency council (and governance). Can pause, never unpause or move funds.
 */
abstract contract SystemContract is Initializable, AccessControlUpgradeable, PausableUpgradeable, UUPSUpgradeable {
    /// @notice Role of the governance executor (the timelock).
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Role allowed to pause in an emergency (the council).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The address the node uses as `msg.sender` for block-end system calls (as in POSDAO/Parity).
    address public constant SYSTEM_ADDRESS = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE;

    /// @dev A zero address was given where a real one is required; `what` names the argument.
    error SystemContractZeroAddress(string what);
    /// @dev A system-only function was called by someone other than `SYSTEM_ADDRESS`.
    error SystemContractNotSystem(address caller);

    modifier onlySystem() {
        if (msg.sender != SYSTEM_ADDRESS) revert SystemContractNotSystem(msg.sender);
        _;
    }

    // solhint-disable-next-line func-name-mixedcase
    function __SystemContract_init(address admin) internal onlyInitializing {
        if (admin == address(0)) revert SystemContractZeroAddress("admin");
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
    }

    /**
     * @notice Pauses the contract's user-facing state changes.
     * Requirements: caller has `PAUSER_ROLE` or `GOVERNANCE_ROLE`. Emits {Paused}.
     */
    function pause() external {
        if (!hasRole(PAUSER_ROLE, msg.sender) && !hasRole(GOVERNANCE_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, PAUSER_ROLE);
        }
        _pause();
    }

    /**
     * @notice Lifts a pause.
     * Requirements: caller has `GOVERNANCE_ROLE` (the council can pause but not unpause). Emits {Unpaused}.
     */
    function unpause() external onlyRole(GOVERNANCE_ROLE) {
        _unpause();
    }

    /// @dev Upgrades are a governance decision.
    // The modifier is the whole check.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal override onlyRole(GOVERNANCE_ROLE) {}
}
