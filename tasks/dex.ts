import { readFileSync } from "node:fs";
import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Contract, formatUnits, keccak256, type ContractTransactionReceipt, type Signer } from "ethers";
import type { Manifest } from "../deploy/manifest";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAmount, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import type { DexFactory, DexListingRegistry, DexRouter, WrappedNative } from "../typechain-types";

// DEX operator tasks: listing requests and reviews, liquidity, swaps and quotes.
// Registered by importing this file (tasks/index.ts does: import "./dex").

/** Listing statuses, as `DexListingRegistry.Status`. */
export const LISTING_STATUSES = ["None", "Pending", "Listed", "Rejected", "Delisted"] as const;

/** What a path element or token flag may say instead of an address to mean the native coin. */
export const NATIVE_ALIASES = ["native", "eth"];

export interface DexHandles {
  manifest: Manifest;
  signer: Signer;
  wrappedNative: WrappedNative;
  listingRegistry: DexListingRegistry;
  factory: DexFactory;
  router: DexRouter;
}

/** Loads the DEX deployed on the current network from its manifest, connected to `from`. */
export async function loadDex(hre: HardhatRuntimeEnvironment, from = "0"): Promise<DexHandles> {
  const { manifest, signer, at } = await loadDeployment(hre, from);
  return {
    manifest,
    signer,
    wrappedNative: await at<WrappedNative>("WrappedNative"),
    listingRegistry: await at<DexListingRegistry>("DexListingRegistry"),
    factory: await at<DexFactory>("DexFactory"),
    router: await at<DexRouter>("DexRouter"),
  };
}

const ERC20_ABI = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
];

/** A token of a task's arguments: its address (the wrapped coin for "native"), symbol and decimals. */
export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
  native: boolean;
  contract: Contract;
}

async function tokenInfo(hre: HardhatRuntimeEnvironment, dex: DexHandles, flag: string, value: string): Promise<TokenInfo> {
  const native = NATIVE_ALIASES.includes(value.trim().toLowerCase());
  const address = native ? await dex.wrappedNative.getAddress() : parseAddress(flag, value.trim());
  if ((await hre.ethers.provider.getCode(address)) === "0x") {
    throw new TaskError(`--${flag} ${address} is not a contract on network "${hre.network.name}"; give a token address (or "native")`);
  }
  const contract = new Contract(address, ERC20_ABI, dex.signer);
  let symbol: string;
  let decimals: number;
  try {
    symbol = String(await contract.getFunction("symbol")());
    decimals = Number(await contract.getFunction("decimals")());
  } catch {
    throw new TaskError(`--${flag} ${address} does not answer symbol()/decimals(): not an ERC-20 token`);
  }
  return { address, symbol: native ? "native" : symbol, decimals, native, contract };
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

async function chainDeadline(hre: HardhatRuntimeEnvironment, seconds: bigint): Promise<bigint> {
  const block = await hre.ethers.provider.getBlock("latest");
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000)) + seconds;
}

/** Splits a comma-separated path; "native" may stand first or last. */
async function parsePath(hre: HardhatRuntimeEnvironment, dex: DexHandles, value: string | undefined): Promise<TokenInfo[]> {
  const items = (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length < 2) {
    throw new TaskError(`--path needs at least 2 comma-separated tokens (from,to or from,via,to), got ${items.length}`);
  }
  const tokens: TokenInfo[] = [];
  for (const [i, item] of items.entries()) tokens.push(await tokenInfo(hre, dex, `path[${i}]`, item));
  tokens.forEach((t, i) => {
    if (t.native && i !== 0 && i !== tokens.length - 1) throw new TaskError(`--path: "native" may only be the first or the last token`);
    if (i > 0 && tokens[i - 1]!.address === t.address) throw new TaskError(`--path: tokens ${i - 1} and ${i} are the same (${t.address})`);
  });
  return tokens;
}

function fmt(amount: bigint, t: TokenInfo): string {
  return `${formatUnits(amount, t.decimals)} ${t.symbol}`;
}

