// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IDexFactory} from "./interfaces/IDexFactory.sol";
import {IDexPair} from "./interfaces/IDexPair.sol";
import {IWrappedNative} from "./interfaces/IWrappedNative.sol";

/**
 * @title DexRouter
 * @notice The user's entry to the DEX, after Uniswap V2's Router02: add and remove liquidity (also with
 * EIP-2612 permits, also against the native coin), and swaps exact-in and exact-out over multi-hop paths with
 * deadline and slippage bounds, including the variants for fee-on-transfer (deflationary) tokens, which price
 * each hop on what the pair actually received.
 *
 * Stateless: holds tokens only within a call. Pair addresses are computed offline (CREATE2 with the factory's
 * pair init-code hash, read once at construction); each hop is priced with the pair's own swap fee.
 */
contract DexRouter {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;

    /// @notice The DEX factory.
    address public immutable FACTORY;
    /// @notice The wrapped native coin (WETH-like).
    address public immutable WETH;
    /// @notice The factory's pair init-code hash, for offline pair addresses.
    bytes32 public immutable PAIR_INIT_CODE_HASH;

    /// @notice An EIP-2612 permit signed by the caller for this router. `deadline` 0 means "no permit".
    struct PermitSignature {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice Arguments of {addLiquidityWithPermit}, as those of {addLiquidity}.
    struct AddLiquidityParams {
        address tokenA;
        address tokenB;
        uint256 amountADesired;
        uint256 amountBDesired;
        uint256 amountAMin;
        uint256 amountBMin;
        address to;
        uint256 deadline;
    }

    /// @dev The transaction was mined after `deadline` (`timestamp` is the block's).
    error DexRouterExpired(uint256 deadline, uint256 timestamp);
    /// @dev The swap would return `amountOut`, less than the caller's minimum.
    error DexRouterInsufficientOutputAmount(uint256 amountOut, uint256 amountOutMin);
    /// @dev The swap would take `amountIn`, more than the caller's maximum (or than the native coin sent).
    error DexRouterExcessiveInputAmount(uint256 amountIn, uint256 amountInMax);
    /// @dev Liquidity would take or return `amountA` of token A, less than the caller's minimum.
    error DexRouterInsufficientAAmount(uint256 amountA, uint256 amountAMin);
    /// @dev Liquidity would take or return `amountB` of token B, less than the caller's minimum.
    error DexRouterInsufficientBAmount(uint256 amountB, uint256 amountBMin);
    /// @dev A swap path of fewer than two tokens.
    error DexRouterInvalidPath(uint256 length);
    /// @dev A native-coin swap whose path does not start (or end) with the wrapped native coin.
    error DexRouterPathNotNative(address token, address wrappedNative);
    /// @dev Two identical tokens where a pair needs two different ones.
    error DexRouterIdenticalTokens(address token);
    /// @dev A zero address for `what`.
    error DexRouterZeroAddress(string what);
    /// @dev No pair of `tokenA`/`tokenB` exists.
    error DexRouterPairNotFound(address tokenA, address tokenB);
    /// @dev An empty pool, or an exact output of at least the whole reserve.
    error DexRouterInsufficientLiquidity(uint256 reserveIn, uint256 reserveOut);
    /// @dev A zero amount to price.
    error DexRouterZeroAmount();
    /// @dev A permit failed and the allowance it should have given is not there.
    error DexRouterPermitFailed(address token, address owner);
    /// @dev Native coin sent by someone other than the wrapped-native contract.
    error DexRouterNotWrappedNative(address sender);

    modifier ensure(uint256 deadline) {
        // solhint-disable-next-line not-rely-on-time
        if (deadline < block.timestamp) revert DexRouterExpired(deadline, block.timestamp);
        _;
    }

    constructor(address factory_, address wrappedNative_) {
        if (factory_ == address(0)) revert DexRouterZeroAddress("factory");
        if (wrappedNative_ == address(0)) revert DexRouterZeroAddress("wrappedNative");
        FACTORY = factory_;
        WETH = wrappedNative_;
        PAIR_INIT_CODE_HASH = IDexFactory(factory_).pairInitCodeHash();
    }

    /// @notice Accepts native coin only from the wrapped-native contract (unwrapping within a call).
    receive() external payable {
        if (msg.sender != WETH) revert DexRouterNotWrappedNative(msg.sender);
    }

    // ------------------------------------------------------------------ liquidity

    /**
     * @notice Deposits tokens A and B at the pool's ratio (creating the pair if needed) and mints LP tokens
     * to `to`. The first deposit sets the price; later ones take the most of the desired amounts that fits
     * the ratio.
     * Requirements: before `deadline`; the caller approved this router for both amounts; the amounts taken are
     * at least `amountAMin`/`amountBMin`; both tokens listed (to create the pair or mint).
     * Emits the pair's {Transfer}s, {Sync} and {Mint} (and the factory's {PairCreated} when it creates it).
     */
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        return _addLiquidityAndMint(tokenA, tokenB, amountADesired, amountBDesired, amountAMin, amountBMin, to);
    }

    /**
     * @notice {addLiquidity} with EIP-2612 permits of the two tokens instead of prior approvals (a permit with
     * `deadline` 0 is skipped: that token must be approved). A permit that fails because someone already
     * submitted it is ignored when the allowance is there.
     * Requirements: as {addLiquidity}; each permit works or its allowance exists.
     * Emits as {addLiquidity}, plus the tokens' {Approval}s.
     */
    function addLiquidityWithPermit(
        AddLiquidityParams calldata p,
        PermitSignature calldata permitA,
        PermitSignature calldata permitB
    ) external ensure(p.deadline) returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        if (permitA.deadline != 0) _permit(p.tokenA, permitA.value, permitA.deadline, permitA.v, permitA.r, permitA.s);
        if (permitB.deadline != 0) _permit(p.tokenB, permitB.value, permitB.deadline, permitB.v, permitB.r, permitB.s);
        return _addLiquidityAndMint(p.tokenA, p.tokenB, p.amountADesired, p.amountBDesired, p.amountAMin, p.amountBMin, p.to);
    }

    /**
     * @notice {addLiquidity} against the native coin: `msg.value` is the desired native amount; what the ratio
     * does not take is refunded.
     * Requirements: as {addLiquidity}, with `amountETHMin` for the native side.
     * Emits as {addLiquidity}, plus the wrapped native's {Deposit}.
     */
    function addLiquidityETH(
        address token,
        uint256 amountTokenDesired,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to,
        uint256 deadline
    ) external payable ensure(deadline) returns (uint256 amountToken, uint256 amountETH, uint256 liquidity) {
        return _addLiquidityETH(token, amountTokenDesired, amountTokenMin, amountETHMin, to);
    }

    /**
     * @notice {addLiquidityETH} with an EIP-2612 permit of the token (as in {addLiquidityWithPermit}).
     * Requirements: as {addLiquidityETH}; the permit works or its allowance exists.
     * Emits as {addLiquidityETH}, plus the token's {Approval}.
     */
    function addLiquidityETHWithPermit(
        address token,
        uint256 amountTokenDesired,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to,
        uint256 deadline,
        PermitSignature calldata permit
    ) external payable ensure(deadline) returns (uint256 amountToken, uint256 amountETH, uint256 liquidity) {
        _permit(token, permit.value, permit.deadline, permit.v, permit.r, permit.s);
        return _addLiquidityETH(token, amountTokenDesired, amountTokenMin, amountETHMin, to);
    }

    /**
     * @notice Burns `liquidity` LP tokens of the caller and sends both tokens to `to`. Works for delisted
     * tokens and while the factory is paused: liquidity can always leave.
     * Requirements: before `deadline`; the pair exists; the caller approved this router for the LP tokens;
     * the amounts returned are at least `amountAMin`/`amountBMin`.
     * Emits the pair's {Transfer}s, {Sync} and {Burn}.
     */
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) public ensure(deadline) returns (uint256 amountA, uint256 amountB) {
        address pair = _existingPair(tokenA, tokenB);
        IERC20(pair).safeTransferFrom(msg.sender, pair, liquidity);
        (uint256 amount0, uint256 amount1) = IDexPair(pair).burn(to);
        (amountA, amountB) = tokenA < tokenB ? (amount0, amount1) : (amount1, amount0);
        if (amountA < amountAMin) revert DexRouterInsufficientAAmount(amountA, amountAMin);
        if (amountB < amountBMin) revert DexRouterInsufficientBAmount(amountB, amountBMin);
    }

    /**
     * @notice {removeLiquidity} of a token/native pair, paying the native side as native coin.
     * Requirements: as {removeLiquidity}; `to` accepts native coin.
     * Emits as {removeLiquidity}, plus the wrapped native's {Withdrawal}.
     */
    function removeLiquidityETH(
        address token,
        uint256 liquidity,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to,
        uint256 deadline
    ) public ensure(deadline) returns (uint256 amountToken, uint256 amountETH) {
        (amountToken, amountETH) = removeLiquidity(token, WETH, liquidity, amountTokenMin, amountETHMin, address(this), deadline);
        IERC20(token).safeTransfer(to, amountToken);
        _unwrapTo(to, amountETH);
    }

    /**
     * @notice {removeLiquidity} with an EIP-2612 permit of the LP tokens (for `liquidity`, or unlimited with
     * `approveMax`) instead of a prior approval.
     * Requirements: as {removeLiquidity}; the permit works or its allowance exists.
     * Emits as {removeLiquidity}, plus the LP token's {Approval}.
     */
    function removeLiquidityWithPermit(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline,
        bool approveMax,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 amountA, uint256 amountB) {
        _permitPair(tokenA, tokenB, approveMax ? type(uint256).max : liquidity, deadline, v, r, s);
        return removeLiquidity(tokenA, tokenB, liquidity, amountAMin, amountBMin, to, deadline);
    }

    /**
     * @notice {removeLiquidityETH} with an EIP-2612 permit of the LP tokens.
     * Requirements: as {removeLiquidityETH}; the permit works or its allowance exists.
     * Emits as {removeLiquidityETH}, plus the LP token's {Approval}.
     */
    function removeLiquidityETHWithPermit(
        address token,
        uint256 liquidity,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to,
        uint256 deadline,
        bool approveMax,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 amountToken, uint256 amountETH) {
        _permitPair(token, WETH, approveMax ? type(uint256).max : liquidity, deadline, v, r, s);
        return removeLiquidityETH(token, liquidity, amountTokenMin, amountETHMin, to, deadline);
    }

    /**
     * @notice {removeLiquidityETH} for fee-on-transfer tokens: forwards whatever token amount this router
     * actually received (the minimum applies to what the pair sent).
     * Requirements: as {removeLiquidityETH}.
     * Emits as {removeLiquidityETH}.
     */
    function removeLiquidityETHSupportingFeeOnTransferTokens(
        address token,
        uint256 liquidity,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to,
        uint256 deadline
    ) public ensure(deadline) returns (uint256 amountETH) {
        (, amountETH) = removeLiquidity(token, WETH, liquidity, amountTokenMin, amountETHMin, address(this), deadline);
        IERC20(token).safeTransfer(to, IERC20(token).balanceOf(address(this)));
        _unwrapTo(to, amountETH);
    }

    /**
     * @notice {removeLiquidityETHSupportingFeeOnTransferTokens} with an EIP-2612 permit of the LP tokens.
     * Requirements: as {removeLiquidityETHSupportingFeeOnTransferTokens}; the permit works or its allowance
     * exists.
     * Emits as {removeLiquidityETH}, plus the LP token's {Approval}.
     */
    function removeLiquidityETHWithPermitSupportingFeeOnTransferTokens(
        address token,
        uint256 liquidity,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to,
        uint256 deadline,
        bool approveMax,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 amountETH) {
        _permitPair(token, WETH, approveMax ? type(uint256).max : liquidity, deadline, v, r, s);
        return removeLiquidityETHSupportingFeeOnTransferTokens(token, liquidity, amountTokenMin, amountETHMin, to, deadline);
    }

    // ------------------------------------------------------------------ swaps

    /**
     * @notice Swaps exactly `amountIn` of `path[0]` for as much as possible of the last token of `path`,
     * hop by hop through the pairs of consecutive tokens, sent to `to`.
     * Requirements: before `deadline`; at least two tokens in `path`, each consecutive pair existing; the
     * caller approved this router for `amountIn`; the output is at least `amountOutMin`.
     * Emits each pair's {Transfer}s, {Sync} and {Swap}.
     */
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        amounts = getAmountsOut(amountIn, path);
        uint256 amountOut = amounts[amounts.length - 1];
        if (amountOut < amountOutMin) revert DexRouterInsufficientOutputAmount(amountOut, amountOutMin);
        IERC20(path[0]).safeTransferFrom(msg.sender, pairFor(path[0], path[1]), amountIn);
        _swap(amounts, path, to);
    }

    /**
     * @notice Swaps as little as possible of `path[0]` for exactly `amountOut` of the last token of `path`.
     * Requirements: before `deadline`; a valid path with existing pairs; the input needed is at most
     * `amountInMax` and approved.
     * Emits each pair's {Transfer}s, {Sync} and {Swap}.
     */
    function swapTokensForExactTokens(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        amounts = getAmountsIn(amountOut, path);
        if (amounts[0] > amountInMax) revert DexRouterExcessiveInputAmount(amounts[0], amountInMax);
        IERC20(path[0]).safeTransferFrom(msg.sender, pairFor(path[0], path[1]), amounts[0]);
        _swap(amounts, path, to);
    }

    /**
     * @notice Swaps exactly `msg.value` native coin (wrapped) for as much as possible of the last token.
     * Requirements: before `deadline`; `path[0]` is the wrapped native coin; valid path; output at least
     * `amountOutMin`.
     * Emits the wrapped native's {Deposit} and each pair's {Transfer}s, {Sync} and {Swap}.
     */
    function swapExactETHForTokens(
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external payable ensure(deadline) returns (uint256[] memory amounts) {
        _checkPath(path.length);
        _checkNative(path[0]);
        amounts = getAmountsOut(msg.value, path);
        uint256 amountOut = amounts[amounts.length - 1];
        if (amountOut < amountOutMin) revert DexRouterInsufficientOutputAmount(amountOut, amountOutMin);
        _wrapTo(pairFor(path[0], path[1]), msg.value);
        _swap(amounts, path, to);
    }

    /**
     * @notice Swaps as little as possible of `path[0]` for exactly `amountOut` native coin, sent to `to`.
     * Requirements: before `deadline`; the last token of `path` is the wrapped native coin; valid path; input
     * at most `amountInMax` and approved; `to` accepts native coin.
     * Emits each pair's {Transfer}s, {Sync} and {Swap} and the wrapped native's {Withdrawal}.
     */
    function swapTokensForExactETH(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        _checkPath(path.length);
        _checkNative(path[path.length - 1]);
        amounts = getAmountsIn(amountOut, path);
        if (amounts[0] > amountInMax) revert DexRouterExcessiveInputAmount(amounts[0], amountInMax);
        IERC20(path[0]).safeTransferFrom(msg.sender, pairFor(path[0], path[1]), amounts[0]);
        _swap(amounts, path, address(this));
        _unwrapTo(to, amountOut);
    }

    /**
     * @notice Swaps exactly `amountIn` of `path[0]` for as much native coin as possible, sent to `to`.
     * Requirements: before `deadline`; the last token of `path` is the wrapped native coin; valid path;
     * `amountIn` approved; output at least `amountOutMin`; `to` accepts native coin.
     * Emits each pair's {Transfer}s, {Sync} and {Swap} and the wrapped native's {Withdrawal}.
     */
    function swapExactTokensForETH(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        _checkPath(path.length);
        _checkNative(path[path.length - 1]);
        amounts = getAmountsOut(amountIn, path);
        uint256 amountOut = amounts[amounts.length - 1];
        if (amountOut < amountOutMin) revert DexRouterInsufficientOutputAmount(amountOut, amountOutMin);
        IERC20(path[0]).safeTransferFrom(msg.sender, pairFor(path[0], path[1]), amountIn);
        _swap(amounts, path, address(this));
        _unwrapTo(to, amountOut);
    }

    /**
     * @notice Swaps as little native coin as possible for exactly `amountOut` of the last token; refunds the
     * rest of `msg.value`.
     * Requirements: before `deadline`; `path[0]` is the wrapped native coin; valid path; the input needed is
     * at most `msg.value`.
     * Emits the wrapped native's {Deposit} and each pair's {Transfer}s, {Sync} and {Swap}.
     */
    function swapETHForExactTokens(
        uint256 amountOut,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external payable ensure(deadline) returns (uint256[] memory amounts) {
        _checkPath(path.length);
        _checkNative(path[0]);
        amounts = getAmountsIn(amountOut, path);
        if (amounts[0] > msg.value) revert DexRouterExcessiveInputAmount(amounts[0], msg.value);
        _wrapTo(pairFor(path[0], path[1]), amounts[0]);
        _swap(amounts, path, to);
        if (msg.value > amounts[0]) Address.sendValue(payable(msg.sender), msg.value - amounts[0]);
    }

    /**
     * @notice {swapExactTokensForTokens} for fee-on-transfer tokens: each hop is priced on what its pair
     * actually received, and the minimum applies to what `to` actually received.
     * Requirements: before `deadline`; valid path with existing pairs; `amountIn` approved; `to`'s balance of
     * the last token grows by at least `amountOutMin`.
     * Emits each pair's {Transfer}s, {Sync} and {Swap}.
     */
    function swapExactTokensForTokensSupportingFeeOnTransferTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) {
        _checkPath(path.length);
        IERC20(path[0]).safeTransferFrom(msg.sender, pairFor(path[0], path[1]), amountIn);
        IERC20 last = IERC20(path[path.length - 1]);
        uint256 before = last.balanceOf(to);
        _swapSupportingFeeOnTransferTokens(path, to);
        uint256 received = last.balanceOf(to) - before;
        if (received < amountOutMin) revert DexRouterInsufficientOutputAmount(received, amountOutMin);
    }

    /**
     * @notice {swapExactETHForTokens} for fee-on-transfer tokens (see
     * {swapExactTokensForTokensSupportingFeeOnTransferTokens}).
     * Requirements: before `deadline`; `path[0]` is the wrapped native coin; valid path; `to` receives at
     * least `amountOutMin`.
     * Emits the wrapped native's {Deposit} and each pair's {Transfer}s, {Sync} and {Swap}.
     */
    function swapExactETHForTokensSupportingFeeOnTransferTokens(
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external payable ensure(deadline) {
        _checkPath(path.length);
        _checkNative(path[0]);
        _wrapTo(pairFor(path[0], path[1]), msg.value);
        IERC20 last = IERC20(path[path.length - 1]);
        uint256 before = last.balanceOf(to);
        _swapSupportingFeeOnTransferTokens(path, to);
        uint256 received = last.balanceOf(to) - before;
        if (received < amountOutMin) revert DexRouterInsufficientOutputAmount(received, amountOutMin);
    }

    /**
     * @notice {swapExactTokensForETH} for fee-on-transfer tokens (see
     * {swapExactTokensForTokensSupportingFeeOnTransferTokens}).
     * Requirements: before `deadline`; the last token is the wrapped native coin; valid path; `amountIn`
     * approved; at least `amountOutMin` native coin out; `to` accepts native coin.
     * Emits each pair's {Transfer}s, {Sync} and {Swap} and the wrapped native's {Withdrawal}.
     */
    function swapExactTokensForETHSupportingFeeOnTransferTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) {
        _checkPath(path.length);
        _checkNative(path[path.length - 1]);
        IERC20(path[0]).safeTransferFrom(msg.sender, pairFor(path[0], path[1]), amountIn);
        _swapSupportingFeeOnTransferTokens(path, address(this));
        uint256 amountOut = IERC20(WETH).balanceOf(address(this));
        if (amountOut < amountOutMin) revert DexRouterInsufficientOutputAmount(amountOut, amountOutMin);
        _unwrapTo(to, amountOut);
    }

    // ------------------------------------------------------------------ pricing (views)

    /**
     * @notice Amount of B worth `amountA` of A at the reserves' ratio (no fee): what liquidity deposits use.
     * Requirements: `amountA` and both reserves non-zero.
     */
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) public pure returns (uint256 amountB) {
        if (amountA == 0) revert DexRouterZeroAmount();
        if (reserveA == 0 || reserveB == 0) revert DexRouterInsufficientLiquidity(reserveA, reserveB);
        amountB = (amountA * reserveB) / reserveA;
    }

    /**
     * @notice Output of one hop: amountIn * (10000 - feeBps) * reserveOut / (reserveIn * 10000 + amountIn *
     * (10000 - feeBps)), rounded down.
     * Requirements: `amountIn` and both reserves non-zero.
     */
    function getAmountOut(
        uint256 amountIn,
        uint256 reserveIn,
        uint256 reserveOut,
        uint256 feeBps
    ) public pure returns (uint256 amountOut) {
        if (amountIn == 0) revert DexRouterZeroAmount();
        if (reserveIn == 0 || reserveOut == 0) revert DexRouterInsufficientLiquidity(reserveIn, reserveOut);
        uint256 amountInWithFee = amountIn * (BPS - feeBps);
        amountOut = (amountInWithFee * reserveOut) / (reserveIn * BPS + amountInWithFee);
    }

    /**
     * @notice Input one hop needs for exactly `amountOut`: reserveIn * amountOut * 10000 / ((reserveOut -
     * amountOut) * (10000 - feeBps)) + 1.
     * Requirements: `amountOut` non-zero; both reserves non-zero; `amountOut` below `reserveOut`.
     */
    function getAmountIn(
        uint256 amountOut,
        uint256 reserveIn,
        uint256 reserveOut,
        uint256 feeBps
    ) public pure returns (uint256 amountIn) {
        if (amountOut == 0) revert DexRouterZeroAmount();
        if (reserveIn == 0 || reserveOut <= amountOut) revert DexRouterInsufficientLiquidity(reserveIn, reserveOut);
        amountIn = (reserveIn * amountOut * BPS) / ((reserveOut - amountOut) * (BPS - feeBps)) + 1;
    }

    /**
     * @notice Amounts along `path` for exactly `amountIn` in: `amounts[0]` is `amountIn`, the last is the output.
     * Requirements: at least two tokens; every hop's pair exists and has liquidity; `amountIn` non-zero.
     */
    function getAmountsOut(uint256 amountIn, address[] calldata path) public view returns (uint256[] memory amounts) {
        _checkPath(path.length);
        uint256 hops = path.length - 1;
        amounts = new uint256[](path.length);
        amounts[0] = amountIn;
        for (uint256 i; i < hops; ++i) {
            (uint256 reserveIn, uint256 reserveOut, uint256 feeBps) = _reservesAndFee(path[i], path[i + 1]);
            amounts[i + 1] = getAmountOut(amounts[i], reserveIn, reserveOut, feeBps);
        }
    }

    /**
     * @notice Amounts along `path` for exactly `amountOut` out: the first is the input needed.
     * Requirements: at least two tokens; every hop's pair exists and can pay its output; `amountOut` non-zero.
     */
    function getAmountsIn(uint256 amountOut, address[] calldata path) public view returns (uint256[] memory amounts) {
        _checkPath(path.length);
        amounts = new uint256[](path.length);
        amounts[path.length - 1] = amountOut;
        for (uint256 i = path.length - 1; i > 0; --i) {
            (uint256 reserveIn, uint256 reserveOut, uint256 feeBps) = _reservesAndFee(path[i - 1], path[i]);
            amounts[i - 1] = getAmountIn(amounts[i], reserveIn, reserveOut, feeBps);
        }
    }

    /**
     * @notice The CREATE2 address of the pair of two tokens (whether or not it exists yet).
     * Requirements: distinct, non-zero tokens.
     */
    function pairFor(address tokenA, address tokenB) public view returns (address pair) {
        (address token0, address token1) = _sortTokens(tokenA, tokenB);
        pair = address(
            uint160(
                uint256(
                    keccak256(
                        abi.encodePacked(
                            hex"ff",
                            FACTORY,
                            keccak256(abi.encodePacked(token0, token1)),
                            PAIR_INIT_CODE_HASH
                        )
                    )
                )
            )
        );
    }

    // ------------------------------------------------------------------ internals

    function _addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin
    ) private returns (uint256 amountA, uint256 amountB, address pair) {
        pair = pairFor(tokenA, tokenB);
        // gas: the code check spares a call to the factory (a proxy) when the pair exists
        if (pair.code.length == 0) IDexFactory(FACTORY).createPair(tokenA, tokenB);
        (uint256 reserve0, uint256 reserve1, ) = IDexPair(pair).getReserves();
        (uint256 reserveA, uint256 reserveB) = tokenA < tokenB ? (reserve0, reserve1) : (reserve1, reserve0);
        if (reserveA == 0 && reserveB == 0) {
            (amountA, amountB) = (amountADesired, amountBDesired);
        } else {
            uint256 amountBOptimal = quote(amountADesired, reserveA, reserveB);
            if (amountBOptimal <= amountBDesired) {
                if (amountBOptimal < amountBMin) revert DexRouterInsufficientBAmount(amountBOptimal, amountBMin);
                (amountA, amountB) = (amountADesired, amountBOptimal);
            } else {
                // here amountAOptimal <= amountADesired, since amountBDesired < quote(amountADesired)
                uint256 amountAOptimal = quote(amountBDesired, reserveB, reserveA);
                if (amountAOptimal < amountAMin) revert DexRouterInsufficientAAmount(amountAOptimal, amountAMin);
                (amountA, amountB) = (amountAOptimal, amountBDesired);
            }
        }
    }

    function _addLiquidityAndMint(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to
    ) private returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        address pair;
        (amountA, amountB, pair) = _addLiquidity(tokenA, tokenB, amountADesired, amountBDesired, amountAMin, amountBMin);
        IERC20(tokenA).safeTransferFrom(msg.sender, pair, amountA);
        IERC20(tokenB).safeTransferFrom(msg.sender, pair, amountB);
        liquidity = IDexPair(pair).mint(to);
    }

    function _addLiquidityETH(
        address token,
        uint256 amountTokenDesired,
        uint256 amountTokenMin,
        uint256 amountETHMin,
        address to
    ) private returns (uint256 amountToken, uint256 amountETH, uint256 liquidity) {
        address pair;
        (amountToken, amountETH, pair) = _addLiquidity(token, WETH, amountTokenDesired, msg.value, amountTokenMin, amountETHMin);
        IERC20(token).safeTransferFrom(msg.sender, pair, amountToken);
        _wrapTo(pair, amountETH);
        liquidity = IDexPair(pair).mint(to);
        if (msg.value > amountETH) Address.sendValue(payable(msg.sender), msg.value - amountETH);
    }

    /// @dev Runs the hops of `path` with precomputed `amounts`; the first pair has been paid already.
    function _swap(uint256[] memory amounts, address[] calldata path, address to) private {
        uint256 last = path.length - 1;
        address pair = pairFor(path[0], path[1]);
        for (uint256 i; i < last; ++i) {
            address input = path[i];
            uint256 amountOut = amounts[i + 1];
            // the next pair receives this hop's output directly (gas: no transfer through the router)
            address next = i + 1 < last ? pairFor(path[i + 1], path[i + 2]) : to;
            if (input < path[i + 1]) IDexPair(pair).swap(0, amountOut, next, "");
            else IDexPair(pair).swap(amountOut, 0, next, "");
            pair = next;
        }
    }

    /// @dev Runs the hops of `path`, pricing each on the input its pair actually received.
    function _swapSupportingFeeOnTransferTokens(address[] calldata path, address to) private {
        uint256 last = path.length - 1;
        for (uint256 i; i < last; ++i) {
            address next = i + 1 < last ? pairFor(path[i + 1], path[i + 2]) : to;
            _swapReceived(path[i], path[i + 1], next);
        }
    }

    function _swapReceived(address input, address output, address to) private {
        IDexPair pair = IDexPair(pairFor(input, output));
        (uint256 reserve0, uint256 reserve1, uint256 feeBps) = pair.getReservesAndFee();
        bool inputIs0 = input < output;
        (uint256 reserveIn, uint256 reserveOut) = inputIs0 ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 amountIn = IERC20(input).balanceOf(address(pair)) - reserveIn;
        uint256 amountOut = getAmountOut(amountIn, reserveIn, reserveOut, feeBps);
        if (inputIs0) pair.swap(0, amountOut, to, "");
        else pair.swap(amountOut, 0, to, "");
    }

    function _reservesAndFee(
        address tokenIn,
        address tokenOut
    ) private view returns (uint256 reserveIn, uint256 reserveOut, uint256 feeBps) {
        address pair = pairFor(tokenIn, tokenOut);
        if (pair.code.length == 0) revert DexRouterPairNotFound(tokenIn, tokenOut);
        (uint256 reserve0, uint256 reserve1, uint16 fee) = IDexPair(pair).getReservesAndFee();
        (reserveIn, reserveOut) = tokenIn < tokenOut ? (reserve0, reserve1) : (reserve1, reserve0);
        feeBps = fee;
    }

    function _existingPair(address tokenA, address tokenB) private view returns (address pair) {
        pair = pairFor(tokenA, tokenB);
        if (pair.code.length == 0) revert DexRouterPairNotFound(tokenA, tokenB);
    }

    function _permitPair(address tokenA, address tokenB, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        _permit(_existingPair(tokenA, tokenB), value, deadline, v, r, s);
    }

    /// @dev Applies a permit; if it fails (e.g. a front-runner submitted it first), the allowance must exist.
    function _permit(address token, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        bool applied;
        try IERC20Permit(token).permit(msg.sender, address(this), value, deadline, v, r, s) {
            applied = true;
        } catch {
            applied = false;
        }
        if (!applied && IERC20(token).allowance(msg.sender, address(this)) < value) {
            revert DexRouterPermitFailed(token, msg.sender);
        }
    }

    function _wrapTo(address pair, uint256 amount) private {
        IWrappedNative(WETH).deposit{value: amount}();
        IERC20(WETH).safeTransfer(pair, amount);
    }

    function _unwrapTo(address to, uint256 amount) private {
        IWrappedNative(WETH).withdraw(amount);
        Address.sendValue(payable(to), amount);
    }

    function _checkNative(address token) private view {
        if (token != WETH) revert DexRouterPathNotNative(token, WETH);
    }

    function _checkPath(uint256 length) private pure {
        if (length < 2) revert DexRouterInvalidPath(length);
    }

    function _sortTokens(address tokenA, address tokenB) private pure returns (address token0, address token1) {
        if (tokenA == tokenB) revert DexRouterIdenticalTokens(tokenA);
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        if (token0 == address(0)) revert DexRouterZeroAddress("token");
    }
}
