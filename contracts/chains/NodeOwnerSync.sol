// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemContract} from "../utils/SystemContract.sol";
import {BridgeBase} from "../bridge/BridgeBase.sol";
import {ValidatorSet} from "../consensus/ValidatorSet.sol";

/**
 * @title NodeOwnerSync
 * @notice A product chain's end of node-owner governance. A node-owner swap decided on the main chain
 * (`ProductChainRegistry.voteSwap`, 3 of 4 owners, or `forceSwap`: event `NodeOwnerSwapped(chainId, oldOwner,
 * newOwner, ownersNonce)`) becomes this chain's validator-set change at its next epoch. No single party carries it:
 * the bridge signers (the signer set of this chain's `ProductBridge`, 4 of 6 by default) each confirm the main
 * chain's event with their own transaction once they have seen it at depth, as they confirm deposits; the
 * threshold-th matching confirmation decides the swap, and it is applied as `ValidatorSet.swapValidator(oldOwner,
 * newOwner)`, for which this contract holds the validator set's `GOVERNANCE_ROLE`.
 *
 * Rules:
 * - a swap is identified by the main chain's `ownersNonce` of this chain (1, 2, …: one per swap, in order) and swaps
 *   are applied in that order, as the main chain made them: a decided swap whose predecessor is not applied yet
 *   waits, and is applied in the transaction that applies its predecessor, or by {applyConfirmed};
 * - a signer confirms one swap per nonce, once and for good: confirming it again, or confirming other owners for
 *   the same nonce, is refused;
 * - confirmations count while their signer is in the bridge's current set: each confirmation counts the current
 *   signers that confirmed exactly this swap against the bridge's current threshold, so a signer removed by a
 *   rotation stops counting at once and one that stays keeps its confirmation (a new signer confirms itself; a
 *   lowered threshold is met at the next confirmation). A decided swap stays decided: a later rotation does not undo
 *   it;
 * - a nonce is decided once, ever: confirmations of a decided or applied nonce are refused (a relayer that restarts
 *   reads {swapStatus} and {confirmedSwap} first, and takes these refusals as "done");
 * - a decided swap that the validator set refuses (e.g. this chain's governance already replaced that validator) is
 *   recorded as failed, with the validator set's revert data, and the sequence goes on; governance then sets the
 *   validators itself. A call starved by too low a gas limit is not a refusal: the transaction reverts instead.
 *
 * Deployed on product chains only (deploy/system.ts, config `nodeOwnerSync`), whose validator set runs with
 * `minStake` 0 so an approved node owner is listed without stake. On the main chain the validator set belongs to
 * main-chain governance, never to the bridge signers.
 */