async function ensureAllowance(hre: HardhatRuntimeEnvironment, dex: DexHandles, t: TokenInfo, amount: bigint): Promise<void> {
  if (t.native) return;
  const owner = await dex.signer.getAddress();
  const balance = (await t.contract.getFunction("balanceOf")(owner)) as bigint;
  if (balance < amount) throw new TaskError(`${owner} holds ${fmt(balance, t)}, needs ${fmt(amount, t)}`);
  const router = await dex.router.getAddress();
  if (((await t.contract.getFunction("allowance")(owner, router)) as bigint) >= amount) return;
  await explainRevert(`approve ${t.symbol}`, async () => (await t.contract.getFunction("approve")(router, amount)).wait());
}

async function ensureNative(hre: HardhatRuntimeEnvironment, dex: DexHandles, amount: bigint): Promise<void> {
  const owner = await dex.signer.getAddress();
  const balance = await hre.ethers.provider.getBalance(owner);
  if (balance < amount) throw new TaskError(`${owner} holds ${formatUnits(balance, 18)} native coin, needs ${formatUnits(amount, 18)} plus gas`);
}

const DEX_HINTS: Record<string, string> = {
  DexListingNotIssuer: "the token names its issuer (issuer() or owner()); send the request from that account with --from",
  DexListingInvalidStatus: "check the token's status with dex:quote or getListing; only a pending request can be decided, and a pending or listed token cannot be requested again",
  DexListingConflictOfInterest: "a reviewer may not decide on a token it issued or audited; ask another reviewer",
  AccessControlUnauthorizedAccount:
    "only reviewers appointed by governance decide listings (gov:propose --action call --target DexListingRegistry --signature \"grantRole(bytes32,address)\")",
  DexFactoryTokenNotListed: "list the token first: dex:list-request by its issuer, then dex:list-approve by a reviewer",
  DexPairLiquidityClosed: "a token of the pair is delisted (or the DEX is paused): no new liquidity; removing liquidity and swaps still work",
  DexRouterPairNotFound: "no pool for this hop; create one with dex:add-liquidity",
  DexRouterInsufficientOutputAmount: "the price moved beyond --slippage-bps; quote again (dex:quote) or allow more slippage",
  DexRouterExcessiveInputAmount: "the price moved beyond --slippage-bps; quote again (dex:quote) or allow more slippage",
  DexRouterInsufficientAAmount: "the pool's ratio moved beyond --slippage-bps; try again or allow more slippage",
  DexRouterInsufficientBAmount: "the pool's ratio moved beyond --slippage-bps; try again or allow more slippage",
  DexRouterExpired: "the transaction was mined after its deadline; raise --deadline",
  DexRouterInsufficientLiquidity: "the pool is empty or cannot pay that much",
  DexPairKInvariant: "the pair received less than priced: for a fee-on-transfer token use --fee-on-transfer",
  EnforcedPause: "the contract is paused by the council or governance",
};

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
      if (!/^0x[0-9a-fA-F]{64}$/.test(args.reportHash!) || /^0x0{64}$/.test(args.reportHash!)) {
        throw new TaskError(`--report-hash must be a non-zero 0x + 64 hex digits, got "${args.reportHash}"`);
      }
      reportHash = args.reportHash!;
    }
    if (Buffer.byteLength(args.reportUri, "utf8") > 256) throw new TaskError("--report-uri is longer than 256 bytes");
    const dex = await loadDex(hre, args.from);
    if ((await hre.ethers.provider.getCode(token)) === "0x") throw new TaskError(`--token ${token} is not a contract on network "${hre.network.name}"`);
    const current = LISTING_STATUSES[Number((await dex.listingRegistry.getListing(token)).status)];
    if (current === "Pending" || current === "Listed") throw new TaskError(`${token} is already ${current}; nothing to request`);

    await explainRevert("dex:list-request", async () => (await dex.listingRegistry.requestListing(token, reportHash, auditor, args.reportUri)).wait(), DEX_HINTS);
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
    if (Buffer.byteLength(reason, "utf8") > 256) throw new TaskError("--reason is longer than 256 bytes");
    const dex = await loadDex(hre, args.from);
    const listing = await dex.listingRegistry.getListing(token);
    const status = LISTING_STATUSES[Number(listing.status)];
    if (status !== "Pending") {
      throw new TaskError(`${token} is ${status}, not pending: only a pending request can be decided${status === "None" ? " (its issuer requests with dex:list-request)" : ""}`);
    }
    if (args.reject) {
      await explainRevert("dex:list-approve --reject", async () => (await dex.listingRegistry.rejectListing(token, reason)).wait(), DEX_HINTS);
      console.log(`rejected the listing of ${token}${reason ? ` (${reason})` : ""}; its issuer may request again with new evidence`);
      return "Rejected";
    }
    await explainRevert("dex:list-approve", async () => (await dex.listingRegistry.approveListing(token)).wait(), DEX_HINTS);
    console.log(`listed ${token} (report ${listing.reportHash}, issuer ${listing.issuer}); pairs with it can now be created`);
    return "Listed";
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
    const bps = parseSlippageBps(args.slippageBps);
    const seconds = parseDeadlineSeconds(args.deadline);
    const dex = await loadDex(hre, args.from);
    const a = await tokenInfo(hre, dex, "token-a", args.tokenA);
    const b = await tokenInfo(hre, dex, "token-b", args.tokenB);
    if (a.address === b.address) throw new TaskError(`--token-a and --token-b are the same token (${a.address})`);
    const desiredA = parseAmount("amount-a", args.amountA, a.decimals);
    const desiredB = parseAmount("amount-b", args.amountB, b.decimals);
    const sender = await dex.signer.getAddress();
    const to = args.to === undefined ? sender : parseAddress("to", args.to);

    // What the router will take: the desired amounts on a new pool, else the most that fits the ratio.
    const pairAddress = await dex.router.pairFor(a.address, b.address);
    let [useA, useB] = [desiredA, desiredB];
    if ((await hre.ethers.provider.getCode(pairAddress)) !== "0x") {
      const pair = await hre.ethers.getContractAt("DexPair", pairAddress);
      const [r0, r1] = await pair.getReserves();
      const [ra, rb] = a.address.toLowerCase() < b.address.toLowerCase() ? [r0, r1] : [r1, r0];
      if (ra > 0n && rb > 0n) {
        const bOptimal = (desiredA * rb) / ra;
        [useA, useB] = bOptimal <= desiredB ? [desiredA, bOptimal] : [(desiredB * ra) / rb, desiredB];
      }
    }
    const minA = (useA * (10_000n - bps)) / 10_000n;
    const minB = (useB * (10_000n - bps)) / 10_000n;
    const deadline = await chainDeadline(hre, seconds);
    const lpBefore = await lpBalance(hre, pairAddress, to);

    let receipt: ContractTransactionReceipt | null;
    if (a.native || b.native) {
      const side = a.native
        ? { token: b, useToken: useB, useNative: useA, minToken: minB, minNative: minA }
        : { token: a, useToken: useA, useNative: useB, minToken: minA, minNative: minB };
      await ensureAllowance(hre, dex, side.token, side.useToken);
      await ensureNative(hre, dex, side.useNative);
      receipt = await explainRevert(
        "dex:add-liquidity",
        async () =>
          (
            await dex.router.addLiquidityETH(side.token.address, side.useToken, side.minToken, side.minNative, to, deadline, {
              value: side.useNative,
            })
          ).wait(),
        DEX_HINTS,
      );
    } else {
      await ensureAllowance(hre, dex, a, useA);
      await ensureAllowance(hre, dex, b, useB);
      receipt = await explainRevert(
        "dex:add-liquidity",
        async () => (await dex.router.addLiquidity(a.address, b.address, useA, useB, minA, minB, to, deadline)).wait(),
        DEX_HINTS,
      );
    }
    const minted = (await lpBalance(hre, pairAddress, to)) - lpBefore;
    console.log(
      `added ${fmt(useA, a)} + ${fmt(useB, b)} to pair ${pairAddress}\n  minted ${formatUnits(minted, 18)} LP to ${to} (tx ${receipt?.hash})`,
    );
    return { pair: pairAddress, amountA: useA, amountB: useB, liquidity: minted };
  });

