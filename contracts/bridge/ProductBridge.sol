// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BridgeBase} from "./BridgeBase.sol";
import {ProductToken} from "../token/ProductToken.sol";

/**
 * @title ProductBridge
 * @notice Product-chain side of the token bridge. Signers confirm deposits seen on the main chain with
 * {confirmDeposit}; the threshold-th identical confirmation (4 of 6 by default) mints `mainAmount × ratio` product
 * tokens. `redeem` burns product tokens and announces the main tokens to release; an amount that is not a whole
 * number of main-token units (not a multiple of the ratio) is rejected, so no value is lost to rounding.
 *
 * Pair id: `keccak256(abi.encode(mainChainId, mainToken, productChainId, productToken))`, as on the main side.
 * Redeem id: `keccak256(abi.encode(block.chainid, address(this), nonce))`.
 */
contract ProductBridge is BridgeBase {
    struct Pair {
        address mainToken;
        uint64 mainChainId;
        bool enabled;
        address productToken;
        uint256 ratio; // product units per main unit
    }

    /// @custom:storage-location erc7201:luniverse.storage.ProductBridge
    struct ProductBridgeStorage {
        mapping(bytes32 pairId => Pair) pairs;
        bytes32[] pairIds;
        mapping(bytes32 pairId => uint256) minted;
        mapping(bytes32 pairId => uint256) burned;
        uint256 nonce;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.ProductBridge")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x0be9433baf11c59fd892abd6004d9c363e9e8623fa81936400048889dddbf800;

    event PairRegistered(
        bytes32 indexed pairId,
        address indexed mainToken,
        uint256 indexed mainChainId,
        address productToken,
        uint256 ratio
    );
    event PairEnabled(bytes32 indexed pairId, bool enabled);
    event Minted(bytes32 indexed depositId, bytes32 indexed pairId, address indexed recipient, uint256 productAmount);
    event Redeemed(
        bytes32 indexed redeemId,
        bytes32 indexed pairId,
        address indexed sender,
        address recipient,
        uint256 productAmount,
        uint256 mainAmount,
        uint256 mainChainId,
        uint256 nonce
    );

    error ProductBridgeUnknownPair(bytes32 pairId);
    error ProductBridgePairExists(bytes32 pairId);
    error ProductBridgePairDisabled(bytes32 pairId);
    error ProductBridgeInvalidPair(string reason);
    error ProductBridgeInexactAmount(uint256 productAmount, uint256 ratio);

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
     * @notice Registers a pair: `productToken` here is backed by `mainToken` on `mainChainId` at `ratio`.
     * Requirements: `GOVERNANCE_ROLE`; tokens and chain id not zero; 1 <= ratio <= MAX_RATIO; this bridge is the
     * product token's minter; not registered; valid limits. Emits {PairRegistered} and {LimitsChanged}.
     */
    function registerPair(
        uint64 mainChainId,
        address mainToken,
        address productToken,
        uint256 ratio,
        Limits calldata limits_
    ) external onlyRole(GOVERNANCE_ROLE) returns (bytes32 pairId) {
        if (mainToken == address(0) || productToken == address(0)) revert ProductBridgeInvalidPair("zero token");
        if (mainChainId == 0) revert ProductBridgeInvalidPair("zero main chain id");
        if (ratio == 0 || ratio > MAX_RATIO) revert ProductBridgeInvalidPair("ratio outside 1..1e18");
        if (ProductToken(productToken).bridge() != address(this)) revert ProductBridgeInvalidPair("bridge is not the minter");
        pairId = pairIdOf(mainChainId, mainToken, productToken);
        ProductBridgeStorage storage $ = _storage();
        if ($.pairs[pairId].productToken != address(0)) revert ProductBridgePairExists(pairId);
        $.pairs[pairId] = Pair(mainToken, mainChainId, true, productToken, ratio);
        $.pairIds.push(pairId);
        emit PairRegistered(pairId, mainToken, mainChainId, productToken, ratio);
        _setLimits(pairId, limits_);
    }

    /**
     * @notice Stops or resumes new redeems of a pair (confirmed deposits still mint).
     * Requirements: `GOVERNANCE_ROLE`; pair registered. Emits {PairEnabled}.
     */
    function setPairEnabled(bytes32 pairId, bool enabled) external onlyRole(GOVERNANCE_ROLE) {
        _requirePair(pairId);
        _storage().pairs[pairId].enabled = enabled;
        emit PairEnabled(pairId, enabled);
    }

    // ---------------------------------------------------------------- signers

    /**
     * @notice Confirms that deposit `depositId` on the main chain locked `mainAmount` main tokens of `pairId` for
     * `recipient`. The threshold-th identical confirmation mints `mainAmount × ratio` product tokens (or queues
     * the mint when over the pair's daily limit).
     * Requirements: not paused; caller is a signer; `depositId` not settled; caller has not confirmed it under the
     * current set; pair registered; amount > 0; recipient not zero.
     * Emits {Confirmed}; {Minted} or {OperationQueued} on the deciding confirmation.
     */
    function confirmDeposit(
        bytes32 depositId,
        bytes32 pairId,
        address recipient,
        uint256 mainAmount
    ) external whenNotPaused nonReentrant onlySigner {
        _requirePair(pairId);
        if (mainAmount == 0) revert BridgeZeroAmount();
        if (recipient == address(0)) revert SystemContractZeroAddress("recipient");
        _confirm(depositId, Operation(pairId, recipient, mainAmount * _storage().pairs[pairId].ratio));
    }

    // ---------------------------------------------------------------- users

    /**
     * @notice Burns `productAmount` of the caller's product tokens and announces `productAmount / ratio` main
     * tokens for `recipient` on the main chain.
     * Requirements: not paused; pair registered and enabled; recipient not zero; `productAmount` a multiple of the
     * ratio; within the pair's per-transaction and daily limits; caller holds the tokens. Emits {Redeemed}.
     */
    function redeem(
        bytes32 pairId,
        address recipient,
        uint256 productAmount
    ) external whenNotPaused nonReentrant returns (bytes32 redeemId) {
        ProductBridgeStorage storage $ = _storage();
        Pair storage p = $.pairs[pairId];
        if (p.productToken == address(0)) revert ProductBridgeUnknownPair(pairId);
        if (!p.enabled) revert ProductBridgePairDisabled(pairId);
        if (recipient == address(0)) revert SystemContractZeroAddress("recipient");
        if (productAmount % p.ratio != 0) revert ProductBridgeInexactAmount(productAmount, p.ratio);
        _useIn(pairId, productAmount);
        uint256 nonce = $.nonce++;
        redeemId = keccak256(abi.encode(block.chainid, address(this), nonce));
        $.burned[pairId] += productAmount;
        emit Redeemed(redeemId, pairId, msg.sender, recipient, productAmount, productAmount / p.ratio, p.mainChainId, nonce);
        ProductToken(p.productToken).burn(msg.sender, productAmount);
    }

    // ---------------------------------------------------------------- views

    /// @notice The pair id both sides use.
    function pairIdOf(uint256 mainChainId, address mainToken, address productToken) public view returns (bytes32) {
        return keccak256(abi.encode(mainChainId, mainToken, block.chainid, productToken));
    }

    /// @notice A registered pair (zero when unknown).
    function getPair(bytes32 pairId) external view returns (Pair memory) {
        return _storage().pairs[pairId];
    }

    /// @notice Every registered pair id.
    function pairIds() external view returns (bytes32[] memory) {
        return _storage().pairIds;
    }

    /// @notice Product tokens minted and burnt (redeemed) for `pairId`.
    function supplyOf(bytes32 pairId) external view returns (uint256 minted, uint256 burned) {
        ProductBridgeStorage storage $ = _storage();
        return ($.minted[pairId], $.burned[pairId]);
    }

    /// @notice Redeems made so far (the next redeem's nonce).
    function redeemNonce() external view returns (uint256) {
        return _storage().nonce;
    }

    /// @notice The data hash signers confirm for a deposit (what {confirmations} is keyed by).
    function depositDataHash(bytes32 pairId, address recipient, uint256 mainAmount) external view returns (bytes32) {
        return keccak256(abi.encode(pairId, recipient, mainAmount * _storage().pairs[pairId].ratio));
    }

    // ---------------------------------------------------------------- internals

    function _requirePair(bytes32 pairId) internal view override {
        if (_storage().pairs[pairId].productToken == address(0)) revert ProductBridgeUnknownPair(pairId);
    }

    function _settle(bytes32 id, Operation memory op) internal override {
        ProductBridgeStorage storage $ = _storage();
        $.minted[op.pairId] += op.amount;
        emit Minted(id, op.pairId, op.recipient, op.amount);
        ProductToken($.pairs[op.pairId].productToken).mint(op.recipient, op.amount);
    }

    function _storage() private pure returns (ProductBridgeStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
