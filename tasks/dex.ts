import { readFileSync } from "node:fs";
import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { formatUnits, keccak256, type Signer } from "ethers";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAmount, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import { readToken, type ReadTokenReturnType } from "../ops/token/readToken";
import { NATIVE, wrappedNativeOf, type DexToken } from "../ops/dex/common";
import { listRequest } from "../ops/dex/listRequest";
import { listApprove } from "../ops/dex/listApprove";
import { addLiquidity } from "../ops/dex/addLiquidity";
import { quote } from "../ops/dex/quote";
import { swap } from "../ops/dex/swap";
import type { DexFactory, DexListingRegistry, DexRouter, WrappedNative } from "../typechain-types";

// DEX operator tasks: parse → ops/dex → print. Registered by importing this file (tasks/index.ts does: import "./dex").

/** What a path element or token flag may say instead of an address to mean the native coin. */
export const NATIVE_ALIASES = [NATIVE, "eth"];

export interface DexHandles {
  signer: Signer;
  wrappedNative: WrappedNative;
  listingRegistry: DexListingRegistry;
  factory: DexFactory;
  router: DexRouter;
}

/** The DEX of the current network's manifest, connected to `from`. */
export async function loadDex(hre: HardhatRuntimeEnvironment, from = "0"): Promise<DexHandles> {
  const { signer, at } = await loadDeployment(hre, from);
  const [wrappedNative, listingRegistry, factory, router] = await Promise.all(["WrappedNative", "DexListingRegistry", "DexFactory", "DexRouter"].map((n) => at(n)));
  return { signer, wrappedNative, listingRegistry, factory, router } as DexHandles;
}

/** A token of a task's arguments as the operations take it (an address or NATIVE), with its symbol and decimals. */
interface TokenArg extends ReadTokenReturnType {
  ref: DexToken;
}

async function tokenArg(hre: HardhatRuntimeEnvironment, dex: DexHandles, flag: string, value: string): Promise<TokenArg> {
  const native = NATIVE_ALIASES.includes(value.trim().toLowerCase());
  const address = native ? await wrappedNativeOf(hre.ethers.provider, await dex.router.getAddress()) : parseAddress(flag, value.trim());
  const t = await readToken(hre.ethers.provider, { token: address });
  return native ? { ...t, symbol: NATIVE, ref: NATIVE } : { ...t, ref: address };
}

/** `--path`: at least two comma-separated tokens ("native" first or last; the operation checks the rest). */
async function parsePath(hre: HardhatRuntimeEnvironment, dex: DexHandles, value: string): Promise<TokenArg[]> {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length < 2) throw new TaskError(`--path needs at least 2 comma-separated tokens (from,to or from,via,to), got ${items.length}`);
  const tokens: TokenArg[] = [];
  for (const [i, item] of items.entries()) tokens.push(await tokenArg(hre, dex, `path[${i}]`, item));
  return tokens;
}

/** `--amount-in` or `--amount-out` (exactly one), in base units of the path's first or last token. */
function parseSwapAmount(path: TokenArg[], amountIn?: string, amountOut?: string): { amountIn: bigint } | { amountOut: bigint } {
  if ((amountIn === undefined) === (amountOut === undefined)) throw new TaskError("give exactly one of --amount-in (exact input) and --amount-out (exact output)");
  return amountIn !== undefined ? { amountIn: parseAmount("amount-in", amountIn, path[0]!.decimals) } : { amountOut: parseAmount("amount-out", amountOut!, path[path.length - 1]!.decimals) };
}

/** Parses a slippage in basis points, 0..10000. */
export function parseSlippageBps(value: string): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) > 10_000n) {
    throw new TaskError(`--slippage-bps must be an integer from 0 to 10000 (basis points: 50 = 0.5 %), got "${value}"`);
  }
  return BigInt(value);
}

/** Parses a deadline in seconds from now (1 .. 1 year). */
function parseDeadlineSeconds(value: string): bigint {
  const s = parseInteger("deadline", value);
  if (s === 0n || s > 31_536_000n) throw new TaskError(`--deadline is in seconds from now, 1 to 31536000 (one year), got "${value}"`);
  return s;
}

function fmt(amount: bigint, t: ReadTokenReturnType): string {
  return `${formatUnits(amount, t.decimals)} ${t.symbol}`;
}

// ------------------------------------------------------------------ dex:list-request

