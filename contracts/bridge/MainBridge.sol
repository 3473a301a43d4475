// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {BridgeBase} from "./BridgeBase.sol";
import {IProductChainRegistry} from "../interfaces/IProductChainRegistry.sol";

/**
 * @title MainBridge
 * @notice Main-chain side of the token bridge. `deposit` locks main tokens and announces the product tokens
 * to mint on the product chain (main amount × the pair's ratio); the signers confirm redeems made on the product
 * chain with {confirmWithdrawal}, and the threshold-th identical confirmation (4 of 6 by default) releases the
 * main tokens.
 *
 * Pair id: `keccak256(abi.encode(mainChainId, mainToken, productChainId, productToken))`, the same on both sides.
 * Deposit id: `keccak256(abi.encode(block.chainid, address(this), nonce))`, unique across chains and bridges.
 *
 * Product-chain status: the bridge obeys the status governance gives a pair's product chain in the product-chain
 * registry ({setChainRegistry}). A **suspended** chain is frozen both ways — no deposits, no withdrawal confirmations,
 * no settling of queued withdrawals — because suspension is incident response: while the chain may be compromised,
 * nothing it claims (a redeem) may release main tokens and nothing more may be locked for it; lifting the suspension
 * resumes both. A **retired** chain takes no more deposits, but its withdrawals still settle: the chain is shutting
 * down and its users must be able to take their main tokens out. A chain the registry does not know (status None),
 * or no registry set, changes nothing.
 */
