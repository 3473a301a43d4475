// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransientUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardTransientUpgradeable.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {Template} from "./Template.sol";
import {TemplateKind} from "./TemplateKind.sol";
import {TemplateLimits} from "./TemplateLimits.sol";
import {TransferTemplate} from "./TransferTemplate.sol";
import {VestingTemplate} from "./VestingTemplate.sol";
import {StakeTemplate} from "./StakeTemplate.sol";
import {BurnTemplate} from "./BurnTemplate.sol";

/**
 * @title TemplateFactory
 * @notice Lets a consortium partner or product developer put a token-economy rule on chain without writing
 * Solidity: it deploys a transaction template (transfer with fee, vesting, stake, burn) as an EIP-1167 clone
 * of a reviewed implementation, initialised in the same transaction, owned by the caller.
 *
 * Anyone may deploy: an instance only ever moves tokens its users approve to it, and its owner is the caller,
 * so no role is needed. Governance chooses the implementations (for future instances; existing clones never
 * change) and upgrades the factory; governance or the council pauses new deployments.
 */
contract TemplateFactory is SystemContract, ReentrancyGuardTransientUpgradeable {
    using SafeERC20 for IERC20;

    /// @custom:storage-location erc7201:luniverse.storage.TemplateFactory
    struct TemplateFactoryStorage {
        mapping(TemplateKind kind => address) implementations;
        /// Kind + 1 of every instance this factory deployed (0: not one of ours).
        mapping(address instance => uint256) kindPlusOne;
        uint256 instanceCount;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.TemplateFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xa20670d035bea7a485179ee29fba6604a713219e1292ccffa0ebde6c9b8b1500;

    /// @notice `owner` deployed template `instance` of `kind` for `token`.
    event TemplateDeployed(TemplateKind indexed kind, address indexed instance, address indexed owner, address token);
    /// @notice Future instances of `kind` clone `implementation`.
    event ImplementationSet(TemplateKind indexed kind, address implementation);

    /// @dev `account` has no code (a token or implementation must be a contract).
    error TemplateFactoryNotContract(address account);
    /// @dev `implementation` is not a template of `expected` kind.
    error TemplateFactoryWrongKind(address implementation, TemplateKind expected);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises the proxy with its admin and the four implementations, in {TemplateKind} order.
     * Requirements: not initialised; admin not zero; each implementation a template of its kind.
     * Emits {ImplementationSet} four times.
     */
    function initialize(address admin, address[4] calldata implementations_) external initializer {
        __SystemContract_init(admin);
        __ReentrancyGuardTransient_init();
        for (uint256 i = 0; i < 4; ++i) _setImplementation(TemplateKind(i), implementations_[i]);
    }

    /**
     * @notice Makes future instances of `kind` clones of `impl`; existing instances keep theirs.
     * Requirements: caller has `GOVERNANCE_ROLE`; `impl` is a template of `kind`.
     * Emits {ImplementationSet}.
     */
    function setImplementation(TemplateKind kind, address impl) external onlyRole(GOVERNANCE_ROLE) {
        _setImplementation(kind, impl);
    }

    /**
     * @notice Deploys a {TransferTemplate} for `token`, owned by the caller.
     * Requirements: not paused; `token` a contract; `feeBps` ≤ {TransferTemplate-MAX_FEE_BPS}; a fee
     * recipient when `feeBps` is not zero. Emits {TemplateDeployed} (and the instance's initialisation events).
     */
    function deployTransfer(
        address token,
        uint16 feeBps,
        address feeRecipient,
        TemplateLimits.Limits calldata limits
    ) external whenNotPaused returns (address instance) {
        instance = _clone(TemplateKind.Transfer, token);
        TransferTemplate(instance).initialize(msg.sender, token, feeBps, feeRecipient, limits);
    }

    /**
     * @notice Deploys a {VestingTemplate} for `token` owned by the caller (the grantor) and moves `amount` of
     * the caller's tokens into it.
     * Requirements: not paused; `token` a contract; the caller approved this factory for `amount`; a valid
     * schedule (see {VestingTemplate-initialize}). Emits {TemplateDeployed} (and the instance's events).
     */
    function deployVesting(
        address token,
        VestingTemplate.Schedule calldata schedule,
        uint256 amount,
        TemplateLimits.Limits calldata limits
    ) external whenNotPaused nonReentrant returns (address instance) {
        instance = _clone(TemplateKind.Vesting, token);
        // The clone is new and initialised below in this same transaction: no one can act in between.
        IERC20(token).safeTransferFrom(msg.sender, instance, amount);
        VestingTemplate(instance).initialize(msg.sender, token, schedule, amount, limits);
    }

    /**
     * @notice Deploys a {StakeTemplate} for `token` with `lockPeriod` seconds, owned by the caller.
     * Requirements: not paused; `token` a contract; `lockPeriod` ≤ {StakeTemplate-MAX_LOCK_PERIOD}.
     * Emits {TemplateDeployed} (and the instance's initialisation events).
     */
    function deployStake(
        address token,
        uint64 lockPeriod,
        TemplateLimits.Limits calldata limits
    ) external whenNotPaused returns (address instance) {
        instance = _clone(TemplateKind.Stake, token);
        StakeTemplate(instance).initialize(msg.sender, token, lockPeriod, limits);
    }

    /**
     * @notice Deploys a {BurnTemplate} for `token` (which must implement `burnFrom`), owned by the caller.
     * Requirements: not paused; `token` a contract. Emits {TemplateDeployed} (and the instance's events).
     */
    function deployBurn(
        address token,
        TemplateLimits.Limits calldata limits
    ) external whenNotPaused returns (address instance) {
        instance = _clone(TemplateKind.Burn, token);
        BurnTemplate(instance).initialize(msg.sender, token, limits);
    }

    /// @notice The implementation future instances of `kind` clone.
    function implementation(TemplateKind kind) external view returns (address) {
        return _storage().implementations[kind];
    }

    /// @notice Whether `instance` was deployed by this factory, and its kind.
    function templateKindOf(address instance) external view returns (bool deployed, TemplateKind kind) {
        uint256 k = _storage().kindPlusOne[instance];
        if (k == 0) return (false, TemplateKind.Transfer);
        return (true, TemplateKind(k - 1));
    }

    /// @notice How many instances this factory has deployed.
    function instanceCount() external view returns (uint256) {
        return _storage().instanceCount;
    }

    function _clone(TemplateKind kind, address token) private returns (address instance) {
        if (token.code.length == 0) revert TemplateFactoryNotContract(token);
        TemplateFactoryStorage storage $ = _storage();
        instance = Clones.clone($.implementations[kind]);
        $.kindPlusOne[instance] = uint256(kind) + 1;
        ++$.instanceCount;
        emit TemplateDeployed(kind, instance, msg.sender, token);
    }

    function _setImplementation(TemplateKind kind, address impl) private {
        if (impl.code.length == 0) revert TemplateFactoryNotContract(impl);
        try Template(impl).kind() returns (TemplateKind actual) {
            if (actual != kind) revert TemplateFactoryWrongKind(impl, kind);
        } catch {
            revert TemplateFactoryWrongKind(impl, kind);
        }
        _storage().implementations[kind] = impl;
        emit ImplementationSet(kind, impl);
    }

    function _storage() private pure returns (TemplateFactoryStorage storage $) {
        // ERC-7201 namespaced storage: assembly is the only way to point a storage reference at a slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
