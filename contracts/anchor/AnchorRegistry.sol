// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {IProductChainRegistry} from "../interfaces/IProductChainRegistry.sol";

/**
 * @title AnchorRegistry
 * @notice Anchors of a child chain's blocks on its parent chain (two-phase anchoring: product chain → main
 * chain, main chain → Ethereum). Governance registers a child chain with the block its anchoring starts at
 * and authorises its anchorers. An anchorer submits, for the child, the next contiguous block range
 * `[start, end]` (`start` is the previous range's `end + 1`) and the Merkle root of the range's block leaves.
 * Anyone then proves that a block is inside an anchored range with {verifyBlock}.
 *
 * Leaf of block `n`: `keccak256(bytes.concat(keccak256(abi.encode(n, blockHash, stateRoot, receiptsRoot))))`,
 * hashed twice as in OpenZeppelin's StandardMerkleTree so that no leaf can be confused with an inner node
 * (the 64-byte second-preimage warning of {MerkleProof}). Inner nodes hash their children as a sorted pair,
 * so proofs verify with {MerkleProof-verify}.
 *
 * On the main chain the registry points at the product-chain registry ({setChainRegistry}): a child that is a product
 * chain anchors only while governance has not suspended or retired it there. A child the product-chain registry does
 * not know (status None: the signer's audit log, or the main chain itself in a registry on Ethereum) is not affected.
 */