async function lpBalance(hre: HardhatRuntimeEnvironment, pair: string, owner: string): Promise<bigint> {
  if ((await hre.ethers.provider.getCode(pair)) === "0x") return 0n;
  return (await hre.ethers.getContractAt("DexPair", pair)).balanceOf(owner);
}

// ------------------------------------------------------------------ quotes (shared by dex:quote and dex:swap)

interface Quote {
  path: TokenInfo[];
  amounts: bigint[];
  exactIn: boolean;
}

async function quote(hre: HardhatRuntimeEnvironment, dex: DexHandles, path: TokenInfo[], amountIn?: string, amountOut?: string): Promise<Quote> {
  if ((amountIn === undefined) === (amountOut === undefined)) {
    throw new TaskError("give exactly one of --amount-in (exact input) and --amount-out (exact output)");
  }
  const exactIn = amountIn !== undefined;
  const addresses = path.map((t) => t.address);
  const amounts = exactIn
    ? await explainRevert("quote", async () => [...(await dex.router.getAmountsOut(parseAmount("amount-in", amountIn!, path[0]!.decimals), addresses))], DEX_HINTS)
    : await explainRevert("quote", async () => [...(await dex.router.getAmountsIn(parseAmount("amount-out", amountOut!, path[path.length - 1]!.decimals), addresses))], DEX_HINTS);
  return { path, amounts, exactIn };
}