task("dex:list-request", "Requests the DEX listing of a token, as its issuer, with evidence of review (audit report hash and auditor)")
  .addParam("token", "Token address")
  .addParam("auditor", "Address of the auditor who produced the report")
  .addOptionalParam("report", "Audit report file; its keccak256 becomes the report hash")
  .addOptionalParam("reportHash", "Report hash (0x + 64 hex digits), instead of --report")
  .addOptionalParam("reportUri", "Where reviewers can read the report (≤ 256 bytes), e.g. ipfs://…", "")
  .addOptionalParam("from", "Account index or address of the issuer", "0")
  .setAction(async (args: { token: string; auditor: string; report?: string; reportHash?: string; reportUri: string; from: string }, hre) => {
    const token = parseAddress("token", args.token);
    const auditor = parseAddress("auditor", args.auditor);
    if ((args.report === undefined) === (args.reportHash === undefined)) {
      throw new TaskError("give either --report <file> (hashed with keccak256) or --report-hash <0x…>, not both and not neither");
    }
    let reportHash: string;
    if (args.report !== undefined) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(args.report);
      } catch (e) {
        throw new TaskError(`cannot read --report ${args.report}: ${(e as Error).message}`);
      }
      reportHash = keccak256(bytes);
    } else {
      if (!/^0x[0-9a-fA-F]{64}$/.test(args.reportHash!)) throw new TaskError(`--report-hash must be a non-zero 0x + 64 hex digits, got "${args.reportHash}"`);
      reportHash = args.reportHash!;
    }
    const dex = await loadDex(hre, args.from);
    await listRequest(dex.signer, { registry: await dex.listingRegistry.getAddress(), token, reportHash, auditor, reportUri: args.reportUri });
    console.log(
      `listing of ${token} requested by ${await dex.signer.getAddress()}\n  report hash ${reportHash}, auditor ${auditor}` +
        `${args.reportUri ? `, ${args.reportUri}` : ""}\n  a reviewer decides with: npx hardhat dex:list-approve --network ${hre.network.name} --token ${token}`,
    );
    return reportHash;
  });

// ------------------------------------------------------------------ dex:list-approve

task("dex:list-approve", "Approves (or with --reject rejects) a pending DEX listing request, as a reviewer")
  .addParam("token", "Token address")
  .addFlag("reject", "Reject the request instead of approving it")
  .addOptionalParam("reason", "Reason recorded with a rejection (≤ 256 bytes)")
  .addOptionalParam("from", "Account index or address of the reviewer", "0")
  .setAction(async (args: { token: string; reject: boolean; reason?: string; from: string }, hre) => {
    const token = parseAddress("token", args.token);
    if (args.reason !== undefined && !args.reject) throw new TaskError("--reason goes with --reject (an approval records no reason)");
    const reason = args.reason ?? "";
    const dex = await loadDex(hre, args.from);
    const registry = await dex.listingRegistry.getAddress();
    const r = await listApprove(dex.signer, args.reject ? { registry, token, reject: true, reason } : { registry, token });
    if (r.status === "Rejected") console.log(`rejected the listing of ${token}${reason ? ` (${reason})` : ""}; its issuer may request again with new evidence`);
    else console.log(`listed ${token} (report ${r.reportHash}, issuer ${r.issuer}); pairs with it can now be created`);
    return r.status;
  });

// ------------------------------------------------------------------ dex:add-liquidity

interface AddLiquidityArgs {
  tokenA: string;
  tokenB: string;
  amountA: string;
  amountB: string;
  slippageBps: string;
  deadline: string;
  to?: string;
  from: string;
}

task("dex:add-liquidity", "Adds liquidity to a DEX pool (creating the pair if needed); either token may be \"native\"")
  .addParam("tokenA", "First token address, or \"native\"")
  .addParam("tokenB", "Second token address, or \"native\"")
  .addParam("amountA", "Desired amount of token A, in tokens (e.g. 1000 or 0.5)")
  .addParam("amountB", "Desired amount of token B, in tokens")
  .addOptionalParam("slippageBps", "Largest accepted shortfall of either amount, in basis points (0..10000)", "50")
  .addOptionalParam("deadline", "Seconds from now after which the transaction is refused", "1200")
  .addOptionalParam("to", "Recipient of the LP tokens (default: the sender)")
  .addOptionalParam("from", "Account index or address of the liquidity provider", "0")
  .setAction(async (args: AddLiquidityArgs, hre) => {
    const slippageBps = parseSlippageBps(args.slippageBps);
    const deadlineSeconds = parseDeadlineSeconds(args.deadline);
    const dex = await loadDex(hre, args.from);
    const a = await tokenArg(hre, dex, "token-a", args.tokenA);
    const b = await tokenArg(hre, dex, "token-b", args.tokenB);
    const amountADesired = parseAmount("amount-a", args.amountA, a.decimals);
    const amountBDesired = parseAmount("amount-b", args.amountB, b.decimals);
    const to = args.to === undefined ? await dex.signer.getAddress() : parseAddress("to", args.to);
    const router = await dex.router.getAddress();
    const r = await addLiquidity(dex.signer, { router, tokenA: a.ref, tokenB: b.ref, amountADesired, amountBDesired, slippageBps, deadlineSeconds, to });
    console.log(`added ${fmt(r.amountA, a)} + ${fmt(r.amountB, b)} to pair ${r.pair}\n  minted ${formatUnits(r.liquidity, 18)} LP to ${to} (tx ${r.transactionHash})`);
    return { pair: r.pair, amountA: r.amountA, amountB: r.amountB, liquidity: r.liquidity };
  });