contract AnchorRegistry is SystemContract {
    /// @notice Longest range one anchor may cover, in blocks (keeps proof generation off chain bounded).
    uint64 public constant MAX_RANGE_LENGTH = 65_536;

    /// @notice One anchored range; its start is the previous range's end + 1 (or the child's start block).
    struct Range {
        bytes32 root;
        uint64 end;
        address anchorer;
    }

    /// @notice What the registry knows of one child chain.
    struct Child {
        bool registered;
        uint64 startBlock; // first block ever anchored
        uint64 nextStart; // start the next range must have
        uint32 anchorers; // number of authorised anchorers
        Range[] ranges; // in block order: ends strictly increasing, searched by binary search
        mapping(address account => bool) isAnchorer;
    }

    /// @custom:storage-location erc7201:luniverse.storage.AnchorRegistry
    struct AnchorRegistryStorage {
        mapping(uint256 chainId => Child) children;
        uint256[] childIds;
        IProductChainRegistry chainRegistry; // zero: no status check (e.g. the phase-2 registry on Ethereum)
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.AnchorRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xbfd1752f4315d979bad814815fba2f706eecf43e077aa7e1014af696b3a56400;

    /// @notice Governance registered child chain `chainId`; its first range starts at `startBlock`.
    event ChildRegistered(uint256 indexed chainId, uint64 startBlock);
    /// @notice Governance authorised (`allowed`) or removed an anchorer of `chainId`.
    event AnchorerSet(uint256 indexed chainId, address indexed anchorer, bool allowed);
    /// @notice Governance pointed the registry at product-chain registry `newRegistry` (zero: no status check).
    event ChainRegistryChanged(address indexed previousRegistry, address indexed newRegistry);
    /// @notice Range number `index` of `chainId`, blocks `start..end`, was anchored with Merkle root `root`.
    event RangeAnchored(
        uint256 indexed chainId,
        uint256 indexed index,
        uint64 start,
        uint64 end,
        bytes32 root,
        address indexed anchorer
    );

    /// @dev Chain id 0 is not a chain.
    error AnchorRegistryInvalidChainId(uint256 chainId);
    /// @dev The child chain is registered already.
    error AnchorRegistryChildExists(uint256 chainId);
    /// @dev The child chain is not registered.
    error AnchorRegistryUnknownChild(uint256 chainId);
    /// @dev `account` is not an authorised anchorer of `chainId`.
    error AnchorRegistryNotAnchorer(uint256 chainId, address account);
    /// @dev The range does not start where the previous one ended (+1): `expectedStart` is the only valid start.
    error AnchorRegistryNonContiguous(uint256 chainId, uint64 expectedStart, uint64 start);
    /// @dev `end` is before `start`, or the range is longer than {MAX_RANGE_LENGTH}.
    error AnchorRegistryInvalidRange(uint64 start, uint64 end);
    /// @dev A zero Merkle root anchors nothing.
    error AnchorRegistryZeroRoot();
    /// @dev There is no range number `index` for `chainId`.
    error AnchorRegistryUnknownRange(uint256 chainId, uint256 index);
    /// @dev Governance suspended or retired product chain `chainId` in the product-chain registry: it anchors no more.
    error AnchorRegistryChainNotActive(uint256 chainId, IProductChainRegistry.Status status);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with its admin (the governance timelock, or the deployer until handover).
    function initialize(address admin) external initializer {
        __SystemContract_init(admin);
    }

    // ---------------------------------------------------------------- governance

    /**
     * @notice Registers child chain `chainId`; its first anchored range must start at `startBlock`.
     * Requirements: `GOVERNANCE_ROLE`; `chainId` not zero and not registered. Emits {ChildRegistered}.
     */
    function registerChild(uint256 chainId, uint64 startBlock) external onlyRole(GOVERNANCE_ROLE) {
        if (chainId == 0) revert AnchorRegistryInvalidChainId(chainId);
        AnchorRegistryStorage storage $ = _storage();
        Child storage c = $.children[chainId];
        if (c.registered) revert AnchorRegistryChildExists(chainId);
        c.registered = true;
        c.startBlock = startBlock;
        c.nextStart = startBlock;
        $.childIds.push(chainId);
        emit ChildRegistered(chainId, startBlock);
    }

    /**
     * @notice Authorises (`allowed` true) or removes (false) `anchorer` for child chain `chainId`.
     * Setting the current value again changes nothing and emits nothing.
     * Requirements: `GOVERNANCE_ROLE`; child registered; `anchorer` not zero. Emits {AnchorerSet}.
     */
    function setAnchorer(uint256 chainId, address anchorer, bool allowed) external onlyRole(GOVERNANCE_ROLE) {
        if (anchorer == address(0)) revert SystemContractZeroAddress("anchorer");
        Child storage c = _child(chainId);
        if (c.isAnchorer[anchorer] == allowed) return;
        c.isAnchorer[anchorer] = allowed;
        if (allowed) ++c.anchorers;
        else --c.anchorers;
        emit AnchorerSet(chainId, anchorer, allowed);
    }

    /**
     * @notice Points the registry at the product-chain registry whose chain statuses {anchor} obeys; zero turns the
     * check off.
     * Requirements: `GOVERNANCE_ROLE`. Emits {ChainRegistryChanged}.
     */
    function setChainRegistry(address registry) external onlyRole(GOVERNANCE_ROLE) {
        AnchorRegistryStorage storage $ = _storage();
        emit ChainRegistryChanged(address($.chainRegistry), registry);
        $.chainRegistry = IProductChainRegistry(registry);
    }

    // ---------------------------------------------------------------- anchoring

    /**
     * @notice Anchors blocks `start..end` of child chain `chainId` with the Merkle root of their leaves.
     * Requirements: not paused; child registered; caller an authorised anchorer of the child; the child not
     * Suspended or Retired in the product-chain registry (when one is set); `start` equal to {nextStart};
     * `start <= end` and at most {MAX_RANGE_LENGTH} blocks; `root` not zero.
     * Emits {RangeAnchored}.
     */
    function anchor(uint256 chainId, uint64 start, uint64 end, bytes32 root) external whenNotPaused {
        Child storage c = _child(chainId);
        if (!c.isAnchorer[msg.sender]) revert AnchorRegistryNotAnchorer(chainId, msg.sender);
        // A view call to a system contract governance set: the status it reports is the rule, read before any effect.
        // Gas: about 10k per anchor when set (a call through the registry's UUPS proxy), one storage read when not.
        IProductChainRegistry registry = _storage().chainRegistry;
        if (address(registry) != address(0)) {
            IProductChainRegistry.Status status = registry.chainStatus(chainId);
            if (status == IProductChainRegistry.Status.Suspended || status == IProductChainRegistry.Status.Retired) {
                revert AnchorRegistryChainNotActive(chainId, status);
            }
        }
        if (start != c.nextStart) revert AnchorRegistryNonContiguous(chainId, c.nextStart, start);
        if (end < start || end - start >= MAX_RANGE_LENGTH) revert AnchorRegistryInvalidRange(start, end);
        if (root == bytes32(0)) revert AnchorRegistryZeroRoot();
        uint256 index = c.ranges.length;
        // Gas: a range is two storage slots (root; end packed with the anchorer), paid once per anchor.
        c.ranges.push(Range({root: root, end: end, anchorer: msg.sender}));
        c.nextStart = end + 1; // checked: a range ending at 2^64 - 1 reverts (no child chain gets there)
        emit RangeAnchored(chainId, index, start, end, root, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /**
     * @notice Whether block `number` of child chain `chainId`, with these hash, state root and receipts root,
     * is inside an anchored range: `proof` leads from its leaf to the range's root (sorted-pair hashing).
     * False for an unknown child or a block not yet anchored.
     */
    function verifyBlock(
        uint256 chainId,
        uint64 number,
        bytes32 blockHash,
        bytes32 stateRoot,
        bytes32 receiptsRoot,
        bytes32[] calldata proof
    ) external view returns (bool) {
        (bool found, uint256 index) = _find(_storage().children[chainId], number);
        if (!found) return false;
        bytes32 root = _storage().children[chainId].ranges[index].root;
        return MerkleProof.verifyCalldata(proof, root, leafHash(number, blockHash, stateRoot, receiptsRoot));
    }

    /// @notice The leaf of a block (hashed twice, as OpenZeppelin's StandardMerkleTree does).
    function leafHash(uint64 number, bytes32 blockHash, bytes32 stateRoot, bytes32 receiptsRoot) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(number, blockHash, stateRoot, receiptsRoot))));
    }

    /**
     * @notice The anchored range that contains block `number` of `chainId` (O(log n) binary search).
     * @return found whether one does; when false the other values are zero
     * @return index the range's number
     * @return start its first block
     * @return end its last block
     * @return root its Merkle root
     */
    function rangeOf(
        uint256 chainId,
        uint64 number
    ) external view returns (bool found, uint256 index, uint64 start, uint64 end, bytes32 root) {
        Child storage c = _storage().children[chainId];
        (found, index) = _find(c, number);
        if (!found) return (false, 0, 0, 0, bytes32(0));
        (start, end, root) = _bounds(c, index);
    }

    /**
     * @notice Range number `index` of `chainId`: its blocks, root and anchorer.
     * Requirements: the range exists.
     */
    function getRange(
        uint256 chainId,
        uint256 index
    ) external view returns (uint64 start, uint64 end, bytes32 root, address anchorer) {
        Child storage c = _storage().children[chainId];
        if (index >= c.ranges.length) revert AnchorRegistryUnknownRange(chainId, index);
        (start, end, root) = _bounds(c, index);
        anchorer = c.ranges[index].anchorer;
    }

    /// @notice Number of ranges anchored for `chainId`.
    function rangeCount(uint256 chainId) external view returns (uint256) {
        return _storage().children[chainId].ranges.length;
    }

    /// @notice Start the next range of `chainId` must have. Requirements: child registered.
    function nextStart(uint256 chainId) external view returns (uint64) {
        return _child(chainId).nextStart;
    }

    /**
     * @notice What is recorded about child `chainId`.
     * @return registered whether governance registered it
     * @return startBlock the first block anchoring covers
     * @return next the start the next range must have
     * @return ranges number of anchored ranges
     * @return anchorers number of authorised anchorers
     */
    function getChild(
        uint256 chainId
    ) external view returns (bool registered, uint64 startBlock, uint64 next, uint256 ranges, uint32 anchorers) {
        Child storage c = _storage().children[chainId];
        return (c.registered, c.startBlock, c.nextStart, c.ranges.length, c.anchorers);
    }

    /// @notice Whether `account` may anchor ranges of `chainId`.
    function isAnchorer(uint256 chainId, address account) external view returns (bool) {
        return _storage().children[chainId].isAnchorer[account];
    }

    /// @notice The product-chain registry {anchor} obeys (zero: none).
    function chainRegistry() external view returns (IProductChainRegistry) {
        return _storage().chainRegistry;
    }

    /// @notice Every registered child chain id, in registration order.
    function childIds() external view returns (uint256[] memory) {
        return _storage().childIds;
    }

    // ---------------------------------------------------------------- internals

    function _storage() private pure returns (AnchorRegistryStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    function _child(uint256 chainId) private view returns (Child storage c) {
        c = _storage().children[chainId];
        if (!c.registered) revert AnchorRegistryUnknownChild(chainId);
    }

    /// @dev First range whose end is at or after `number` (ends strictly increase), if it also starts at or before it.
    function _find(Child storage c, uint64 number) private view returns (bool found, uint256 index) {
        uint256 n = c.ranges.length;
        if (n == 0 || number < c.startBlock || number >= c.nextStart) return (false, 0);
        uint256 low = 0;
        uint256 high = n - 1; // ranges[n - 1].end == nextStart - 1 >= number: the answer is in [low, high]
        while (low < high) {
            uint256 mid = (low + high) / 2; // low + high < 2 * n: no overflow
            if (c.ranges[mid].end < number) low = mid + 1;
            else high = mid;
        }
        return (true, low);
    }

    function _bounds(Child storage c, uint256 index) private view returns (uint64 start, uint64 end, bytes32 root) {
        Range storage r = c.ranges[index];
        start = index == 0 ? c.startBlock : c.ranges[index - 1].end + 1;
        return (start, r.end, r.root);
    }
}
