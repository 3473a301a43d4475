// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDexPair} from "./interfaces/IDexPair.sol";
import {IDexFactory} from "./interfaces/IDexFactory.sol";
import {IDexCallee} from "./interfaces/IDexCallee.sol";

/**
 * @title DexPair
 * @notice A constant-product pool of two tokens (x * y = k) and its LP token (ERC-20 with EIP-2612 permit),
 * after Uniswap V2's pair, rewritten for Solidity 0.8:
 * - the swap fee is a governance parameter of the factory (basis points, 0..100; default 30) that the pair
 *   caches and refreshes on every mint and burn, or when anyone calls {updateSwapFee};
 * - `MINIMUM_LIQUIDITY` LP tokens are locked at `LOCKED_LIQUIDITY_HOLDER` on the first mint;
 * - `price0CumulativeLast`/`price1CumulativeLast` accumulate UQ112x112 prices times seconds (TWAP oracles);
 * - with a protocol-fee recipient set in the factory, 1/6 of the growth of sqrt(k) is minted to it (kLast);
 * - new liquidity is refused while either token is delisted or the factory is paused; burning (removing
 *   liquidity), swapping, skim and sync never depend on the listing, so liquidity can always leave.
 *
 * Deployed only by the factory with CREATE2 and no constructor arguments (the constructor reads its tokens
 * from the factory), so every pair has the same init code and the router computes pair addresses offline.
 */
