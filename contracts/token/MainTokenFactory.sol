// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BeaconProxy} from "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
import {UpgradeableBeacon} from "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {MainToken} from "./MainToken.sol";

/**
 * @title MainTokenFactory
 * @notice Issues main tokens for consortium partners. A caller holding `CP_ROLE` on the product-chain registry
 * (granted by governance) issues a token with name, symbol, decimals, initial supply and cap.
 *
 * Tokens are **beacon proxies** of one {MainToken} implementation held by an {UpgradeableBeacon} this factory
 * owns: a main token must be upgradeable (the issue requires it) and a beacon proxy costs a fraction of a full
 * deployment, while one governance upgrade of the beacon upgrades every main token (clones could not be upgraded;
 * per-token UUPS proxies would need one governance action per token).
 */
contract MainTokenFactory is SystemContract {
    /// @notice Role of consortium partners, as held on the product-chain registry.
    bytes32 public constant CP_ROLE = keccak256("CP_ROLE");

    /// @custom:storage-location erc7201:luniverse.storage.MainTokenFactory
    struct MainTokenFactoryStorage {
        UpgradeableBeacon beacon;
        IAccessControl cpRegistry;
        address[] tokens;
        mapping(address token => bool) isToken;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.MainTokenFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x4cd58ef9997d8dfebee4ef7c1e4b3adea39e88c52a60962054333c91f7d56600;

    event MainTokenIssued(
        address indexed token,
        address indexed issuer,
        string name,
        string symbol,
        uint8 decimals,
        uint256 initialSupply,
        uint256 cap
    );
    event MainTokenImplementationUpgraded(address indexed implementation);

    error MainTokenFactoryNotConsortiumPartner(address caller);
    error MainTokenFactoryInvalidToken(string reason);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises with the MainToken implementation (a beacon owned by this factory is created) and the
     * registry whose `CP_ROLE` authorises issuers.
     */
    function initialize(address admin, address implementation, IAccessControl cpRegistry_) external initializer {
        __SystemContract_init(admin);
        if (implementation == address(0)) revert SystemContractZeroAddress("implementation");
        if (address(cpRegistry_) == address(0)) revert SystemContractZeroAddress("cpRegistry");
        MainTokenFactoryStorage storage $ = _storage();
        $.beacon = new UpgradeableBeacon(implementation, address(this));
        $.cpRegistry = cpRegistry_;
    }

    /**
     * @notice Issues a main token owned by the caller.
     * Requirements: not paused; caller holds `CP_ROLE` on the registry; non-empty name and symbol; decimals <= 36;
     * `0 < cap` and `initialSupply <= cap`. Emits {MainTokenIssued}.
     */
    function issueMainToken(
        string calldata name,
        string calldata symbol,
        uint8 decimals,
        uint256 initialSupply,
        uint256 cap
    ) external whenNotPaused returns (address token) {
        MainTokenFactoryStorage storage $ = _storage();
        if (!$.cpRegistry.hasRole(CP_ROLE, msg.sender)) revert MainTokenFactoryNotConsortiumPartner(msg.sender);
        if (bytes(name).length == 0) revert MainTokenFactoryInvalidToken("empty name");
        if (bytes(symbol).length == 0) revert MainTokenFactoryInvalidToken("empty symbol");
        if (decimals > 36) revert MainTokenFactoryInvalidToken("decimals above 36");
        if (cap == 0) revert MainTokenFactoryInvalidToken("zero cap");
        if (initialSupply > cap) revert MainTokenFactoryInvalidToken("initial supply above cap");
        token = address(
            new BeaconProxy(
                address($.beacon),
                abi.encodeCall(
                    MainToken.initialize,
                    (name, symbol, decimals, initialSupply, cap, msg.sender, address(this))
                )
            )
        );
        $.tokens.push(token);
        $.isToken[token] = true;
        emit MainTokenIssued(token, msg.sender, name, symbol, decimals, initialSupply, cap);
    }

    /**
     * @notice Points every main token at a new implementation.
     * Requirements: `GOVERNANCE_ROLE`; `implementation` is a contract. Emits {MainTokenImplementationUpgraded}.
     */
    function upgradeTokens(address implementation) external onlyRole(GOVERNANCE_ROLE) {
        _storage().beacon.upgradeTo(implementation);
        emit MainTokenImplementationUpgraded(implementation);
    }

    /// @notice The beacon every main token follows.
    function beacon() external view returns (address) {
        return address(_storage().beacon);
    }

    /// @notice The registry whose `CP_ROLE` authorises issuers.
    function cpRegistry() external view returns (address) {
        return address(_storage().cpRegistry);
    }

    /// @notice Whether `token` was issued by this factory.
    function isMainToken(address token) external view returns (bool) {
        return _storage().isToken[token];
    }

    /// @notice Every token issued, in order.
    function tokens() external view returns (address[] memory) {
        return _storage().tokens;
    }

    function _storage() private pure returns (MainTokenFactoryStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