// ------------------------------------------------------------------ dex:quote

task("dex:quote", "Prices a swap along a path without sending anything: amounts per hop, fees, price impact, listing warnings")
  .addParam("path", "Comma-separated tokens from input to output (\"native\" allowed first or last), e.g. 0xA…,0xB…")
  .addOptionalParam("amountIn", "Exact input, in tokens of the first token")
  .addOptionalParam("amountOut", "Exact output, in tokens of the last token")
  .setAction(async (args: { path: string; amountIn?: string; amountOut?: string }, hre) => {
    const dex = await loadDex(hre);
    const path = await parsePath(hre, dex, args.path);
    const amount = parseSwapAmount(path, args.amountIn, args.amountOut);
    const q = await quote(hre.ethers.provider, { router: await dex.router.getAddress(), path: path.map((t) => t.ref), ...amount });
    const [first, last] = [path[0]!, path[path.length - 1]!];
    console.log(`${q.exactIn ? "exact in" : "exact out"}: ${fmt(q.amounts[0]!, first)} → ${fmt(q.amounts[q.amounts.length - 1]!, last)}`);
    q.hops.forEach((h, i) => {
      const [tin, tout] = [path[i]!, path[i + 1]!];
      console.log(
        `  hop ${i + 1}: ${fmt(q.amounts[i]!, tin)} → ${fmt(q.amounts[i + 1]!, tout)} via ${h.pair} ` +
          `(reserves ${fmt(h.reserveIn, tin)} / ${fmt(h.reserveOut, tout)}, fee ${h.feeBps} bps)`,
      );
    });
    console.log(`  price impact including fees: ${(Number(q.impactBps) / 100).toFixed(2)} %`);
    q.listings.forEach(({ token, status }, i) => {
      if (status !== "Listed") console.log(`  warning: ${path[i]!.symbol} (${token}) is ${status}: swaps stay open so holders can exit, but no new liquidity`);
    });
    return { amounts: q.amounts, impactBps: q.impactBps };
  });

// ------------------------------------------------------------------ dex:swap

interface SwapArgs {
  path: string;
  amountIn?: string;
  amountOut?: string;
  slippageBps: string;
  deadline: string;
  to?: string;
  feeOnTransfer: boolean;
  from: string;
}

task("dex:swap", "Swaps along a path, exact input (--amount-in) or exact output (--amount-out), with a slippage bound")
  .addParam("path", "Comma-separated tokens from input to output (\"native\" allowed first or last)")
  .addOptionalParam("amountIn", "Exact input, in tokens of the first token")
  .addOptionalParam("amountOut", "Exact output, in tokens of the last token")
  .addOptionalParam("slippageBps", "Largest accepted price move against the quote, in basis points (0..10000)", "50")
  .addOptionalParam("deadline", "Seconds from now after which the transaction is refused", "1200")
  .addOptionalParam("to", "Recipient of the output (default: the sender)")
  .addFlag("feeOnTransfer", "Use the fee-on-transfer variant (for deflationary tokens; exact input only)")
  .addOptionalParam("from", "Account index or address of the trader", "0")
  .setAction(async (args: SwapArgs, hre) => {
    const slippageBps = parseSlippageBps(args.slippageBps);
    const deadlineSeconds = parseDeadlineSeconds(args.deadline);
    if (args.feeOnTransfer && args.amountOut !== undefined) throw new TaskError("--fee-on-transfer works with --amount-in only (exact output cannot be guaranteed for such tokens)");
    const dex = await loadDex(hre, args.from);
    const path = await parsePath(hre, dex, args.path);
    const amount = parseSwapAmount(path, args.amountIn, args.amountOut);
    const to = args.to === undefined ? await dex.signer.getAddress() : parseAddress("to", args.to);
    const router = await dex.router.getAddress();
    const r = await swap(dex.signer, { router, path: path.map((t) => t.ref), ...amount, slippageBps, deadlineSeconds, to, feeOnTransfer: args.feeOnTransfer });
    const [first, last] = [path[0]!, path[path.length - 1]!];
    const limit = r.exactIn ? `at least ${fmt(r.bound, last)}` : `at most ${fmt(r.bound, first)} in`;
    console.log(
      `swapped along ${path.map((t) => t.symbol).join(" → ")}: quoted ${fmt(r.amounts[0]!, first)} → ${fmt(r.amounts[r.amounts.length - 1]!, last)} (${limit})\n` +
        `  ${to} received ${fmt(r.received, last)} (tx ${r.transactionHash})`,
    );
    return { amounts: r.amounts, received: r.received };
  });
