// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemContract} from "../utils/SystemContract.sol";
import {IProductChainRegistry} from "../interfaces/IProductChainRegistry.sol";

/**
 * @title ProductChainRegistry
 * @notice Registry of product chains (side chains owned by DApps). A consortium partner (CP, a role
 * granted by governance) registers a chain with its id, name, product developer (PD), four invited
 * node owners and shard group. Node owners change by **swap voting**: when a majority (3 of 4) of the
 * chain's node owners vote for the same swap (old owner → new owner), it is applied. Governance can
 * suspend or retire a chain and force a swap. The anchor registry and the main bridge read a chain's status
 * ({chainStatus}): a suspended chain neither anchors nor bridges; a retired one anchors no more and takes no deposits,
 * but its withdrawals still settle.
 */
contract ProductChainRegistry is SystemContract, IProductChainRegistry {
    /// @notice Role of consortium partners, granted by governance.
    bytes32 public constant CP_ROLE = keccak256("CP_ROLE");
    /// @notice Node owners per product chain.
    uint256 public constant NODE_OWNERS = 4;
    /// @notice Votes needed to swap a node owner: a majority of the four.
    uint256 public constant SWAP_MAJORITY = 3;
    /// @notice Longest accepted chain name, in bytes.
    uint256 public constant MAX_NAME_LENGTH = 64;

    struct ProductChain {
        string name;
        address consortiumPartner;
        uint64 registeredAt; // block
        uint32 shardGroup;
        address productDeveloper;
        Status status;
        uint64 ownersNonce; // bumped on every swap, so votes for older owner lists do not count
        address[4] nodeOwners;
    }

    /// @custom:storage-location erc7201:luniverse.storage.ProductChainRegistry
    struct ProductChainRegistryStorage {
        mapping(uint256 chainId => ProductChain) chains;
        uint256[] chainIds;
        mapping(bytes32 swapId => uint256) swapVotes;
        mapping(bytes32 swapId => mapping(address owner => bool)) swapVoted;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.ProductChainRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x0330d5c926d2e970568eb3d517d3819396ea785c7b6863cbac8967d85d436600;

    event ChainRegistered(
        uint256 indexed chainId,
        string name,
        address indexed consortiumPartner,
        address indexed productDeveloper,
        address[4] nodeOwners,
        uint32 shardGroup
    );
    event ChainStatusChanged(uint256 indexed chainId, Status status);
    event SwapVoted(
        uint256 indexed chainId,
        bytes32 indexed swapId,
        address indexed voter,
        address oldOwner,
        address newOwner,
        uint256 votes
    );
    event NodeOwnerSwapped(uint256 indexed chainId, address indexed oldOwner, address indexed newOwner, uint64 ownersNonce);

    error ChainRegistryInvalidChainId(uint256 chainId);
    error ChainRegistryChainExists(uint256 chainId);
    error ChainRegistryUnknownChain(uint256 chainId);
    error ChainRegistryInvalidName();
    error ChainRegistryInvalidNodeOwners();
    error ChainRegistryNotNodeOwner(uint256 chainId, address account);
    error ChainRegistryInvalidSwap(uint256 chainId, address oldOwner, address newOwner);
    error ChainRegistryAlreadyVoted(bytes32 swapId, address voter);
    error ChainRegistryChainNotActive(uint256 chainId, Status status);
    error ChainRegistryInvalidStatus(Status status);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with its admin (the governance timelock, or the deployer until handover).
    function initialize(address admin) external initializer {
        __SystemContract_init(admin);
        _setRoleAdmin(CP_ROLE, GOVERNANCE_ROLE);
    }

    /**
     * @notice Registers product chain `chainId`.
     * Requirements: not paused; caller has `CP_ROLE`; `chainId` not zero, not the main chain's and unused;
     * name 1..64 bytes; `productDeveloper` not zero; four distinct non-zero node owners.
     * Emits {ChainRegistered}.
     */
    function registerChain(
        uint256 chainId,
        string calldata name,
        address productDeveloper,
        address[4] calldata owners,
        uint32 shardGroup
    ) external whenNotPaused onlyRole(CP_ROLE) {
        if (chainId == 0 || chainId == block.chainid) revert ChainRegistryInvalidChainId(chainId);
        ProductChainRegistryStorage storage $ = _storage();
        ProductChain storage c = $.chains[chainId];
        if (c.status != Status.None) revert ChainRegistryChainExists(chainId);
        if (bytes(name).length == 0 || bytes(name).length > MAX_NAME_LENGTH) revert ChainRegistryInvalidName();
        if (productDeveloper == address(0)) revert SystemContractZeroAddress("productDeveloper");
        for (uint256 i = 0; i < NODE_OWNERS; ++i) {
            if (owners[i] == address(0)) revert ChainRegistryInvalidNodeOwners();
            for (uint256 j = 0; j < i; ++j) if (owners[j] == owners[i]) revert ChainRegistryInvalidNodeOwners();
        }
        c.name = name;
        c.consortiumPartner = msg.sender;
        c.productDeveloper = productDeveloper;
        c.nodeOwners = owners;
        c.shardGroup = shardGroup;
        c.status = Status.Active;
        c.registeredAt = uint64(block.number);
        $.chainIds.push(chainId);
        emit ChainRegistered(chainId, name, msg.sender, productDeveloper, owners, shardGroup);
    }

    /**
     * @notice Votes, as a node owner of `chainId`, to replace `oldOwner` by `newOwner`. The third vote
     * for the same swap (under the same owner list) applies it.
     * Requirements: not paused; chain active; caller is a node owner; `oldOwner` is a node owner;
     * `newOwner` is not zero and not already a node owner; caller has not voted for this swap.
     * Emits {SwapVoted} and, on the deciding vote, {NodeOwnerSwapped}.
     */
    function voteSwap(uint256 chainId, address oldOwner, address newOwner) external whenNotPaused {
        ProductChainRegistryStorage storage $ = _storage();
        ProductChain storage c = _activeChain(chainId);
        if (_ownerIndex(c, msg.sender) == NODE_OWNERS) revert ChainRegistryNotNodeOwner(chainId, msg.sender);
        _checkSwap(chainId, c, oldOwner, newOwner);
        bytes32 id = swapId(chainId, oldOwner, newOwner);
        if ($.swapVoted[id][msg.sender]) revert ChainRegistryAlreadyVoted(id, msg.sender);
        $.swapVoted[id][msg.sender] = true;
        uint256 votes = ++$.swapVotes[id];
        emit SwapVoted(chainId, id, msg.sender, oldOwner, newOwner, votes);
        if (votes >= SWAP_MAJORITY) _swap(chainId, c, oldOwner, newOwner);
    }

    /**
     * @notice Replaces a node owner by governance decision (e.g. when owners cannot reach a majority).
     * Requirements: `GOVERNANCE_ROLE`; chain registered and not retired; valid swap. Emits {NodeOwnerSwapped}.
     */
    function forceSwap(uint256 chainId, address oldOwner, address newOwner) external onlyRole(GOVERNANCE_ROLE) {
        ProductChain storage c = _chain(chainId);
        if (c.status == Status.Retired) revert ChainRegistryChainNotActive(chainId, c.status);
        _checkSwap(chainId, c, oldOwner, newOwner);
        _swap(chainId, c, oldOwner, newOwner);
    }

    /**
     * @notice Sets the status of a chain (Active, Suspended or Retired; Retired is final). The anchor registry and the
     * main bridge that point at this registry follow it at once: Suspended stops the chain's anchors, deposits and
     * withdrawals until it is Active again; Retired stops its anchors and deposits while its withdrawals still settle.
     * Requirements: `GOVERNANCE_ROLE`; chain registered and not retired; status not None. Emits {ChainStatusChanged}.
     */
    function setChainStatus(uint256 chainId, Status status) external onlyRole(GOVERNANCE_ROLE) {
        ProductChain storage c = _chain(chainId);
        if (status == Status.None) revert ChainRegistryInvalidStatus(status);
        if (c.status == Status.Retired) revert ChainRegistryChainNotActive(chainId, c.status);
        c.status = status;
        emit ChainStatusChanged(chainId, status);
    }

    // ---------------------------------------------------------------- views

    /// @notice Id of the swap vote (old → new) under the chain's current owner list.
    function swapId(uint256 chainId, address oldOwner, address newOwner) public view returns (bytes32) {
        return keccak256(abi.encode(chainId, _storage().chains[chainId].ownersNonce, oldOwner, newOwner));
    }

    /// @notice Votes counted so far for swapping `oldOwner` by `newOwner` on `chainId`.
    function swapVotes(uint256 chainId, address oldOwner, address newOwner) external view returns (uint256) {
        return _storage().swapVotes[swapId(chainId, oldOwner, newOwner)];
    }

    /// @notice Everything recorded about chain `chainId` (status None when unknown).
    function getChain(uint256 chainId) external view returns (ProductChain memory) {
        return _storage().chains[chainId];
    }

    /// @inheritdoc IProductChainRegistry
    function chainStatus(uint256 chainId) external view returns (Status) {
        return _storage().chains[chainId].status;
    }

    /// @notice The node owners of `chainId`.
    function nodeOwners(uint256 chainId) external view returns (address[4] memory) {
        return _chain(chainId).nodeOwners;
    }

    /// @notice Whether `account` is a node owner of `chainId`.
    function isNodeOwner(uint256 chainId, address account) external view returns (bool) {
        if (account == address(0)) return false; // unregistered chains hold zero addresses
        return _ownerIndex(_storage().chains[chainId], account) < NODE_OWNERS;
    }

    /// @notice Every registered chain id, in registration order.
    function chainIds() external view returns (uint256[] memory) {
        return _storage().chainIds;
    }

    // ---------------------------------------------------------------- internals

    function _storage() private pure returns (ProductChainRegistryStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    function _chain(uint256 chainId) private view returns (ProductChain storage c) {
        c = _storage().chains[chainId];
        if (c.status == Status.None) revert ChainRegistryUnknownChain(chainId);
    }

    function _activeChain(uint256 chainId) private view returns (ProductChain storage c) {
        c = _chain(chainId);
        if (c.status != Status.Active) revert ChainRegistryChainNotActive(chainId, c.status);
    }

    function _ownerIndex(ProductChain storage c, address account) private view returns (uint256 i) {
        for (i = 0; i < NODE_OWNERS; ++i) if (c.nodeOwners[i] == account) return i;
    }

    function _checkSwap(uint256 chainId, ProductChain storage c, address oldOwner, address newOwner) private view {
        if (
            _ownerIndex(c, oldOwner) == NODE_OWNERS ||
            newOwner == address(0) ||
            _ownerIndex(c, newOwner) < NODE_OWNERS
        ) revert ChainRegistryInvalidSwap(chainId, oldOwner, newOwner);
    }

    function _swap(uint256 chainId, ProductChain storage c, address oldOwner, address newOwner) private {
        c.nodeOwners[_ownerIndex(c, oldOwner)] = newOwner;
        uint64 nonce = ++c.ownersNonce;
        emit NodeOwnerSwapped(chainId, oldOwner, newOwner, nonce);
    }
}
