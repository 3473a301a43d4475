// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {ERC20BurnableUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20BurnableUpgradeable.sol";
import {ERC20PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PausableUpgradeable.sol";
import {ERC20CappedUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20CappedUpgradeable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/**
 * @title MainToken
 * @notice A consortium partner's main token on the main chain: ERC-20 with EIP-2612 permit, burnable,
 * capped, pausable by governance or the emergency council. Deployed by {MainTokenFactory} as a beacon proxy, so
 * governance upgrades every main token at once by upgrading the factory's beacon.
 *
 * Who may pause is read from the factory's roles (`PAUSER_ROLE`: the council; `GOVERNANCE_ROLE`: the timelock),
 * so a change of council reaches every token without touching it. The issuer (the CP) may mint up to the cap.
 */
contract MainToken is
    ERC20Upgradeable,
    ERC20PermitUpgradeable,
    ERC20BurnableUpgradeable,
    ERC20PausableUpgradeable,
    ERC20CappedUpgradeable
{
    bytes32 private constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 private constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @custom:storage-location erc7201:luniverse.storage.MainToken
    struct MainTokenStorage {
        address factory;
        address issuer;
        uint8 decimals;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.MainToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x93db0b744a3b451c4ba83b33e8e1d395d363d38a8f2984064efb0efdd9d09500;

    /// @dev The caller may not pause/unpause (pause: council or governance; unpause: governance).
    error MainTokenUnauthorized(address caller);
    /// @dev Only the issuer mints.
    error MainTokenNotIssuer(address caller);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises a main token (called by the factory through the beacon proxy's constructor).
     * @param initialSupply minted to `issuer_`; must not exceed `cap_`.
     */
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        uint256 initialSupply,
        uint256 cap_,
        address issuer_,
        address factory_
    ) external initializer {
        __ERC20_init(name_, symbol_);
        __ERC20Permit_init(name_);
        __ERC20Burnable_init();
        __ERC20Pausable_init();
        __ERC20Capped_init(cap_);
        MainTokenStorage storage $ = _storage();
        $.factory = factory_;
        $.issuer = issuer_;
        $.decimals = decimals_;
        if (initialSupply > 0) _mint(issuer_, initialSupply);
    }

    /// @inheritdoc ERC20Upgradeable
    function decimals() public view override returns (uint8) {
        return _storage().decimals;
    }

    /// @notice The consortium partner that issued the token.
    function issuer() external view returns (address) {
        return _storage().issuer;
    }

    /// @notice The factory whose roles govern pausing.
    function factory() external view returns (address) {
        return _storage().factory;
    }

    /**
     * @notice Mints `amount` to `to`, up to the cap.
     * Requirements: caller is the issuer; not paused; the cap is not exceeded. Emits {Transfer}.
     */
    function mint(address to, uint256 amount) external {
        if (msg.sender != _storage().issuer) revert MainTokenNotIssuer(msg.sender);
        _mint(to, amount);
    }

    /**
     * @notice Pauses transfers, mints and burns.
     * Requirements: caller holds `PAUSER_ROLE` or `GOVERNANCE_ROLE` on the factory. Emits {Paused}.
     */
    function pause() external {
        IAccessControl f = IAccessControl(_storage().factory);
        if (!f.hasRole(PAUSER_ROLE, msg.sender) && !f.hasRole(GOVERNANCE_ROLE, msg.sender)) {
            revert MainTokenUnauthorized(msg.sender);
        }
        _pause();
    }

    /**
     * @notice Lifts a pause.
     * Requirements: caller holds `GOVERNANCE_ROLE` on the factory. Emits {Unpaused}.
     */
    function unpause() external {
        if (!IAccessControl(_storage().factory).hasRole(GOVERNANCE_ROLE, msg.sender)) {
            revert MainTokenUnauthorized(msg.sender);
        }
        _unpause();
    }

    function _update(
        address from,
        address to,
        uint256 value
    ) internal override(ERC20Upgradeable, ERC20PausableUpgradeable, ERC20CappedUpgradeable) {
        super._update(from, to, value);
    }

    function _storage() private pure returns (MainTokenStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
