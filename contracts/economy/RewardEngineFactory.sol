// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {RewardEngine} from "./RewardEngine.sol";

/**
 * @title RewardEngineFactory
 * @notice Creates one {RewardEngine} per DApp as an EIP-1167 clone owned by the caller. One engine per DApp,
 * rather than one shared contract, keeps each DApp's budget in its own contract: a mistake or a leaked reporter
 * key in one DApp can never reach another's funds, and each engine's owner needs no role from governance.
 * Anyone may create an engine. Governance chooses the implementation (for future engines) and upgrades the
 * factory; governance or the council pauses creation.
 */
contract RewardEngineFactory is SystemContract {
    /// @custom:storage-location erc7201:luniverse.storage.RewardEngineFactory
    struct RewardEngineFactoryStorage {
        address implementation;
        mapping(address engine => bool) isEngine;
        uint256 engineCount;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.RewardEngineFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x86208fbaeaef0e0f8e44e938b80c911fc4c0eb591e9a13fb288200cf6323f200;

    /// @notice `owner` created `engine`, which pays rewards in `token`.
    event RewardEngineCreated(address indexed engine, address indexed owner, address indexed token);
    /// @notice Future engines clone `implementation`.
    event ImplementationSet(address implementation);

    /// @dev `account` has no code (a token or implementation must be a contract).
    error RewardEngineFactoryNotContract(address account);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises the proxy with its admin and the engine implementation.
     * Requirements: not initialised; admin not zero; `implementation_` a contract. Emits {ImplementationSet}.
     */
    function initialize(address admin, address implementation_) external initializer {
        __SystemContract_init(admin);
        _setImplementation(implementation_);
    }

    /**
     * @notice Makes future engines clones of `implementation_`; existing engines keep theirs.
     * Requirements: caller has `GOVERNANCE_ROLE`; `implementation_` a contract. Emits {ImplementationSet}.
     */
    function setImplementation(address implementation_) external onlyRole(GOVERNANCE_ROLE) {
        _setImplementation(implementation_);
    }

    /**
     * @notice Creates a reward engine paying in `token`, owned by the caller.
     * Requirements: not paused; `token` a contract. Emits {RewardEngineCreated} (and the engine's
     * {OwnershipTransferred}).
     */
    function createEngine(address token) external whenNotPaused returns (address engine) {
        if (token.code.length == 0) revert RewardEngineFactoryNotContract(token);
        RewardEngineFactoryStorage storage $ = _storage();
        engine = Clones.clone($.implementation);
        $.isEngine[engine] = true;
        ++$.engineCount;
        emit RewardEngineCreated(engine, msg.sender, token);
        RewardEngine(engine).initialize(msg.sender, token);
    }

    /// @notice The implementation future engines clone.
    function implementation() external view returns (address) {
        return _storage().implementation;
    }

    /// @notice Whether `engine` was created by this factory.
    function isEngine(address engine) external view returns (bool) {
        return _storage().isEngine[engine];
    }

    /// @notice How many engines this factory has created.
    function engineCount() external view returns (uint256) {
        return _storage().engineCount;
    }

    function _setImplementation(address impl) private {
        if (impl.code.length == 0) revert RewardEngineFactoryNotContract(impl);
        _storage().implementation = impl;
        emit ImplementationSet(impl);
    }

    function _storage() private pure returns (RewardEngineFactoryStorage storage $) {
        // ERC-7201 namespaced storage: assembly is the only way to point a storage reference at a slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