contract MainBridge is BridgeBase {
    using SafeERC20 for IERC20;

    struct Pair {
        address mainToken;
        uint64 productChainId;
        bool enabled;
        address productToken;
        uint256 ratio; // product units per main unit
    }

    /// @custom:storage-location erc7201:luniverse.storage.MainBridge
    struct MainBridgeStorage {
        mapping(bytes32 pairId => Pair) pairs;
        bytes32[] pairIds;
        mapping(bytes32 pairId => uint256) locked;
        uint256 nonce;
        IProductChainRegistry chainRegistry; // zero: no status check
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.MainBridge")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xe8f2ce1d6af18895e9af63c3c9ba0d6b5d94e47f1a306283b311f5b3166b1d00;

    event PairRegistered(
        bytes32 indexed pairId,
        address indexed mainToken,
        uint256 indexed productChainId,
        address productToken,
        uint256 ratio
    );
    event PairEnabled(bytes32 indexed pairId, bool enabled);
    event Deposited(
        bytes32 indexed depositId,
        bytes32 indexed pairId,
        address indexed sender,
        address recipient,
        uint256 mainAmount,
        uint256 productAmount,
        uint256 productChainId,
        uint256 nonce
    );
    event Released(bytes32 indexed redeemId, bytes32 indexed pairId, address indexed recipient, uint256 mainAmount);
    /// @notice Governance pointed the bridge at product-chain registry `newRegistry` (zero: no status check).
    event ChainRegistryChanged(address indexed previousRegistry, address indexed newRegistry);

    error MainBridgeUnknownPair(bytes32 pairId);
    error MainBridgePairExists(bytes32 pairId);
    error MainBridgePairDisabled(bytes32 pairId);
    error MainBridgeInvalidPair(string reason);
    error MainBridgeTransferMismatch(uint256 expected, uint256 received);
    error MainBridgeExceedsLocked(uint256 requested, uint256 locked);
    /// @dev Product chain `productChainId` is suspended (no deposits, no withdrawals) or retired (no deposits).
    error MainBridgeChainNotActive(uint256 productChainId, IProductChainRegistry.Status status);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with the governance admin, the signers and the threshold.
    function initialize(address admin, address[] calldata signers_, uint256 threshold_) external initializer {
        __BridgeBase_init(admin, signers_, threshold_);
    }

    // ---------------------------------------------------------------- governance

    /**
     * @notice Registers a pair: `mainToken` here backs `productToken` on `productChainId` at `ratio` product
     * units per main unit.
     * Requirements: `GOVERNANCE_ROLE`; tokens not zero; `productChainId` not zero; 1 <= ratio <= MAX_RATIO; not
     * registered; valid limits. Emits {PairRegistered} and {LimitsChanged}.
     */
    function registerPair(
        address mainToken,
        uint64 productChainId,
        address productToken,
        uint256 ratio,
        Limits calldata limits_
    ) external onlyRole(GOVERNANCE_ROLE) returns (bytes32 pairId) {
        if (mainToken == address(0) || productToken == address(0)) revert MainBridgeInvalidPair("zero token");
        if (productChainId == 0) revert MainBridgeInvalidPair("zero product chain id");
        if (ratio == 0 || ratio > MAX_RATIO) revert MainBridgeInvalidPair("ratio outside 1..1e18");
        pairId = pairIdOf(mainToken, productChainId, productToken);
        MainBridgeStorage storage $ = _storage();
        if ($.pairs[pairId].mainToken != address(0)) revert MainBridgePairExists(pairId);
        $.pairs[pairId] = Pair(mainToken, productChainId, true, productToken, ratio);
        $.pairIds.push(pairId);
        emit PairRegistered(pairId, mainToken, productChainId, productToken, ratio);
        _setLimits(pairId, limits_);
    }

    /**
     * @notice Stops or resumes new deposits of a pair (confirmations of redeems still settle).
     * Requirements: `GOVERNANCE_ROLE`; pair registered. Emits {PairEnabled}.
     */
    function setPairEnabled(bytes32 pairId, bool enabled) external onlyRole(GOVERNANCE_ROLE) {
        _requirePair(pairId);
        _storage().pairs[pairId].enabled = enabled;
        emit PairEnabled(pairId, enabled);
    }

    /**
     * @notice Points the bridge at the product-chain registry whose chain statuses it obeys (see the contract's
     * notice); zero turns the check off.
     * Requirements: `GOVERNANCE_ROLE`. Emits {ChainRegistryChanged}.
     */
    function setChainRegistry(address registry) external onlyRole(GOVERNANCE_ROLE) {
        MainBridgeStorage storage $ = _storage();
        emit ChainRegistryChanged(address($.chainRegistry), registry);
        $.chainRegistry = IProductChainRegistry(registry);
    }

    // ---------------------------------------------------------------- users

    /**
     * @notice Locks `mainAmount` of the pair's main token and announces `mainAmount × ratio` product tokens for
     * `recipient` on the product chain.
     * Requirements: not paused; pair registered and enabled; its product chain neither suspended nor retired;
     * recipient not zero; within the pair's per-transaction and daily limits; allowance; the token delivers exactly
     * `mainAmount` (no fee-on-transfer tokens).
     * Emits {Deposited}.
     */
    function deposit(
        bytes32 pairId,
        address recipient,
        uint256 mainAmount
    ) external whenNotPaused nonReentrant returns (bytes32 depositId) {
        MainBridgeStorage storage $ = _storage();
        Pair storage p = $.pairs[pairId];
        if (p.mainToken == address(0)) revert MainBridgeUnknownPair(pairId);
        if (!p.enabled) revert MainBridgePairDisabled(pairId);
        _requireChainOpen(p.productChainId, true);
        if (recipient == address(0)) revert SystemContractZeroAddress("recipient");
        _useIn(pairId, mainAmount);
        uint256 nonce = $.nonce++;
        depositId = keccak256(abi.encode(block.chainid, address(this), nonce));
        $.locked[pairId] += mainAmount;
        uint256 productAmount = mainAmount * p.ratio;
        emit Deposited(depositId, pairId, msg.sender, recipient, mainAmount, productAmount, p.productChainId, nonce);

        IERC20 token = IERC20(p.mainToken);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), mainAmount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != mainAmount) revert MainBridgeTransferMismatch(mainAmount, received);
    }

    // ---------------------------------------------------------------- signers

    /**
     * @notice Confirms that redeem `redeemId` on the product chain burnt product tokens worth `mainAmount` main
     * tokens of `pairId` for `recipient`. The threshold-th identical confirmation releases them (or queues the
     * release when over the pair's daily limit).
     * Requirements: not paused; caller is a signer; `redeemId` not settled; caller has not confirmed it under the
     * current set; pair registered; its product chain not suspended (a retired chain's withdrawals settle); amount > 0
     * and not more than the pair holds locked.
     * Emits {Confirmed}; {Released} or {OperationQueued} on the deciding confirmation.
     */
    function confirmWithdrawal(
        bytes32 redeemId,
        bytes32 pairId,
        address recipient,
        uint256 mainAmount
    ) external whenNotPaused nonReentrant onlySigner {
        _requirePair(pairId);
        _requireChainOpen(_storage().pairs[pairId].productChainId, false);
        if (mainAmount == 0) revert BridgeZeroAmount();
        if (recipient == address(0)) revert SystemContractZeroAddress("recipient");
        _confirm(redeemId, Operation(pairId, recipient, mainAmount));
    }

    // ---------------------------------------------------------------- views

    /// @notice The pair id both sides use.
    function pairIdOf(address mainToken, uint256 productChainId, address productToken) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, mainToken, productChainId, productToken));
    }

    /// @notice A registered pair (zero when unknown).
    function getPair(bytes32 pairId) external view returns (Pair memory) {
        return _storage().pairs[pairId];
    }

    /// @notice The product-chain registry the bridge obeys (zero: none).
    function chainRegistry() external view returns (IProductChainRegistry) {
        return _storage().chainRegistry;
    }

    /// @notice Every registered pair id.
    function pairIds() external view returns (bytes32[] memory) {
        return _storage().pairIds;
    }

    /// @notice Main tokens locked for `pairId`.
    function locked(bytes32 pairId) external view returns (uint256) {
        return _storage().locked[pairId];
    }

    /// @notice Deposits made so far (the next deposit's nonce).
    function depositNonce() external view returns (uint256) {
        return _storage().nonce;
    }

    /// @notice The data hash signers confirm for a withdrawal (what {confirmations} is keyed by).
    function withdrawalDataHash(bytes32 pairId, address recipient, uint256 mainAmount) external pure returns (bytes32) {
        return keccak256(abi.encode(pairId, recipient, mainAmount));
    }

    // ---------------------------------------------------------------- internals

    function _requirePair(bytes32 pairId) internal view override {
        if (_storage().pairs[pairId].mainToken == address(0)) revert MainBridgeUnknownPair(pairId);
    }

    /// @dev A queued release waits while its product chain is suspended (see the contract's notice).
    function _beforeSettleQueued(Operation memory op) internal view override {
        _requireChainOpen(_storage().pairs[op.pairId].productChainId, false);
    }

    /**
     * @dev Reverts with {MainBridgeChainNotActive} when the product-chain registry (if set) has `productChainId`
     * suspended, or retired and `depositing`. A view call to a system contract governance set, before any effect.
     * Gas (paid by every deposit and confirmation): one storage read when no registry is set; with one, about 10k more —
     * a call through the registry's UUPS proxy, two cold accounts and two cold slots.
     */
    function _requireChainOpen(uint256 productChainId, bool depositing) private view {
        IProductChainRegistry registry = _storage().chainRegistry;
        if (address(registry) == address(0)) return;
        IProductChainRegistry.Status status = registry.chainStatus(productChainId);
        if (status == IProductChainRegistry.Status.Suspended || (depositing && status == IProductChainRegistry.Status.Retired)) {
            revert MainBridgeChainNotActive(productChainId, status);
        }
    }

    /// @dev Releases locked main tokens; never more than the pair has locked (its deposits are the only source
    /// of the pair's balance), whatever the signers confirmed.
    function _settle(bytes32 id, Operation memory op) internal override {
        MainBridgeStorage storage $ = _storage();
        Pair storage p = $.pairs[op.pairId];
        uint256 lockedNow = $.locked[op.pairId];
        if (op.amount > lockedNow) revert MainBridgeExceedsLocked(op.amount, lockedNow);
        $.locked[op.pairId] = lockedNow - op.amount;
        emit Released(id, op.pairId, op.recipient, op.amount);
        IERC20(p.mainToken).safeTransfer(op.recipient, op.amount);
    }

    function _storage() private pure returns (MainBridgeStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