contract NodeOwnerSync is SystemContract {
    /// @notice Most decided swaps applied in one transaction (a backlog beyond it continues with {applyConfirmed}).
    uint256 public constant MAX_APPLIED_PER_CALL = 8;

    /// @notice Where a swap (one main-chain `ownersNonce`) stands here.
    enum SwapStatus {
        None, // not decided: collecting confirmations
        Decided, // confirmed by the threshold, waiting for its predecessor
        Applied, // handed to the validator set (in force from the next epoch)
        Failed // refused by the validator set; skipped
    }

    /// @notice A decided swap: the owners the threshold of signers confirmed, and its status.
    struct Swap {
        address oldOwner;
        SwapStatus status;
        address newOwner;
    }

    /// @custom:storage-location erc7201:luniverse.storage.NodeOwnerSync
    struct NodeOwnerSyncStorage {
        ValidatorSet validatorSet;
        BridgeBase signerSource;
        uint64 lastAppliedNonce; // applied or failed; starts at the main chain's nonce the genesis set reflects
        mapping(uint64 ownersNonce => Swap) swaps;
        mapping(uint64 ownersNonce => mapping(address signer => bytes32 swapHash)) confirmedSwap;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.NodeOwnerSync")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xd7ce8789cd941da4a245b8e2612db528963cebad0878e9fcde7bef5f8be75000;

    /// @notice Bridge signer `signer` confirmed that the main chain swapped `oldOwner` for `newOwner` as swap
    /// `ownersNonce` of this chain; `confirmations` current signers agree, `threshold` are needed.
    event SwapConfirmed(
        uint64 indexed ownersNonce,
        bytes32 indexed swapHash,
        address indexed signer,
        address oldOwner,
        address newOwner,
        uint256 confirmations,
        uint256 threshold
    );
    /// @notice The threshold of signers confirmed swap `ownersNonce`; it is applied now or after its predecessor.
    event NodeOwnerSwapDecided(uint64 indexed ownersNonce, address indexed oldOwner, address indexed newOwner);
    /// @notice Swap `ownersNonce` was applied: `newOwner` replaces `oldOwner` in the validator set from block
    /// `effectiveBlock` (the next epoch boundary).
    event NodeOwnerSwapApplied(uint64 indexed ownersNonce, address indexed oldOwner, address indexed newOwner, uint256 effectiveBlock);
    /// @notice The validator set refused swap `ownersNonce` (`reason`: its revert data); the next swap may follow.
    /// Governance sets the validators itself.
    event NodeOwnerSwapFailed(uint64 indexed ownersNonce, address indexed oldOwner, address indexed newOwner, bytes reason);

    /// @dev The caller is not a signer of the bridge's current set.
    error NodeOwnerSyncNotSigner(address account);
    /// @dev Owners that no main-chain swap can have: a zero address, or the same owner twice.
    error NodeOwnerSyncInvalidSwap(uint64 ownersNonce, address oldOwner, address newOwner);
    /// @dev The nonce is decided, applied or failed already (or older than the genesis set): nothing to confirm.
    error NodeOwnerSyncAlreadyDecided(uint64 ownersNonce, SwapStatus status);
    /// @dev The signer already confirmed this swap.
    error NodeOwnerSyncAlreadyConfirmed(uint64 ownersNonce, address signer);
    /// @dev The signer confirmed other owners (`confirmedSwapHash`) for this nonce.
    error NodeOwnerSyncConflictingConfirmation(uint64 ownersNonce, address signer, bytes32 confirmedSwapHash);
    /// @dev {applyConfirmed} of a nonce that is not waiting as decided.
    error NodeOwnerSyncNotDecided(uint64 ownersNonce, SwapStatus status);
    /// @dev {applyConfirmed} of a decided nonce whose predecessor is not applied yet (`nextNonce` is the next one due).
    error NodeOwnerSyncOutOfOrder(uint64 ownersNonce, uint64 nextNonce);
    /// @dev The validator set's call ran out of gas because the transaction's gas limit was too low; send it with
    /// more gas (a refusal is recorded only when the validator set itself refuses).
    error NodeOwnerSyncOutOfGas(uint256 gasBeforeCall);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises with its admin (the product chain's timelock, or the deployer until handover), the
     * chain's validator set, the bridge whose signer set and threshold confirm swaps, and the main chain's
     * `ownersNonce` of this chain that the genesis validator set already reflects (0 for a chain no swap has
     * touched yet; swaps up to it count as applied).
     * @dev This contract needs `GOVERNANCE_ROLE` on `validatorSet_` (granted by the deployment).
     */
    function initialize(address admin, ValidatorSet validatorSet_, BridgeBase signerSource_, uint64 ownersNonce_) external initializer {
        __SystemContract_init(admin);
        if (address(validatorSet_) == address(0)) revert SystemContractZeroAddress("validatorSet");
        if (address(signerSource_) == address(0)) revert SystemContractZeroAddress("signerSource");
        NodeOwnerSyncStorage storage $ = _storage();
        $.validatorSet = validatorSet_;
        $.signerSource = signerSource_;
        $.lastAppliedNonce = ownersNonce_;
    }

    /**
     * @notice Confirms, as a bridge signer, that the main chain swapped `oldOwner` for `newOwner` among this chain's
     * node owners as swap `ownersNonce`. The confirmation that brings the current signers agreeing on it to the
     * bridge's threshold decides it, and applies it (and the decided swaps after it, up to
     * {MAX_APPLIED_PER_CALL}) when it is the next one due.
     * Requirements: not paused; caller is a signer of the bridge's current set; the nonce is not decided yet;
     * owners non-zero and distinct; the caller has not confirmed this nonce before.
     * Emits {SwapConfirmed}; on the deciding confirmation {NodeOwnerSwapDecided}, then {NodeOwnerSwapApplied} or
     * {NodeOwnerSwapFailed} per swap applied.
     */
    function confirmSwap(uint64 ownersNonce, address oldOwner, address newOwner) external whenNotPaused {
        NodeOwnerSyncStorage storage $ = _storage();
        BridgeBase source = $.signerSource;
        if (!source.isSigner(msg.sender)) revert NodeOwnerSyncNotSigner(msg.sender);
        SwapStatus status = swapStatus(ownersNonce);
        if (status != SwapStatus.None) revert NodeOwnerSyncAlreadyDecided(ownersNonce, status);
        if (oldOwner == address(0) || newOwner == address(0) || oldOwner == newOwner) {
            revert NodeOwnerSyncInvalidSwap(ownersNonce, oldOwner, newOwner);
        }
        bytes32 hash = swapHash(ownersNonce, oldOwner, newOwner);
        bytes32 mine = $.confirmedSwap[ownersNonce][msg.sender];
        if (mine == hash) revert NodeOwnerSyncAlreadyConfirmed(ownersNonce, msg.sender);
        if (mine != bytes32(0)) revert NodeOwnerSyncConflictingConfirmation(ownersNonce, msg.sender, mine);
        $.confirmedSwap[ownersNonce][msg.sender] = hash;

        uint256 count = _confirmations(source, ownersNonce, hash);
        uint256 threshold = source.threshold();
        emit SwapConfirmed(ownersNonce, hash, msg.sender, oldOwner, newOwner, count, threshold);
        if (count < threshold) return;

        Swap storage swap = $.swaps[ownersNonce];
        swap.oldOwner = oldOwner;
        swap.newOwner = newOwner;
        swap.status = SwapStatus.Decided;
        emit NodeOwnerSwapDecided(ownersNonce, oldOwner, newOwner);
        if (ownersNonce == $.lastAppliedNonce + 1) _applyDue();
    }

    /**
     * @notice Applies decided swap `ownersNonce` and the decided swaps after it (up to {MAX_APPLIED_PER_CALL} in
     * all): for a backlog the deciding confirmation did not finish. Anyone may call.
     * Requirements: not paused; `ownersNonce` is decided and the next one due. Emits {NodeOwnerSwapApplied} or
     * {NodeOwnerSwapFailed} per swap applied.
     */
    function applyConfirmed(uint64 ownersNonce) external whenNotPaused {
        SwapStatus status = swapStatus(ownersNonce);
        if (status != SwapStatus.Decided) revert NodeOwnerSyncNotDecided(ownersNonce, status);
        uint64 next = _storage().lastAppliedNonce + 1;
        if (ownersNonce != next) revert NodeOwnerSyncOutOfOrder(ownersNonce, next);
        _applyDue();
    }

    // ---------------------------------------------------------------- views

    /// @notice The id a signer confirms for swap `ownersNonce` of this chain: keccak256(chain id, nonce, old, new).
    function swapHash(uint64 ownersNonce, address oldOwner, address newOwner) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, ownersNonce, oldOwner, newOwner));
    }

    /// @notice Status of swap `ownersNonce`; nonces up to the one the genesis set reflects read as Applied.
    function swapStatus(uint64 ownersNonce) public view returns (SwapStatus) {
        NodeOwnerSyncStorage storage $ = _storage();
        SwapStatus status = $.swaps[ownersNonce].status;
        if (status == SwapStatus.None && ownersNonce <= $.lastAppliedNonce) return SwapStatus.Applied;
        return status;
    }

    /// @notice The decided owners and status of swap `ownersNonce` (zero owners and None while undecided).
    function getSwap(uint64 ownersNonce) external view returns (Swap memory) {
        return _storage().swaps[ownersNonce];
    }

    /// @notice The swap hash `signer` confirmed for `ownersNonce` (zero when none).
    function confirmedSwap(uint64 ownersNonce, address signer) external view returns (bytes32) {
        return _storage().confirmedSwap[ownersNonce][signer];
    }

    /// @notice How many signers of the bridge's current set confirmed exactly this swap.
    function confirmations(uint64 ownersNonce, address oldOwner, address newOwner) external view returns (uint256) {
        NodeOwnerSyncStorage storage $ = _storage();
        return _confirmations($.signerSource, ownersNonce, swapHash(ownersNonce, oldOwner, newOwner));
    }

    /// @notice The last swap applied or failed (swaps are applied in nonce order; the next due is this + 1).
    function lastAppliedNonce() external view returns (uint64) {
        return _storage().lastAppliedNonce;
    }

    /// @notice The validator set the swaps are applied to.
    function validatorSet() external view returns (ValidatorSet) {
        return _storage().validatorSet;
    }

    /// @notice The bridge whose current signer set and threshold confirm swaps.
    function signerSource() external view returns (BridgeBase) {
        return _storage().signerSource;
    }

    // ---------------------------------------------------------------- internals

    function _storage() private pure returns (NodeOwnerSyncStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @dev Current signers that confirmed `hash` for `ownersNonce` (the set has at most MAX_SIGNERS members).
    function _confirmations(BridgeBase source, uint64 ownersNonce, bytes32 hash) private view returns (uint256 count) {
        mapping(address signer => bytes32) storage confirmed = _storage().confirmedSwap[ownersNonce];
        address[] memory current = source.signers();
        for (uint256 i = 0; i < current.length; ++i) if (confirmed[current[i]] == hash) ++count;
    }

    /// @dev Applies the decided swaps due, in nonce order, up to MAX_APPLIED_PER_CALL.
    function _applyDue() private {
        NodeOwnerSyncStorage storage $ = _storage();
        for (uint256 i = 0; i < MAX_APPLIED_PER_CALL; ++i) {
            uint64 nonce = $.lastAppliedNonce + 1;
            Swap storage swap = $.swaps[nonce];
            if (swap.status != SwapStatus.Decided) return;
            _apply(nonce, swap);
        }
    }

    function _apply(uint64 nonce, Swap storage swap) private {
        NodeOwnerSyncStorage storage $ = _storage();
        (address oldOwner, address newOwner) = (swap.oldOwner, swap.newOwner);
        ValidatorSet vs = $.validatorSet;
        $.lastAppliedNonce = nonce;
        swap.status = SwapStatus.Applied; // set before the call; a refusal below turns it into Failed
        uint256 effective = vs.nextEpochStartBlock();
        uint256 gasBefore = gasleft();
        // audit-ignore: reentrancy the callee is this chain's ValidatorSet (fixed at initialisation), which calls no one
        try vs.swapValidator(oldOwner, newOwner) {
            emit NodeOwnerSwapApplied(nonce, oldOwner, newOwner, effective);
        } catch (bytes memory reason) {
            // A call starved of gas leaves what the 63/64 rule kept back: 1/64 here plus 1/64 in the proxy, about 1/32.
            // That is the caller's too-low gas limit, not the validator set's refusal (gas estimation would otherwise
            // settle on it), so it reverts; a refusal uses far less than 15/16 of the gas.
            if (gasleft() < gasBefore / 16) revert NodeOwnerSyncOutOfGas(gasBefore);
            swap.status = SwapStatus.Failed;
            emit NodeOwnerSwapFailed(nonce, oldOwner, newOwner, reason);
        }
    }
}