// ------------------------------------------------------------------ dex:quote

task("dex:quote", "Prices a swap along a path without sending anything: amounts per hop, fees, price impact, listing warnings")
  .addParam("path", "Comma-separated tokens from input to output (\"native\" allowed first or last), e.g. 0xA…,0xB…")
  .addOptionalParam("amountIn", "Exact input, in tokens of the first token")
  .addOptionalParam("amountOut", "Exact output, in tokens of the last token")
  .setAction(async (args: { path: string; amountIn?: string; amountOut?: string }, hre) => {
    const dex = await loadDex(hre);
    const path = await parsePath(hre, dex, args.path);
    const q = await quote(hre, dex, path, args.amountIn, args.amountOut);
    const lines: string[] = [];
    let midOut = q.amounts[0]!; // output at the pools' current prices, without fees or impact
    for (let i = 0; i + 1 < path.length; i++) {
      const [tin, tout] = [path[i]!, path[i + 1]!];
      const pairAddress = await dex.router.pairFor(tin.address, tout.address);
      const pair = await hre.ethers.getContractAt("DexPair", pairAddress);
      const [r0, r1, fee] = await pair.getReservesAndFee();
      const [rin, rout] = tin.address.toLowerCase() < tout.address.toLowerCase() ? [r0, r1] : [r1, r0];
      midOut = (midOut * rout) / rin;
      lines.push(
        `  hop ${i + 1}: ${fmt(q.amounts[i]!, tin)} → ${fmt(q.amounts[i + 1]!, tout)} via ${pairAddress} ` +
          `(reserves ${fmt(rin, tin)} / ${fmt(rout, tout)}, fee ${fee} bps)`,
      );
    }
    const out = q.amounts[q.amounts.length - 1]!;
    const impactBps = midOut > 0n ? ((midOut - out) * 10_000n) / midOut : 0n;
    console.log(`${q.exactIn ? "exact in" : "exact out"}: ${fmt(q.amounts[0]!, path[0]!)} → ${fmt(out, path[path.length - 1]!)}`);
    for (const l of lines) console.log(l);
    console.log(`  price impact including fees: ${(Number(impactBps) / 100).toFixed(2)} %`);
    for (const t of path) {
      const status = LISTING_STATUSES[Number((await dex.listingRegistry.getListing(t.address)).status)];
      if (status !== "Listed") console.log(`  warning: ${t.symbol} (${t.address}) is ${status}: swaps stay open so holders can exit, but no new liquidity`);
    }
    return { amounts: q.amounts, impactBps };
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
    const bps = parseSlippageBps(args.slippageBps);
    const seconds = parseDeadlineSeconds(args.deadline);
    if (args.feeOnTransfer && args.amountOut !== undefined) throw new TaskError("--fee-on-transfer works with --amount-in only (exact output cannot be guaranteed for such tokens)");
    const dex = await loadDex(hre, args.from);
    const path = await parsePath(hre, dex, args.path);
    const sender = await dex.signer.getAddress();
    const to = args.to === undefined ? sender : parseAddress("to", args.to);
    const [first, last] = [path[0]!, path[path.length - 1]!];
    const addresses = path.map((t) => t.address);
    const q = await quote(hre, dex, path, args.amountIn, args.amountOut);
    const quotedIn = q.amounts[0]!;
    const quotedOut = q.amounts[q.amounts.length - 1]!;
    const deadline = await chainDeadline(hre, seconds);
    const r = dex.router;

    const outBalance = async (): Promise<bigint> =>
      last.native ? hre.ethers.provider.getBalance(to) : ((await last.contract.getFunction("balanceOf")(to)) as bigint);
    let outBefore: bigint;
    let receipt: ContractTransactionReceipt | null;
    let limit: string;
    if (q.exactIn) {
      const minOut = (quotedOut * (10_000n - bps)) / 10_000n;
      limit = `at least ${fmt(minOut, last)}`;
      if (first.native) await ensureNative(hre, dex, quotedIn);
      else await ensureAllowance(hre, dex, first, quotedIn);
      outBefore = await outBalance(); // after any approval, whose gas is not part of the swap
      receipt = await explainRevert(
        "dex:swap",
        async () => {
          if (args.feeOnTransfer) {
            if (first.native) return (await r.swapExactETHForTokensSupportingFeeOnTransferTokens(minOut, addresses, to, deadline, { value: quotedIn })).wait();
            if (last.native) return (await r.swapExactTokensForETHSupportingFeeOnTransferTokens(quotedIn, minOut, addresses, to, deadline)).wait();
            return (await r.swapExactTokensForTokensSupportingFeeOnTransferTokens(quotedIn, minOut, addresses, to, deadline)).wait();
          }
          if (first.native) return (await r.swapExactETHForTokens(minOut, addresses, to, deadline, { value: quotedIn })).wait();
          if (last.native) return (await r.swapExactTokensForETH(quotedIn, minOut, addresses, to, deadline)).wait();
          return (await r.swapExactTokensForTokens(quotedIn, minOut, addresses, to, deadline)).wait();
        },
        DEX_HINTS,
      );
    } else {
      const maxIn = (quotedIn * (10_000n + bps)) / 10_000n;
      limit = `at most ${fmt(maxIn, first)} in`;
      if (first.native) await ensureNative(hre, dex, maxIn);
      else await ensureAllowance(hre, dex, first, maxIn);
      outBefore = await outBalance();
      receipt = await explainRevert(
        "dex:swap",
        async () => {
          if (first.native) return (await r.swapETHForExactTokens(quotedOut, addresses, to, deadline, { value: maxIn })).wait();
          if (last.native) return (await r.swapTokensForExactETH(quotedOut, maxIn, addresses, to, deadline)).wait();
          return (await r.swapTokensForExactTokens(quotedOut, maxIn, addresses, to, deadline)).wait();
        },
        DEX_HINTS,
      );
    }
    let received = (await outBalance()) - outBefore;
    if (last.native && to === sender && receipt) received += receipt.gasUsed * receipt.gasPrice; // the sender paid gas
    console.log(
      `swapped along ${path.map((t) => t.symbol).join(" → ")}: quoted ${fmt(quotedIn, first)} → ${fmt(quotedOut, last)} (${limit})\n` +
        `  ${to} received ${fmt(received, last)} (tx ${receipt?.hash})`,
    );
    return { amounts: q.amounts, received };
  });