contract DexPair is ERC20, ERC20Permit, IDexPair {
    using SafeERC20 for IERC20;

    /// @notice LP tokens locked forever by the first mint, so the share price can never be driven to zero.
    uint256 public constant MINIMUM_LIQUIDITY = 1_000;
    /// @notice Holder of the locked minimum liquidity (ERC-20 here refuses mints to the zero address).
    address public constant LOCKED_LIQUIDITY_HOLDER = 0x000000000000000000000000000000000000dEaD;
    /// @notice Highest swap fee a pair applies (the factory enforces the same bound on governance).
    uint16 public constant MAX_SWAP_FEE_BPS = 100;
    uint256 private constant BPS = 10_000;

    address private immutable FACTORY;
    address private immutable TOKEN0;
    address private immutable TOKEN1;

    // Gas: one slot, read once and written once per swap.
    uint112 private _reserve0;
    uint112 private _reserve1;
    uint32 private _blockTimestampLast;

    /// @inheritdoc IDexPair
    uint256 public price0CumulativeLast;
    /// @inheritdoc IDexPair
    uint256 public price1CumulativeLast;

    // Gas: one slot; kLast = reserve0 * reserve1 < 2^224. Swaps read only the fee.
    uint224 private _kLast;
    uint16 private _swapFeeBps;

    bool private transient _locked;

    /// @dev Re-entered while a mint, burn, swap, skim, sync or fee update was running.
    error DexPairLocked();
    /// @dev The deposit would mint no LP tokens (first mint: sqrt(amount0 * amount1) must exceed MINIMUM_LIQUIDITY).
    error DexPairInsufficientLiquidityMinted(uint256 amount0, uint256 amount1);
    /// @dev Burning `liquidity` LP tokens would return nothing of one of the tokens.
    error DexPairInsufficientLiquidityBurned(uint256 liquidity);
    /// @dev A swap asked for no output.
    error DexPairInsufficientOutputAmount();
    /// @dev A swap asked for at least the whole reserve of a token.
    error DexPairInsufficientLiquidity(uint256 amount0Out, uint256 amount1Out, uint112 reserve0, uint112 reserve1);
    /// @dev Output sent to one of the pair's own tokens.
    error DexPairInvalidTo(address to);
    /// @dev Nothing was paid in for a swap.
    error DexPairInsufficientInputAmount();
    /// @dev The fee-adjusted balances' product fell below the reserves' product (both scaled by 10^8).
    error DexPairKInvariant(uint256 adjustedProduct, uint256 requiredProduct);
    /// @dev A balance exceeds the 112-bit reserve range.
    error DexPairOverflow(uint256 balance0, uint256 balance1);
    /// @dev New liquidity refused: a token is not listed (or was delisted), or the factory is paused.
    error DexPairLiquidityClosed(address token0, address token1);

    modifier lock() {
        if (_locked) revert DexPairLocked();
        _locked = true;
        _;
        _locked = false;
    }

    /// @dev Called by the factory's CREATE2; the tokens (sorted) and the swap fee come from the factory.
    constructor() ERC20("", "") ERC20Permit("Luniverse DEX LP") {
        FACTORY = msg.sender;
        (address t0, address t1, uint16 feeBps) = IDexFactory(msg.sender).pairParameters();
        TOKEN0 = t0;
        TOKEN1 = t1;
        _swapFeeBps = feeBps > MAX_SWAP_FEE_BPS ? MAX_SWAP_FEE_BPS : feeBps;
    }

    /// @notice Name of every pair's LP token (constant: not stored, so creating a pair stays cheap).
    function name() public pure override returns (string memory) {
        return "Luniverse DEX LP";
    }

    /// @notice Symbol of every pair's LP token.
    function symbol() public pure override returns (string memory) {
        return "LDEX-LP";
    }

    /// @inheritdoc IDexPair
    function factory() external view returns (address) {
        return FACTORY;
    }

    /// @inheritdoc IDexPair
    function token0() external view returns (address) {
        return TOKEN0;
    }

    /// @inheritdoc IDexPair
    function token1() external view returns (address) {
        return TOKEN1;
    }

    /// @notice Reserves as of the last update and the (32-bit) timestamp of that update.
    function getReserves() public view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast) {
        return (_reserve0, _reserve1, _blockTimestampLast);
    }

    /// @notice Reserves and the swap fee in one call: what a router needs to price a hop.
    function getReservesAndFee() external view returns (uint112 reserve0, uint112 reserve1, uint16 feeBps) {
        return (_reserve0, _reserve1, _swapFeeBps);
    }

    /// @notice The swap fee this pair charges, in basis points of the input.
    function swapFeeBps() external view returns (uint16) {
        return _swapFeeBps;
    }

    /// @notice reserve0 * reserve1 after the last liquidity event while the protocol fee was on (else 0).
    function kLast() external view returns (uint256) {
        return _kLast;
    }

    /**
     * @notice Mints LP tokens for the tokens sent to the pair since the last update (call it in the same
     * transaction as the transfers, as the router does).
     * Requirements: both tokens listed and the factory not paused; the deposit is worth at least one LP token
     * (on the first mint, sqrt(amount0 * amount1) > MINIMUM_LIQUIDITY); not re-entered.
     * Emits {Transfer} (LP mint; on the first mint also the locked minimum), {Sync}, {Mint}.
     */
    function mint(address to) external lock returns (uint256 liquidity) {
        (uint112 r0, uint112 r1, uint32 tsLast) = getReserves();
        (address feeTo, uint16 feeBps, bool open) = IDexFactory(FACTORY).liquidityConfig(TOKEN0, TOKEN1);
        if (!open) revert DexPairLiquidityClosed(TOKEN0, TOKEN1);
        _adoptFee(feeBps);
        uint256 balance0 = IERC20(TOKEN0).balanceOf(address(this));
        uint256 balance1 = IERC20(TOKEN1).balanceOf(address(this));
        _checkRange(balance0, balance1);
        uint256 amount0 = balance0 - r0;
        uint256 amount1 = balance1 - r1;

        bool feeOn = _mintFee(feeTo, r0, r1);
        uint256 supply = totalSupply(); // after _mintFee, which may mint
        if (supply == 0) {
            uint256 root = Math.sqrt(amount0 * amount1);
            if (root <= MINIMUM_LIQUIDITY) revert DexPairInsufficientLiquidityMinted(amount0, amount1);
            // cannot underflow: root > MINIMUM_LIQUIDITY
            unchecked {
                liquidity = root - MINIMUM_LIQUIDITY;
            }
            _mint(LOCKED_LIQUIDITY_HOLDER, MINIMUM_LIQUIDITY);
        } else {
            liquidity = Math.min((amount0 * supply) / r0, (amount1 * supply) / r1);
        }
        if (liquidity == 0) revert DexPairInsufficientLiquidityMinted(amount0, amount1);
        _mint(to, liquidity);

        _update(balance0, balance1, r0, r1, tsLast);
        if (feeOn) _kLast = uint224(balance0 * balance1); // both < 2^112 (checked above)
        emit Mint(msg.sender, amount0, amount1);
    }

    /**
     * @notice Burns the LP tokens sent to the pair and sends `to` its share of both tokens. Works whatever the
     * listing status of the tokens and whether the factory is paused: liquidity can always leave.
     * Requirements: the burn returns a non-zero amount of each token; not re-entered.
     * Emits {Transfer} (LP burn and the two token transfers), {Sync}, {Burn}.
     */
    function burn(address to) external lock returns (uint256 amount0, uint256 amount1) {
        (uint112 r0, uint112 r1, uint32 tsLast) = getReserves();
        (address feeTo, uint16 feeBps) = IDexFactory(FACTORY).feeConfig();
        _adoptFee(feeBps);
        uint256 balance0 = IERC20(TOKEN0).balanceOf(address(this));
        uint256 balance1 = IERC20(TOKEN1).balanceOf(address(this));
        uint256 liquidity = balanceOf(address(this));

        bool feeOn = _mintFee(feeTo, r0, r1);
        uint256 supply = totalSupply(); // after _mintFee, which may mint
        amount0 = (liquidity * balance0) / supply; // pro rata on balances, not reserves
        amount1 = (liquidity * balance1) / supply;
        if (amount0 == 0 || amount1 == 0) revert DexPairInsufficientLiquidityBurned(liquidity);
        _burn(address(this), liquidity);
        IERC20(TOKEN0).safeTransfer(to, amount0);
        IERC20(TOKEN1).safeTransfer(to, amount1);

        balance0 = IERC20(TOKEN0).balanceOf(address(this));
        balance1 = IERC20(TOKEN1).balanceOf(address(this));
        _checkRange(balance0, balance1);
        _update(balance0, balance1, r0, r1, tsLast);
        if (feeOn) _kLast = uint224(balance0 * balance1); // both < 2^112 (checked above)
        emit Burn(msg.sender, amount0, amount1, to);
    }

    /**
     * @notice Sends `amount0Out`/`amount1Out` to `to` and checks that the tokens paid in, less the swap fee,
     * keep the product of the balances at or above the product of the reserves. With non-empty `data`,
     * calls `IDexCallee(to).dexCall` between the two (flash swap: `to` may pay within the callback).
     * Requirements: some output; each output below its reserve; `to` is not one of the pair's tokens;
     * some input; the fee-adjusted constant-product check holds; balances fit in 112 bits; not re-entered.
     * Emits {Transfer} (the outputs), {Sync}, {Swap}.
     */
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external lock {
        if (amount0Out == 0 && amount1Out == 0) revert DexPairInsufficientOutputAmount();
        (uint112 r0, uint112 r1, uint32 tsLast) = getReserves(); // gas: one SLOAD
        if (amount0Out >= r0 || amount1Out >= r1) revert DexPairInsufficientLiquidity(amount0Out, amount1Out, r0, r1);
        if (to == TOKEN0 || to == TOKEN1) revert DexPairInvalidTo(to);

        if (amount0Out > 0) IERC20(TOKEN0).safeTransfer(to, amount0Out); // optimistic transfers
        if (amount1Out > 0) IERC20(TOKEN1).safeTransfer(to, amount1Out);
        if (data.length > 0) IDexCallee(to).dexCall(msg.sender, amount0Out, amount1Out, data);
        (uint256 amount0In, uint256 amount1In) = _settleSwap(amount0Out, amount1Out, r0, r1, tsLast);
        emit Swap(msg.sender, amount0In, amount1In, amount0Out, amount1Out, to);
    }

    /// @dev Second half of {swap} (split off for the stack): measures the input, checks k, updates reserves.
    function _settleSwap(
        uint256 amount0Out,
        uint256 amount1Out,
        uint112 r0,
        uint112 r1,
        uint32 tsLast
    ) private returns (uint256 amount0In, uint256 amount1In) {
        uint256 balance0 = IERC20(TOKEN0).balanceOf(address(this));
        uint256 balance1 = IERC20(TOKEN1).balanceOf(address(this));
        _checkRange(balance0, balance1);
        // cannot underflow: amountXOut < rX (checked by swap), and the subtraction runs only when balanceX exceeds the rest
        unchecked {
            amount0In = balance0 > r0 - amount0Out ? balance0 - (r0 - amount0Out) : 0;
            amount1In = balance1 > r1 - amount1Out ? balance1 - (r1 - amount1Out) : 0;
        }
        if (amount0In == 0 && amount1In == 0) revert DexPairInsufficientInputAmount();
        uint256 feeBps = _swapFeeBps;
        uint256 adjusted;
        uint256 required;
        // cannot overflow: balances and reserves < 2^112 and feeBps <= 100, so every product < 2^253;
        // cannot underflow: amountXIn <= balanceX and feeBps < BPS
        unchecked {
            adjusted = (balance0 * BPS - amount0In * feeBps) * (balance1 * BPS - amount1In * feeBps);
            required = uint256(r0) * r1 * (BPS * BPS);
        }
        if (adjusted < required) revert DexPairKInvariant(adjusted, required);
        _update(balance0, balance1, r0, r1, tsLast);
    }

    /**
     * @notice Sends `to` whatever the pair holds above its reserves (tokens sent by mistake, or a rebase).
     * Requirements: not re-entered. Emits {Transfer} of each token (possibly of zero).
     */
    function skim(address to) external lock {
        IERC20(TOKEN0).safeTransfer(to, IERC20(TOKEN0).balanceOf(address(this)) - _reserve0);
        IERC20(TOKEN1).safeTransfer(to, IERC20(TOKEN1).balanceOf(address(this)) - _reserve1);
    }

    /**
     * @notice Sets the reserves to the balances (e.g. after a donation or a deflationary token's burn).
     * Requirements: balances fit in 112 bits; not re-entered. Emits {Sync}.
     */
    function sync() external lock {
        uint256 balance0 = IERC20(TOKEN0).balanceOf(address(this));
        uint256 balance1 = IERC20(TOKEN1).balanceOf(address(this));
        _checkRange(balance0, balance1);
        _update(balance0, balance1, _reserve0, _reserve1, _blockTimestampLast);
    }

    /**
     * @notice Adopts the factory's current swap fee (after governance changed it). Anyone may call it; mint
     * and burn do it as well.
     * Requirements: not re-entered. Emits {SwapFeeUpdated} when the fee changes.
     */
    function updateSwapFee() external lock {
        _adoptFee(IDexFactory(FACTORY).swapFeeBps());
    }

    /// @dev Clamps rather than reverts (burn must always work); the k check's unchecked arithmetic needs fee <= 100.
    function _adoptFee(uint16 feeBps) private {
        if (feeBps > MAX_SWAP_FEE_BPS) feeBps = MAX_SWAP_FEE_BPS;
        uint16 current = _swapFeeBps;
        if (feeBps != current) {
            _swapFeeBps = feeBps;
            emit SwapFeeUpdated(current, feeBps);
        }
    }

    function _checkRange(uint256 balance0, uint256 balance1) private pure {
        if (balance0 > type(uint112).max || balance1 > type(uint112).max) revert DexPairOverflow(balance0, balance1);
    }

    /// @dev Stores the new reserves and, on the first update of a block with both reserves non-zero, adds the
    /// old prices times the seconds elapsed to the accumulators. Balances are range-checked by the caller.
    function _update(uint256 balance0, uint256 balance1, uint112 r0, uint112 r1, uint32 tsLast) private {
        // The 32-bit timestamp wraps in 2106; elapsed time is computed modulo 2^32, as in Uniswap V2.
        // solhint-disable-next-line not-rely-on-time
        uint32 ts = uint32(block.timestamp);
        // wrapping is intended: the timestamp difference is taken modulo 2^32 and the accumulators modulo
        // 2^256 (oracles subtract two readings); a UQ112x112 price times a 32-bit time fits in 256 bits
        unchecked {
            uint32 elapsed = ts - tsLast;
            if (elapsed > 0 && r0 != 0 && r1 != 0) {
                price0CumulativeLast += ((uint256(r1) << 112) / r0) * elapsed;
                price1CumulativeLast += ((uint256(r0) << 112) / r1) * elapsed;
            }
        }
        _reserve0 = uint112(balance0);
        _reserve1 = uint112(balance1);
        _blockTimestampLast = ts;
        emit Sync(uint112(balance0), uint112(balance1));
    }

    /// @dev Protocol fee: mints to `feeTo` the LP share worth 1/6 of the growth of sqrt(k) since `kLast`.
    function _mintFee(address feeTo, uint112 r0, uint112 r1) private returns (bool feeOn) {
        feeOn = feeTo != address(0);
        uint256 k = _kLast;
        if (feeOn) {
            if (k != 0) {
                uint256 rootK = Math.sqrt(uint256(r0) * r1);
                uint256 rootKLast = Math.sqrt(k);
                if (rootK > rootKLast) {
                    uint256 liquidity = (totalSupply() * (rootK - rootKLast)) / (rootK * 5 + rootKLast);
                    if (liquidity > 0) _mint(feeTo, liquidity);
                }
            }
        } else if (k != 0) {
            _kLast = 0;
        }
    }
}
