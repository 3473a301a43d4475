// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemContract} from "../utils/SystemContract.sol";
import {DexPair} from "./DexPair.sol";
import {IDexFactory} from "./interfaces/IDexFactory.sol";
import {IDexListingRegistry} from "./interfaces/IDexListingRegistry.sol";

/**
 * @title DexFactory
 * @notice Creates the DEX's constant-product pairs (CREATE2, salt = keccak256(token0, token1), the same init
 * code for every pair) for tokens listed in the listing registry, and holds the parameters governance sets:
 * the swap fee (basis points, 0..`MAX_SWAP_FEE_BPS`) that pairs adopt, and the protocol-fee recipient.
 *
 * Pause (council or governance) stops new pairs and new liquidity; removing liquidity and swaps go on.
 */
contract DexFactory is SystemContract, IDexFactory {
    /// @notice Highest swap fee governance may set: 1 %.
    uint16 public constant MAX_SWAP_FEE_BPS = 100;

    /// @custom:storage-location erc7201:luniverse.storage.DexFactory
    struct DexFactoryStorage {
        IDexListingRegistry listingRegistry;
        uint16 swapFeeBps;
        address feeTo;
        mapping(address tokenA => mapping(address tokenB => address pair)) pairs;
        address[] allPairs;
        // tokens of the pair being created, for its constructor; set and cleared within createPair
        address pendingToken0;
        address pendingToken1;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.DexFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xe84114327856cd7cd002470261dce2b3ba319190aae9b28e99a520e74f64af00;

    event SwapFeeChanged(uint16 previousFeeBps, uint16 newFeeBps);
    event FeeToChanged(address indexed previousFeeTo, address indexed newFeeTo);
    event ListingRegistryChanged(address indexed previousRegistry, address indexed newRegistry);

    /// @dev Both tokens of a pair are `token`.
    error DexFactoryIdenticalTokens(address token);
    /// @dev `token` is not listed in the listing registry.
    error DexFactoryTokenNotListed(address token);
    /// @dev The pair of `token0`/`token1` exists at `pair`.
    error DexFactoryPairExists(address token0, address token1, address pair);
    /// @dev A swap fee above `MAX_SWAP_FEE_BPS`.
    error DexFactorySwapFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises with its admin (the governance timelock, or the deployer until handover), the
     * listing registry and the swap fee.
     */
    function initialize(address admin, address listingRegistry_, uint16 swapFeeBps_) external initializer {
        __SystemContract_init(admin);
        if (listingRegistry_ == address(0)) revert SystemContractZeroAddress("listingRegistry");
        if (swapFeeBps_ > MAX_SWAP_FEE_BPS) revert DexFactorySwapFeeTooHigh(swapFeeBps_, MAX_SWAP_FEE_BPS);
        DexFactoryStorage storage $ = _storage();
        $.listingRegistry = IDexListingRegistry(listingRegistry_);
        $.swapFeeBps = swapFeeBps_;
        emit ListingRegistryChanged(address(0), listingRegistry_);
        emit SwapFeeChanged(0, swapFeeBps_);
    }

    /**
     * @notice Creates the pair of `tokenA` and `tokenB` at its CREATE2 address.
     * Requirements: not paused; distinct, non-zero tokens, both listed; no pair of them yet.
     * Emits {PairCreated}.
     */
    function createPair(address tokenA, address tokenB) external whenNotPaused returns (address pair) {
        if (tokenA == tokenB) revert DexFactoryIdenticalTokens(tokenA);
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        if (token0 == address(0)) revert SystemContractZeroAddress("token");
        DexFactoryStorage storage $ = _storage();
        address existing = $.pairs[token0][token1];
        if (existing != address(0)) revert DexFactoryPairExists(token0, token1, existing);
        IDexListingRegistry registry = $.listingRegistry;
        if (!registry.isListed(token0)) revert DexFactoryTokenNotListed(token0);
        if (!registry.isListed(token1)) revert DexFactoryTokenNotListed(token1);

        // gas: set and cleared in the same transaction, so most of the storage cost is refunded
        $.pendingToken0 = token0;
        $.pendingToken1 = token1;
        pair = address(new DexPair{salt: keccak256(abi.encodePacked(token0, token1))}());
        delete $.pendingToken0;
        delete $.pendingToken1;

        $.pairs[token0][token1] = pair;
        $.pairs[token1][token0] = pair;
        $.allPairs.push(pair);
        emit PairCreated(token0, token1, pair, $.allPairs.length);
    }

    /**
     * @notice Sets the swap fee pairs adopt on their next mint or burn, or when anyone calls
     * `DexPair.updateSwapFee` (the router prices each hop with the pair's own fee).
     * Requirements: `GOVERNANCE_ROLE`; `feeBps` at most `MAX_SWAP_FEE_BPS`. Emits {SwapFeeChanged}.
     */
    function setSwapFee(uint16 feeBps) external onlyRole(GOVERNANCE_ROLE) {
        if (feeBps > MAX_SWAP_FEE_BPS) revert DexFactorySwapFeeTooHigh(feeBps, MAX_SWAP_FEE_BPS);
        DexFactoryStorage storage $ = _storage();
        emit SwapFeeChanged($.swapFeeBps, feeBps);
        $.swapFeeBps = feeBps;
    }

    /**
     * @notice Turns the protocol fee on (1/6 of the growth of sqrt(k), minted as LP tokens to `feeTo` on the
     * next mint or burn of each pair) or off (`feeTo` zero).
     * Requirements: `GOVERNANCE_ROLE`. Emits {FeeToChanged}.
     */
    function setFeeTo(address feeTo_) external onlyRole(GOVERNANCE_ROLE) {
        DexFactoryStorage storage $ = _storage();
        emit FeeToChanged($.feeTo, feeTo_);
        $.feeTo = feeTo_;
    }

    /**
     * @notice Points the factory at another listing registry.
     * Requirements: `GOVERNANCE_ROLE`; `registry` not zero. Emits {ListingRegistryChanged}.
     */
    function setListingRegistry(address registry) external onlyRole(GOVERNANCE_ROLE) {
        if (registry == address(0)) revert SystemContractZeroAddress("listingRegistry");
        DexFactoryStorage storage $ = _storage();
        emit ListingRegistryChanged(address($.listingRegistry), registry);
        $.listingRegistry = IDexListingRegistry(registry);
    }

    /// @inheritdoc IDexFactory
    function pairParameters() external view returns (address token0, address token1, uint16 swapFeeBps_) {
        DexFactoryStorage storage $ = _storage();
        return ($.pendingToken0, $.pendingToken1, $.swapFeeBps);
    }

    /// @inheritdoc IDexFactory
    function feeConfig() external view returns (address feeTo_, uint16 swapFeeBps_) {
        DexFactoryStorage storage $ = _storage();
        return ($.feeTo, $.swapFeeBps);
    }

    /// @inheritdoc IDexFactory
    function liquidityConfig(
        address token0,
        address token1
    ) external view returns (address feeTo_, uint16 swapFeeBps_, bool open) {
        DexFactoryStorage storage $ = _storage();
        IDexListingRegistry registry = $.listingRegistry;
        open = !paused() && registry.isListed(token0) && registry.isListed(token1);
        return ($.feeTo, $.swapFeeBps, open);
    }

    /// @inheritdoc IDexFactory
    function swapFeeBps() external view returns (uint16) {
        return _storage().swapFeeBps;
    }

    /// @notice The protocol-fee recipient (zero: protocol fee off).
    function feeTo() external view returns (address) {
        return _storage().feeTo;
    }

    /// @notice The listing registry consulted for new pairs and new liquidity.
    function listingRegistry() external view returns (address) {
        return address(_storage().listingRegistry);
    }

    /// @inheritdoc IDexFactory
    function getPair(address tokenA, address tokenB) external view returns (address) {
        return _storage().pairs[tokenA][tokenB];
    }

    /// @notice The `index`-th pair created.
    function allPairs(uint256 index) external view returns (address) {
        return _storage().allPairs[index];
    }

    /// @notice Number of pairs created.
    function allPairsLength() external view returns (uint256) {
        return _storage().allPairs.length;
    }

    /// @inheritdoc IDexFactory
    function pairInitCodeHash() external pure returns (bytes32) {
        return keccak256(type(DexPair).creationCode);
    }

    function _storage() private pure returns (DexFactoryStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
