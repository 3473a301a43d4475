/**
 * DeFi accounting and pricing (issue #18): spot-price oracles, stale oracle answers, share inflation in vaults,
 * fee-on-transfer token accounting, missing slippage and deadline protection.
 *
 * - `oracle-spot-price`: a price derived from a pool's reserves/balances (also through an oracle contract of the same
 *   compilation, or a view of a project contract that quotes from its own balances or reserves) decides a guard, a
 *   stored valuation or a payment in a function anyone can call;
 * - `oracle-stale-price`: `latestRoundData()` without `answer > 0` and `updatedAt` vs `block.timestamp` guards (here, in
 *   helpers it passes them to, or in callers it returns them to), and the deprecated `latestAnswer()`;
 * - `vault-share-inflation`: shares = assets × supply / (own token balance) with no virtual offset, dead shares or
 *   minimum deposit;
 * - `fee-on-transfer-accounting`: `transferFrom(…, address(this), amount)` followed by crediting `amount` to storage
 *   without measuring the balance after the transfer;
 * - `missing-slippage`: swap/liquidity calls with a zero minimum output, an unbounded maximum input, or a deadline of
 *   `block.timestamp`.
 * Forge test and script contracts (never deployed) are left out.
 *
 * The detectors share a small value-flow analysis (`ValueFlow`): which locals of a function carry a value derived
 * from chosen source expressions, followed into internal functions and library calls (their result carries what
 * their body returns), with one frame per callee and taint of its arguments.
 */
import { sequencerChains } from "../chains";
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program, SourceFile } from "../ast/program";
import { isAccessControlled, isAuthModifier } from "../ast/access";
import { walkDefinitions } from "../ast/taint";
import {
  baseDeclaration,
  blockValue,
  concreteContractType,
  contractKind,
  effectiveFunctions,
  effectiveImplementation,
  exprKey,
  externalCall,
  findFunction,
  fixedAtDeployment,
  guardConditions,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isFromDependency,
  isGlobal,
  isLibraryFunction,
  isPayable,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  parameters,
  resolvedFunction,
  stripConversions,
  unwrapCallOptions,
  writtenStateVariable,
} from "../ast/semantics";
import { callablesOf, contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";
import { payerIsCaller, tokenTransfers } from "./denialOfService";

// ---------------------------------------------------------------------------------------------- value flow

type Sources = Set<AstNode>;

/** One analysed run of a function: the sources each local carries, what it returns, the internal calls it makes. */
interface Frame {
  fn: AstNode;
  depth: number;
  env: Map<AstNode, Sources>;
  returns: Sources;
  /** Internal calls made by the function → the callee's frame (with the taint of the arguments passed). */
  calls: Map<AstNode, Frame>;
}

function addAll(into: Sources, from: Iterable<AstNode> | undefined): void {
  if (from) for (const n of from) into.add(n);
}

function unionOf(sets: Sources[]): Sources {
  const out: Sources = new Set();
  for (const s of sets) addAll(out, s);
  return out;
}

/** The function a call runs inside this contract (internal, private, library, super), with a body. */
export function internalTarget(program: Program, call: AstNode, context: AstNode | undefined): AstNode | undefined {
  const fn = internalCallee(program, call, context);
  return fn && fn.nodeType === "FunctionDefinition" && child(fn, "body") ? fn : undefined;
}

/**
 * The arguments of a call in the order of the callee's parameters: named arguments reordered, the bound first
 * argument of a `using … for` call (`assets.mulDiv(a, b)`) put in front.
 */
export function argumentsFor(program: Program, call: AstNode, fn: AstNode | undefined): AstNode[] {
  let args = list(call, "arguments");
  const names = (call.names as string[] | undefined) ?? [];
  const params = fn ? parameters(fn) : [];
  if (names.length > 0 && params.length > 0) {
    const byName = new Map(names.map((n, i) => [n, args[i]!] as const));
    args = params.map((p) => byName.get(str(p, "name") ?? "")).filter((a): a is AstNode => a !== undefined);
    return args;
  }
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (fn && callee?.nodeType === "MemberAccess" && params.length === args.length + 1 && isLibraryFunction(program, fn)) {
    const base = child(callee, "expression");
    const baseType = base ? typeString(base) : undefined;
    if (base && !(baseType ?? "").startsWith("type(")) return [base, ...args];
  }
  return args;
}

class ValueFlow {
  private readonly memo = new Map<string, Frame>();

  constructor(
    readonly program: Program,
    private readonly context: AstNode | undefined,
    readonly isSource: (n: AstNode) => boolean,
    private readonly maxDepth = 4,
  ) {}

  /** The frame of `fn` called with arguments carrying `args` (by parameter position). */
  frame(fn: AstNode, args: Sources[] = [], depth = 0): Frame {
    const key = `${fn.id}:${args.map((s) => [...s].map((n) => n.id).sort((a, b) => a - b).join(",")).join("|")}`;
    const known = this.memo.get(key);
    if (known) return known;
    const frame: Frame = { fn, depth, env: new Map(), returns: new Set(), calls: new Map() };
    this.memo.set(key, frame);
    parameters(fn).forEach((p, i) => {
      if (args[i] && args[i]!.size > 0) frame.env.set(p, new Set(args[i]));
    });
    const body = child(fn, "body");
    if (!body) return frame;
    const assign = (decl: AstNode | undefined, sources: Sources): void => {
      if (!decl || decl.nodeType !== "VariableDeclaration" || isStorageVariable(this.program, decl) || sources.size === 0) return;
      const set = frame.env.get(decl) ?? new Set<AstNode>();
      addAll(set, sources);
      frame.env.set(decl, set);
    };
    walkDefinitions(body, 2, {
      declaration: (_n, decls, init) => {
        const comps = init.nodeType === "TupleExpression" ? ((init.components as (AstNode | null)[] | undefined) ?? []) : [];
        if (decls.length > 1 && comps.length === decls.length) {
          decls.forEach((d, i) => d && assign(d, this.taint(frame, comps[i] ?? undefined)));
        } else {
          const t = this.taint(frame, init);
          for (const d of decls) if (d) assign(d, t);
        }
      },
      assignment: (_n, lhs, rhs) => {
        const targets = lhs?.nodeType === "TupleExpression" ? ((lhs.components as (AstNode | null)[] | undefined) ?? []) : [lhs ?? null];
        const comps = rhs?.nodeType === "TupleExpression" ? ((rhs.components as (AstNode | null)[] | undefined) ?? []) : [];
        const whole = comps.length === targets.length && targets.length > 1 ? undefined : this.taint(frame, rhs);
        targets.forEach((t, i) => {
          if (!t) return;
          assign(baseDeclaration(this.program, t), whole ?? this.taint(frame, comps[i] ?? undefined));
        });
      },
    });
    // With the final environment: the internal calls' frames and what the function returns.
    for (const call of findAll(body, "FunctionCall")) this.call(frame, call);
    for (const r of findAll(body, "Return")) addAll(frame.returns, this.taint(frame, child(r, "expression")));
    for (const p of list(child(fn, "returnParameters"), "parameters")) addAll(frame.returns, frame.env.get(p));
    return frame;
  }

  /** The sources an expression's value depends on, in `frame`. */
  taint(frame: Frame, expr: AstNode | undefined): Sources {
    const out: Sources = new Set();
    if (!expr) return out;
    walk(expr, (n) => {
      if (this.isSource(n)) {
        out.add(n);
        return false;
      }
      if (n.nodeType === "Identifier") {
        const d = this.program.declOf(n);
        if (d) addAll(out, frame.env.get(d));
        return undefined;
      }
      if (n.nodeType === "Conditional") {
        addAll(out, this.taint(frame, child(n, "trueExpression")));
        addAll(out, this.taint(frame, child(n, "falseExpression")));
        return false;
      }
      if (n.nodeType === "FunctionCall") {
        const r = this.call(frame, n);
        if (r) {
          addAll(out, r);
          return false;
        }
      }
      return undefined;
    });
    return out;
  }

  /** The sources the result of an internal call carries (undefined: not an internal call). */
  private call(frame: Frame, call: AstNode): Sources | undefined {
    const fn = internalTarget(this.program, call, this.context);
    if (!fn) return undefined;
    const args = argumentsFor(this.program, call, fn).map((a) => this.taint(frame, a));
    const passThrough = unionOf(args);
    if (frame.depth >= this.maxDepth || fn === frame.fn) return passThrough;
    const sub = this.frame(fn, args, frame.depth + 1);
    frame.calls.set(call, sub);
    const out = new Set(sub.returns);
    // Library maths (mulDiv, SafeCast…) often computes in assembly: its result depends on its arguments.
    if (isLibraryFunction(this.program, fn) || findAll(child(fn, "body")!, "InlineAssembly").length > 0) addAll(out, passThrough);
    return out;
  }

  /** Every frame reachable from `root`, with the internal call sites that lead to it (outermost first). */
  reachable(root: Frame): { frame: Frame; sites: AstNode[] }[] {
    const out: { frame: Frame; sites: AstNode[] }[] = [];
    const seen = new Set<Frame>();
    const visit = (f: Frame, sites: AstNode[]): void => {
      if (seen.has(f)) return;
      seen.add(f);
      out.push({ frame: f, sites });
      for (const [call, sub] of f.calls) visit(sub, [...sites, call]);
    };
    visit(root, []);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------- shared helpers

/** Removes conversions and parentheses, also `address(x)`/`uint256(x)` as the untyped parse tree writes them. */
function unwrap(expr: AstNode | undefined): AstNode | undefined {
  let e = stripConversions(expr);
  while (e?.nodeType === "FunctionCall" && list(e, "arguments").length === 1) {
    const callee = child(e, "expression");
    if (callee?.nodeType !== "Identifier" || !/^(address|payable|u?int\d*|bytes\d*)$/.test(str(callee, "name") ?? "")) break;
    e = stripConversions(list(e, "arguments")[0]);
  }
  return e;
}

/**
 * Only privileged callers reach `fn`. On the untyped parse tree external calls cannot be told from role checks
 * (`require(token.transfer(msg.sender, x))` would look like one), so there only auth modifiers and
 * `msg.sender == stored` guards count.
 */
function restricted(program: Program, fn: AstNode, contract: AstNode): boolean {
  if (program.fileOf(fn)?.typed !== false) return isAccessControlled(program, fn, contract);
  if (list(fn, "modifiers").some(isAuthModifier)) return true;
  return guardConditions(program, child(fn, "body")!).some(({ cond }) =>
    findAll(cond, "BinaryOperation").some((b) => {
      if (str(b, "operator") !== "==" && str(b, "operator") !== "!=") return false;
      return isSenderLike(program, child(b, "leftExpression")) !== isSenderLike(program, child(b, "rightExpression"));
    }),
  );
}

/** `address(this)` (or `this`). */
function isThisAddress(program: Program, expr: AstNode | undefined): boolean {
  const e = unwrap(expr);
  return isGlobal(program, e, "this");
}

/** The name of the function a call invokes (member or identifier), or undefined. */
function calledName(call: AstNode): string | undefined {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (callee?.nodeType === "MemberAccess") return str(callee, "memberName");
  if (callee?.nodeType === "Identifier") return str(callee, "name");
  return undefined;
}

/** An external call's function name (typed AST), or a member call's name on the untyped parse tree. */
function externalName(program: Program, call: AstNode): string | undefined {
  if (call.nodeType !== "FunctionCall") return undefined;
  const ext = externalCall(program, call);
  if (ext) return ext.functionName;
  if (program.fileOf(call)?.typed === false) {
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    if (callee?.nodeType === "MemberAccess" && !internalTarget(program, call, program.contractOf(call))) return str(callee, "memberName");
  }
  return undefined;
}

/** `token.balanceOf(address(this))` or `address(this).balance`: what the contract holds, donations included. */
function isOwnBalance(program: Program, n: AstNode): boolean {
  if (n.nodeType === "MemberAccess" && str(n, "memberName") === "balance") return isThisAddress(program, child(n, "expression"));
  if (n.nodeType !== "FunctionCall" || externalName(program, n) !== "balanceOf") return false;
  const args = list(n, "arguments");
  return args.length === 1 && isThisAddress(program, args[0]);
}

function isZeroLiteral(expr: AstNode | undefined): boolean {
  const e = unwrap(expr);
  return e?.nodeType === "Literal" && /^0+$|^0x0+$/.test(str(e, "value") ?? "");
}

const COMPARISONS = new Set(["<", ">", "<=", ">=", "==", "!="]);
const ORDERINGS = new Set(["<", ">", "<=", ">="]);

/** The comparisons (`a < b`, `a == b`…) inside a condition, through `&&`, `||` and `!`. */
function comparisonsIn(cond: AstNode): AstNode[] {
  return findAll(cond, "BinaryOperation").filter((b) => COMPARISONS.has(str(b, "operator") ?? ""));
}

function nameOf(expr: AstNode | undefined): string {
  const e = unwrap(expr);
  if (!e) return "";
  if (e.nodeType === "Identifier") return str(e, "name") ?? "";
  if (e.nodeType === "MemberAccess") return str(e, "memberName") ?? "";
  if (e.nodeType === "FunctionCall") return calledName(e) ?? "";
  return "";
}

/** Lines of `nodes` in the scanned file; a node elsewhere (a base contract, a library) counts at its call site. */
function reportLines(program: Program, file: SourceFile, items: { node: AstNode; sites: AstNode[] }[], fallback: AstNode): number[] {
  const nodes: AstNode[] = [];
  for (const { node, sites } of items) {
    if (program.fileOf(node) === file) nodes.push(node);
    else {
      const site = [...sites].reverse().find((s) => program.fileOf(s) === file);
      if (site) nodes.push(site);
    }
  }
  const lines = linesIn(program, file, nodes);
  return lines.length > 0 ? lines : linesIn(program, file, [fallback]);
}

/** NatSpec of a contract or function (empty when there is none). */
function docText(node: AstNode | undefined): string {
  const d = node?.documentation;
  if (typeof d === "string") return d;
  if (d && typeof d === "object") return String((d as { text?: unknown }).text ?? "");
  return "";
}

const HARNESS_BASE = /^(Test|DSTest|Script|TestBase|ScriptBase|StdAssertions|StdCheats)$/;

/** Contracts of the scanned file that get deployed: forge test and script contracts (never deployed) left out. */
export function deployedContracts(ctx: DetectorContext): AstNode[] {
  return contractsIn(ctx).filter((c) => !ctx.program.linearized(c).some((b) => b !== c && HARNESS_BASE.test(str(b, "name") ?? "")));
}

// ---------------------------------------------------------------------------------------------- oracle-spot-price

const SPOT_CALL = /^(getReserves\w*|slot0|getAmountsOut|getAmountsIn)$/;
/** One reserve of a pool, read through its getter: `reserve0()`, `ethReserve()`, `tokenReserves()`. */
const RESERVE_GETTER = /reserves?\d?$/i;
const POOL_NAME = /pair|pool|amm|^lp$|lpToken|uniswap|sushi|exchange/i;
/** A pool's quote of its current price (not a time-weighted one, which ORACLE_MARK names). */
const POOL_PRICE_CALL = /^(get)?(spot)?price\w*$/i;
/** A time-weighted or external price read alongside: the spot value is then a sanity check, not the price. */
const ORACLE_MARK = /^(latestRoundData|latestAnswer|consult|observe|observations|price[01]CumulativeLast|currentCumulativePrices|getTwap\w*|twap\w*|getTimeWeighted\w*)$/i;
/** A caller-chosen bound: the value is a quote the caller protects with its own minimum / maximum. */
const BOUND_NAME = /min|max|limit|slippage|expected|least|most/i;
/** Calls that move value out or in on the strength of an amount. */
const VALUE_CALL = /^(transfer|transferFrom|safeTransfer|safeTransferFrom|send|sendValue|_?mint(?:[A-Z_]\w*)?|_safeMint|borrow(?:[A-Z_]\w*)?|withdraw(?:[A-Z_]\w*)?)$/;

function isPoolAddress(expr: AstNode | undefined): boolean {
  const e = unwrap(expr);
  if (!e || (e.nodeType === "Identifier" && str(e, "name") === "this")) return false; // the pool's own balance
  if (POOL_NAME.test(nameOf(e))) return true;
  return /^contract \w*(Pair|Pool)\b/i.test(typeString(e) ?? "");
}

/**
 * A read of an AMM's spot state: `pair.getReserves()`, `pool.slot0()`, `router.getAmountsOut(…)`,
 * `token.balanceOf(pair)`, `address(pair).balance`.
 */
function isSpotRead(program: Program, n: AstNode): boolean {
  if (n.nodeType === "MemberAccess" && str(n, "memberName") === "balance") return isPoolAddress(child(n, "expression")); // V1: ether reserve
  if (n.nodeType !== "FunctionCall") return false;
  const name = externalName(program, n);
  if (!name) {
    // a library helper that reads a pair's reserves (`UniswapV2Library.getReserves(factory, a, b)`)
    const decl = program.declOf(unwrapCallOptions(child(n, "expression")).callee);
    return decl?.nodeType === "FunctionDefinition" && isLibraryFunction(program, decl) && SPOT_CALL.test(str(decl, "name") ?? "");
  }
  if (SPOT_CALL.test(name)) return true;
  // a pool's own quote of its current price (`pool.getPriceOfOnePoolTokenInWeth()`): its reserves' ratio right now
  const target = unwrapCallOptions(child(n, "expression")).callee;
  // another contract's reserve read one side at a time (`amm.ethReserve()`, `pair.reserve0()`): what a swap moves
  // (a bare `reserve()` names one fund, PoolTogether's prize-pool reserve, not a side of a pool: a pool's getters name
  // the side, `reserve0()`, `tokenReserve()`)
  if (
    RESERVE_GETTER.test(name) && !/^_?(total|protocol|insurance|cumulative)/i.test(name) && !/^_?reserve$/i.test(name) &&
    target?.nodeType === "MemberAccess" && !isThisAddress(program, child(target, "expression"))
  ) return true;
  // (a project contract's quote is followed into its code instead: see ownStateQuote)
  if (
    POOL_PRICE_CALL.test(name) && !ORACLE_MARK.test(name) && !/cumulative|average|twap|oracle/i.test(name) &&
    target?.nodeType === "MemberAccess" && isPoolAddress(child(target, "expression")) && !concreteContractType(program, child(target, "expression"))
  ) return true;
  if (name !== "balanceOf") return false;
  const args = list(n, "arguments");
  return args.length === 1 && !isThisAddress(program, args[0]) && isPoolAddress(args[0]);
}

const FAIR_CALL = /fair|^_?sqrt$/i;

/** Implementations in this compilation of the function an external call invokes (`oracle.getPrice()` → `SpotOracle.getPrice`). */
function implementationsOf(program: Program, call: AstNode, memo: Map<AstNode, AstNode[]>): AstNode[] {
  const decl = program.declOf(unwrapCallOptions(child(call, "expression")).callee);
  if (decl?.nodeType !== "FunctionDefinition") return [];
  const known = memo.get(decl);
  if (known) return known;
  const out: AstNode[] = [];
  const owner = program.contractOf(decl);
  if (child(decl, "body")) out.push(decl);
  else if (owner) {
    const name = str(decl, "name") ?? "";
    const arity = parameters(decl).length;
    const candidates = program.files.flatMap((f) =>
      list(f.ast, "nodes").filter((c) => c.nodeType === "ContractDefinition" && contractKind(c) === "contract" && c !== owner),
    );
    // Contracts that implement the interface; else (an interface declared beside, not inherited) any of that shape.
    for (const inherits of [true, false]) {
      for (const c of candidates) {
        if (inherits !== program.linearized(c).includes(owner)) continue;
        const impl = findFunction(program, c, name, arity);
        if (impl) out.push(impl);
      }
      if (out.length > 0) break;
    }
  }
  memo.set(decl, out);
  return out;
}

const RESERVES_CALL = /^_?getReserves\w*$/;
const RESERVE_NAME = /^_?reserve/i;

/**
 * Inside a contract `context`: a read of its own spot state, what a swap or a donation moves — its token or ether
 * balance (`token.balanceOf(address(this))`, `address(this).balance`), its reserves (`getReserves()`, a `reserve0`
 * state variable).
 */
function isOwnReserveRead(program: Program, n: AstNode, context: AstNode): boolean {
  if (isOwnBalance(program, n)) return true;
  if (n.nodeType === "FunctionCall") {
    const fn = internalTarget(program, n, context);
    return fn !== undefined && RESERVES_CALL.test(str(fn, "name") ?? "");
  }
  if (n.nodeType !== "Identifier") return false;
  const d = program.declOf(n);
  return d !== undefined && isStateVariable(d) && RESERVE_NAME.test(str(d, "name") ?? "") && /^uint/.test(typeString(d) ?? "");
}

/** What an own-state read measures: the token whose balance it is, ether, the reserves, a reserve variable. */
function reserveKey(program: Program, n: AstNode): string {
  if (n.nodeType === "MemberAccess") return "ether";
  if (n.nodeType === "Identifier") return `reserve:${str(program.declOf(n) ?? n, "name") ?? ""}`;
  const callee = unwrapCallOptions(child(n, "expression")).callee;
  if (externalName(program, n) === "balanceOf" && callee?.nodeType === "MemberAccess") {
    const token = child(callee, "expression");
    return token ? `balance:${program.text(token).replace(/\s+/g, "")}` : "balance";
  }
  return "reserves";
}

/**
 * Spot reads, also through another contract of the compilation: a call of `oracle.getPrice()` whose implementation
 * returns a value derived from a pool's reserves is a spot read too. So is a view of a project contract that quotes
 * from its own spot state (`exchange.getPrice()` where the exchange returns a ratio of its current token balances or
 * its reserves), resolved only when the receiver's type is a concrete contract of the scanned program and the view
 * reads no oracle (Chainlink feed, TWAP). `underlying` gives the reserve reads behind it; `quotesOwnState` tells the
 * calls resolved the second way.
 */
function spotSources(program: Program): {
  isSource: (n: AstNode) => boolean;
  underlying: (n: AstNode) => AstNode[];
  quotesOwnState: (n: AstNode) => boolean;
} {
  const impls = new Map<AstNode, AstNode[]>();
  const returned = new Map<AstNode, AstNode[]>();
  const ownQuotes = new Map<AstNode, AstNode[]>();
  const byCall = new Map<AstNode, AstNode[]>();
  const viaOwnState = new Set<AstNode>();
  const readsOf = (impl: AstNode): AstNode[] => {
    const known = returned.get(impl);
    if (known) return known;
    returned.set(impl, []);
    const flow = new ValueFlow(program, program.contractOf(impl), (n) => isSpotRead(program, n), 3);
    const root = flow.frame(impl);
    // fair LP pricing (Alpha Homora's): the reserves go through a geometric mean or a "fair reserves" computation
    // with the tokens' oracle prices (`sqrt(r0 * r1)`, `computeFairReserves(…)`), which a swap cannot move
    const fair = flow.reachable(root).some(({ frame }) =>
      findAll(child(frame.fn, "body")!, "FunctionCall").some((c) => FAIR_CALL.test(calledName(c) ?? "") && list(c, "arguments").some((a) => flow.taint(frame, a).size > 0)),
    );
    const reads = fair ? [] : [...root.returns];
    returned.set(impl, reads);
    return reads;
  };
  // The own-state reads a view of a concrete project contract returns, when they make a price: two different
  // balances or reserves (a ratio), or `getReserves()` (both at once).
  const ownStateQuote = (call: AstNode): AstNode[] => {
    const ext = externalCall(program, call);
    const c = ext ? concreteContractType(program, ext.target) : undefined;
    if (!ext || !c || isFromDependency(program, c)) return [];
    const impl = resolvedFunction(program, c, ext.functionName);
    if (!impl || !isReadOnly(impl)) return [];
    const known = ownQuotes.get(impl);
    if (known) return known;
    ownQuotes.set(impl, []);
    const flow = new ValueFlow(program, c, (n) => isOwnReserveRead(program, n, c), 3);
    const root = flow.frame(impl);
    const readsOracle = flow
      .reachable(root)
      .some(({ frame }) => findAll(child(frame.fn, "body")!, "FunctionCall").some((n) => ORACLE_MARK.test(externalName(program, n) ?? "")));
    const reads = [...root.returns];
    const keys = new Set(reads.map((r) => reserveKey(program, r)));
    const quote = !readsOracle && (keys.has("reserves") || keys.size >= 2) ? reads : [];
    ownQuotes.set(impl, quote);
    return quote;
  };
  const underlying = (n: AstNode): AstNode[] => {
    const known = byCall.get(n);
    if (known) return known;
    let out: AstNode[] = [];
    if (n.nodeType === "FunctionCall" && !isSpotRead(program, n) && externalCall(program, n)) {
      out = implementationsOf(program, n, impls).flatMap(readsOf);
      if (out.length === 0) {
        out = ownStateQuote(n);
        if (out.length > 0) viaOwnState.add(n);
      }
    }
    byCall.set(n, out);
    return out;
  };
  return {
    isSource: (n) => isSpotRead(program, n) || underlying(n).length > 0,
    underlying,
    quotesOwnState: (n) => underlying(n).length > 0 && viaOwnState.has(n),
  };
}

/** Whether the contract (with its bases) reads any node matching `pred` at all: a cheap test before the analysis. */
function contractUses(program: Program, contract: AstNode, pred: (n: AstNode) => boolean): boolean {
  for (const c of program.linearized(contract)) {
    let found = false;
    walk(c, (n) => {
      if (found) return false;
      if (pred(n)) found = true;
      return undefined;
    });
    if (found) return true;
  }
  return false;
}

/** `msg.value`. */
function isMsgValue(program: Program, expr: AstNode | undefined): boolean {
  const e = unwrap(expr);
  return e?.nodeType === "MemberAccess" && str(e, "memberName") === "value" && isGlobal(program, child(e, "expression"), "msg");
}

/** A bare parameter of `fn` (or a field of one) named like a caller-chosen bound, or `msg.value` (the most the caller pays). */
function isBoundParameter(program: Program, expr: AstNode | undefined, fn: AstNode): boolean {
  let e = unwrap(expr);
  if (e?.nodeType === "MemberAccess" && str(e, "memberName") === "value" && isGlobal(program, child(e, "expression"), "msg")) return true;
  let name = "";
  while (e?.nodeType === "MemberAccess") {
    name ||= str(e, "memberName") ?? "";
    e = unwrap(child(e, "expression"));
  }
  if (e?.nodeType !== "Identifier") return false;
  const d = program.declOf(e);
  if (!d || !parameters(fn).includes(d)) return false;
  return BOUND_NAME.test(name || (str(e, "name") ?? ""));
}

export const oracleSpotPrice: Detector = {
  id: "oracle-spot-price",
  category: "oracle_manipulation",
  title: "Prices taken from an AMM's spot reserves or balances (manipulable with a flash loan)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const { isSource, underlying, quotesOwnState } = spotSources(program);
    for (const contract of deployedContracts(ctx)) {
      if (!contractUses(program, contract, isSource)) continue;
      const flow = new ValueFlow(program, contract, isSource);
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn) || restricted(program, fn, contract)) continue;
        const frames = flow.reachable(flow.frame(fn));
        const sinks: { node: AstNode; sites: AstNode[] }[] = [];
        const sources: Sources = new Set();
        let bounded = false;
        let stored = false;
        let oracle = false;
        // Payments (`msg.value`) held against a project contract's own-state quote, and whether the function hands
        // anything over (a state write, a transfer or mint): then the quote is the price of what it sells.
        const paid: { node: AstNode; sites: AstNode[]; t: Sources }[] = [];
        let handsOver = false;
        for (const { frame, sites } of frames) {
          const body = child(frame.fn, "body")!;
          const calls = findAll(body, "FunctionCall");
          if (calls.some((c) => ORACLE_MARK.test(externalName(program, c) ?? ""))) oracle = true;
          handsOver ||=
            calls.some((c) => VALUE_CALL.test(calledName(c) ?? "")) ||
            findAll(body, "Assignment", "UnaryOperation", "FunctionCall").some((n) => writtenStateVariable(program, n) !== undefined);
          const sink = (node: AstNode, t: Sources): void => {
            sinks.push({ node, sites });
            addAll(sources, t);
          };
          // Guards that decide on the value (collateral checks, liquidation thresholds), not caller bounds.
          for (const g of guardConditions(program, body)) {
            for (const cmp of comparisonsIn(g.cond)) {
              const l = child(cmp, "leftExpression");
              const r = child(cmp, "rightExpression");
              // `msg.value == price` (or `!=` then revert): an exact charge, counted below only against an own-state quote
              const exactCharge = ["==", "!="].includes(str(cmp, "operator") ?? "") && (isMsgValue(program, l) || isMsgValue(program, r));
              if (!ORDERINGS.has(str(cmp, "operator") ?? "") && !exactCharge) continue;
              const lt = flow.taint(frame, l);
              const rt = flow.taint(frame, r);
              if (lt.size === 0 && rt.size === 0) continue;
              if (exactCharge) {
                const t = lt.size > 0 ? lt : rt;
                if ([...t].some(quotesOwnState)) paid.push({ node: g.node, sites, t });
                continue;
              }
              const other = lt.size > 0 ? r : l;
              if ((lt.size > 0) !== (rt.size > 0) && isBoundParameter(program, other, frame.fn)) {
                // `msg.value` is the most a buyer pays for a quote of a pool it swaps through, but against the quote of
                // the project's own exchange it is the price this contract charges: a pushed-down quote is a discount.
                const t = lt.size > 0 ? lt : rt;
                if (isMsgValue(program, other) && [...t].some(quotesOwnState)) paid.push({ node: g.node, sites, t });
                else bounded = true;
                continue;
              }
              if (isZeroLiteral(other) || (lt.size > 0 && rt.size > 0)) continue;
              sink(g.node, unionOf([lt, rt]));
            }
          }
          // Stored valuations (collateral, debt, prices, shares).
          for (const n of findAll(body, "Assignment", "FunctionCall")) {
            const w = writtenStateVariable(program, n);
            if (!w) continue;
            const value = n.nodeType === "Assignment" ? child(n, "rightHandSide") : list(n, "arguments")[0];
            const t = flow.taint(frame, value);
            if (t.size > 0) {
              sink(n, t);
              stored = true;
            }
          }
          // Value sent, minted or lent on the strength of the price.
          for (const c of calls) {
            const ll = lowLevelCall(program, c);
            if (ll) {
              const t = flow.taint(frame, ll.value);
              if (t.size > 0) sink(c, t);
              continue;
            }
            const name = calledName(c) ?? "";
            if (!VALUE_CALL.test(name)) continue;
            const target = internalTarget(program, c, contract);
            if (target && !isLibraryFunction(program, target)) continue; // internal mints: their writes are found inside
            const args = target ? argumentsFor(program, c, target) : list(c, "arguments");
            const amount = args[args.length - 1];
            if (args.length >= 2 && isPoolAddress(args[args.length - 2])) continue; // paying the pool itself: a trade
            const t = flow.taint(frame, amount);
            if (t.size > 0) sink(c, t);
          }
        }
        if (handsOver) {
          for (const p of paid) {
            sinks.push({ node: p.node, sites: p.sites });
            addAll(sources, p.t);
          }
        }
        const charged = handsOver && paid.length > 0;
        // A quote the caller bounds (amountOutMin, msg.value) is a trade, unless the price is also booked in storage
        // or charged for what the function sells.
        if (sinks.length === 0 || (bounded && !stored && !charged) || oracle) continue;
        const viaProject = [...sources].filter(quotesOwnState);
        const srcItems = [...sources].flatMap((s) => {
          const sites = frames.find((f) => program.contains(child(f.frame.fn, "body")!, s))?.sites ?? [];
          return [{ node: s, sites }, ...underlying(s).map((u) => ({ node: u, sites: [] }))];
        });
        const lines = reportLines(program, file, [...srcItems, ...sinks], fn);
        ctx.report({
          detector: "oracle-spot-price",
          category: "oracle_manipulation",
          severity: "high",
          confidence: "medium",
          lines,
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() values assets with a price read from an AMM pool's current reserves or balances` +
            (viaProject.length > 0
              ? ` (\`${program.text(viaProject[0]!).split("\n")[0]!.slice(0, 80)}\` quotes from that contract's ` +
                "current token balances or reserves). "
              : ". ") +
            "Anyone can move that price within one transaction (a flash loan, a large swap), call this function at the " +
            "distorted price and swap back: borrow against inflated collateral, mint or buy cheaply, liquidate healthy positions.",
          remediation:
            "Do not price anything with a pool's spot state. Use a manipulation-resistant oracle — a Chainlink feed with " +
            "staleness checks, or a time-weighted average price (Uniswap V3 `observe`, a V2 cumulative-price TWAP over a " +
            "window of minutes):\n```solidity\n(, int256 answer, , uint256 updatedAt, ) = priceFeed.latestRoundData();\n" +
            "require(answer > 0 && block.timestamp - updatedAt <= MAX_DELAY, \"bad price\");\n" +
            "uint256 value = collateral[user] * uint256(answer) / 10 ** priceFeed.decimals();\n```",
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- oracle-stale-price

/** Locals bound by `(…) = call` / `T x = call`, by position in the call's result. */
function resultBindings(program: Program, call: AstNode): (AstNode | undefined)[] | undefined {
  let node = call;
  let parent = program.parent(node);
  while (parent && parent.nodeType === "FunctionCall" && list(parent, "arguments").length === 1 && unwrap(parent) !== parent) {
    node = parent;
    parent = program.parent(node);
  }
  if (parent?.nodeType === "TryStatement" && child(parent, "externalCall") === node) {
    const success = list(parent, "clauses")[0];
    return list(child(success, "parameters"), "parameters");
  }
  if (parent?.nodeType === "VariableDeclarationStatement" && child(parent, "initialValue") === node) {
    return ((parent.declarations as (AstNode | null)[] | undefined) ?? []).map((d) => d ?? undefined);
  }
  if (parent?.nodeType === "Assignment" && child(parent, "rightHandSide") === node) {
    const lhs = child(parent, "leftHandSide");
    const targets = lhs?.nodeType === "TupleExpression" ? ((lhs.components as (AstNode | null)[] | undefined) ?? []) : [lhs ?? null];
    return targets.map((t) => {
      const d = t ? program.declOf(unwrap(t)) : undefined;
      return d?.nodeType === "VariableDeclaration" ? d : undefined;
    });
  }
  return undefined;
}

interface OracleCheck {
  /** The answer is compared (with zero or a bound) in a guard. */
  answer: boolean;
  /** The update time is compared with block.timestamp in a guard. */
  fresh: boolean;
}

/**
 * Whether guards in `fn` (and the internal functions it passes the values to, and — when `fn` returns them — its
 * callers in the same contract) check an answer and its update time. `answer`/`time` tell which nodes carry them.
 */
function oracleChecks(
  program: Program,
  contract: AstNode,
  fn: AstNode,
  isAnswer: (n: AstNode) => boolean,
  isTime: (n: AstNode) => boolean,
  returned: { answer: boolean; time: boolean } = { answer: false, time: false },
  depth = 0,
): OracleCheck {
  const isNow = (n: AstNode): boolean => blockValue(program, n) === "timestamp";
  const flow = new ValueFlow(program, contract, (n) => isAnswer(n) || isTime(n) || isNow(n), 3);
  const root = flow.frame(fn);
  const out: OracleCheck = { answer: false, fresh: false };
  for (const { frame } of flow.reachable(root)) {
    for (const g of guardConditions(program, child(frame.fn, "body")!)) {
      for (const cmp of comparisonsIn(g.cond)) {
        const t = flow.taint(frame, cmp);
        const hasAnswer = [...t].some(isAnswer);
        const hasTime = [...t].some(isTime);
        if (hasAnswer) out.answer = true;
        if (hasTime && [...t].some(isNow)) out.fresh = true;
      }
    }
  }
  if ((out.answer && out.fresh) || depth >= 2) return out;
  // Returned to callers in this contract: they may check.
  const returnsAnswer = returned.answer || [...root.returns].some(isAnswer);
  const returnsTime = returned.time || [...root.returns].some(isTime);
  if (!returnsAnswer && !returnsTime) return out;
  for (const caller of program.linearized(contract).flatMap((c) => callablesOf(c))) {
    for (const call of findAll(child(caller, "body")!, "FunctionCall")) {
      if (internalTarget(program, call, contract) !== fn) continue;
      const sub = oracleChecks(
        program,
        contract,
        caller,
        (n) => n === call && returnsAnswer,
        (n) => n === call && returnsTime,
        undefined,
        depth + 1,
      );
      if (sub.answer) out.answer = true;
      if (sub.fresh) out.fresh = true;
    }
  }
  return out;
}

/**
 * Whether the call reads a status rather than a price: Chainlink's L2 sequencer-uptime feed (0: the sequencer is up,
 * 1: it is down; its `startedAt` starts the grace period), named so (`sequencerUptimeFeed`) or with its answer compared
 * for equality with 1.
 */
/** Whether every read of a bound answer sits in a guard condition of the function (it is checked, not used). */
function answerOnlyChecked(program: Program, fn: AstNode, answer: AstNode): boolean {
  const body = child(fn, "body")!;
  const uses = findAll(body, "Identifier").filter((i) => program.declOf(i) === answer);
  const conds = guardConditions(program, body).map((g) => g.cond);
  return uses.length > 0 && uses.every((u) => conds.some((c) => c === u || program.contains(c, u)));
}

/** A Chainlink read: an aggregator's `latestRoundData()`, or the Feed Registry's `latestRoundData(base, quote)` (same answer). */
function chainlinkReadArity(call: AstNode): boolean {
  const n = list(call, "arguments").length;
  return n === 0 || n === 2;
}

function isStatusFeed(program: Program, fn: AstNode, call: AstNode, answer: AstNode): boolean {
  const feed = child(child(call, "expression"), "expression");
  const names = feed ? [feed, ...findAll(feed, "Identifier"), ...findAll(feed, "MemberAccess")].map((x) => str(x, "name") ?? str(x, "memberName") ?? "") : [];
  if (names.some((n) => /sequencer|uptime/i.test(n))) return true;
  const isAnswer = (n: AstNode | undefined): boolean => n?.nodeType === "Identifier" && program.declOf(n) === answer;
  const isOne = (n: AstNode | undefined): boolean => n?.nodeType === "Literal" && n.value === "1";
  return findAll(child(fn, "body")!, "BinaryOperation").some((op) => {
    if (op.operator !== "==" && op.operator !== "!=") return false;
    const l = stripConversions(child(op, "leftExpression"));
    const r = stripConversions(child(op, "rightExpression"));
    return (isAnswer(l) && isOne(r)) || (isAnswer(r) && isOne(l));
  });
}

export const oracleStalePrice: Detector = {
  id: "oracle-stale-price",
  category: "oracle_manipulation",
  title: "Chainlink answers used without checking that they are positive and fresh (or the deprecated latestAnswer)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      for (const fn of callablesOf(contract)) {
        // A deadline the caller passes and the function never reads: the transaction executes whenever it is mined.
        const unread = fn.nodeType === "FunctionDefinition" && isEntryPoint(fn) && !isReadOnly(fn) ? unreadDeadline(program, fn) : undefined;
        if (unread && program.fileOf(fn) === file) {
          ctx.report({
            detector: "missing-slippage",
            category: "front_running",
            severity: "medium",
            confidence: "high",
            lines: linesIn(program, file, [unread]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() takes \`${str(unread, "name")}\` but never reads it: the deadline the caller sets is not ` +
              "enforced, so a transaction that lingers in the mempool still executes, at whatever price holds when a block " +
              "producer finds it most profitable.",
            remediation:
              `Revert once the deadline has passed:\n\`\`\`solidity\nif (block.timestamp > ${str(unread, "name")}) revert DeadlinePassed(${str(unread, "name")});\n\`\`\``,
          });
        }
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          const name = externalName(program, call);
          if ((name !== "latestRoundData" && name !== "latestAnswer") || !chainlinkReadArity(call)) continue;
          const bound = resultBindings(program, call);
          let check: OracleCheck;
          if (name === "latestRoundData") {
            const answer = bound?.[1];
            const startedAt = bound?.[2];
            const updatedAt = bound?.[3];
            if (bound && !answer && !updatedAt && !startedAt) continue; // only the round id is read
            if (answer && isStatusFeed(program, fn, call, answer)) continue; // an L2 sequencer-uptime feed, not a price
            // a probe in a privileged setup function (`require(price > 0, "invalid price")` when the owner adds a feed): the
            // answer is only checked, never used as a price
            if (answer && isAccessControlled(program, fn, contract) && answerOnlyChecked(program, fn, answer)) continue;
            const refs = (d: AstNode | undefined) => (n: AstNode): boolean =>
              d !== undefined && n.nodeType === "Identifier" && program.declOf(n) === d;
            const outputs = list(child(fn, "returnParameters"), "parameters");
            const returned = {
              answer: answer !== undefined && outputs.includes(answer),
              time: [updatedAt, startedAt].some((d) => d !== undefined && outputs.includes(d)),
            };
            check = bound
              ? oracleChecks(program, contract, fn, refs(answer), (n) => refs(updatedAt)(n) || refs(startedAt)(n), returned)
              : oracleChecks(program, contract, fn, (n) => n === call, (n) => n === call);
            if (bound && !answer) check.answer = true; // the answer is not used here
          } else {
            const isStamp = (n: AstNode): boolean => n.nodeType === "FunctionCall" && externalName(program, n) === "latestTimestamp";
            const refs = (n: AstNode): boolean => n === call || (bound?.[0] !== undefined && n.nodeType === "Identifier" && program.declOf(n) === bound[0]);
            check = oracleChecks(program, contract, fn, refs, isStamp);
          }
          if (check.answer && check.fresh) continue;
          const deprecated = name === "latestAnswer";
          const missing = [
            ...(check.answer ? [] : ["that the answer is positive"]),
            ...(check.fresh ? [] : [`how old the answer is (${deprecated ? "latestTimestamp()" : "updatedAt"} against block.timestamp)`]),
          ];
          ctx.report({
            detector: "oracle-stale-price",
            category: "oracle_manipulation",
            severity: "medium",
            confidence: missing.length === 2 || deprecated ? "high" : "medium",
            lines: linesIn(program, file, [call]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              (deprecated
                ? `${displayName(fn)}() reads the deprecated \`latestAnswer()\` (which does not tell when the price was last updated)`
                : `${displayName(fn)}() uses \`latestRoundData()\``) +
              ` without checking ${missing.join(" or ")}. A feed that stopped updating (heartbeat missed, sequencer down, ` +
              "feed deprecated) or returns 0 lets users borrow, liquidate or swap at a wrong price.",
            remediation:
              "Read `latestRoundData()` and reject non-positive or stale answers (choose the maximum age from the feed's " +
              "heartbeat):\n```solidity\n(uint80 roundId, int256 answer, , uint256 updatedAt, uint80 answeredInRound) = feed.latestRoundData();\n" +
              "require(answer > 0, \"invalid price\");\nrequire(updatedAt != 0 && block.timestamp - updatedAt <= MAX_PRICE_AGE, \"stale price\");\n" +
              "require(answeredInRound >= roundId, \"stale round\");\n```",
          });
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- oracle-shared-heartbeat

/**
 * Two Chainlink feeds read in one function and held to one maximum age: feeds have different heartbeats (ETH/USD
 * 3,600 s, USDC/USD 86,400 s on mainnet), so a single `heartbeatInterval` / `outdated` either rejects the slow feed most
 * of the time or accepts a fast feed's answer long after it went stale. Each feed's own threshold (a second variable, a
 * mapping keyed by the feed) is not reported.
 */
export const oracleSharedHeartbeat: Detector = {
  id: "oracle-shared-heartbeat",
  category: "oracle_manipulation",
  title: "Two Chainlink feeds checked against one staleness threshold (their heartbeats differ)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      for (const fn of callablesOf(contract)) {
        if (program.fileOf(fn) !== file) continue;
        const body = child(fn, "body")!;
        // threshold declaration → the feeds held to it, and the calls and comparisons that do it
        const byThreshold = new Map<AstNode, { feeds: Set<string>; nodes: AstNode[] }>();
        for (const call of findAll(body, "FunctionCall")) {
          if (externalName(program, call) !== "latestRoundData" || !chainlinkReadArity(call)) continue;
          const bound = resultBindings(program, call);
          const updatedAt = bound?.[3];
          const answer = bound?.[1];
          if (!updatedAt || (answer && isStatusFeed(program, fn, call, answer))) continue;
          const feed = child(child(call, "expression"), "expression");
          if (!feed) continue;
          const feedKey = exprKey(program, stripConversions(feed) ?? feed);
          for (const cmp of findAll(body, "BinaryOperation")) {
            if (!/^(<|<=|>|>=)$/.test(str(cmp, "operator") ?? "")) continue;
            const ids = findAll(cmp, "Identifier");
            if (!ids.some((i) => program.declOf(i) === updatedAt)) continue;
            if (!findAll(cmp, "MemberAccess").some((m) => blockValue(program, m) === "timestamp")) continue;
            if (findAll(cmp, "IndexAccess").length > 0) continue; // a threshold per feed
            const thresholds = ids
              .map((i) => program.declOf(i))
              .filter((d): d is AstNode => d !== undefined && d !== updatedAt && d.nodeType === "VariableDeclaration" && isStateVariable(d));
            for (const t of new Set(thresholds)) {
              const entry = byThreshold.get(t) ?? { feeds: new Set<string>(), nodes: [] };
              entry.feeds.add(feedKey);
              entry.nodes.push(call, cmp);
              byThreshold.set(t, entry);
            }
          }
        }
        for (const [threshold, { feeds, nodes }] of byThreshold) {
          if (feeds.size < 2) continue;
          const name = str(threshold, "name") ?? "the threshold";
          ctx.report({
            detector: "oracle-shared-heartbeat",
            category: "oracle_manipulation",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, nodes),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() reads ${feeds.size} Chainlink feeds (${[...feeds].join(", ")}) and holds each answer to the ` +
              `same maximum age, \`${name}\`. Feeds have different heartbeats (ETH/USD updates every hour, USDC/USD once a ` +
              "day on mainnet): a threshold that fits the slow feed accepts the fast feed's answer hours after it went stale, " +
              "and one that fits the fast feed rejects the slow feed most of the day.",
            remediation:
              "Give each feed its own maximum age, set from that feed's heartbeat:\n```solidity\n" +
              "require(block.timestamp - assetUpdatedAt <= assetHeartbeat, \"asset price stale\");\n" +
              "require(block.timestamp - usdcUpdatedAt <= usdcHeartbeat, \"USDC price stale\");\n```",
          });
        }
      }
    }
  },
};

/**
 * A Chainlink price read on a rollup with one sequencer (the project says it deploys there: `--chains arbitrum`) in a
 * contract that never reads the sequencer-uptime feed. While the sequencer is down the feed's last answer stays in
 * place and only transactions forced through L1 get in; when it comes back, users act on prices that are hours old
 * before anyone can react. Chainlink's guidance: revert while the sequencer is down and for a grace period after.
 * Silent when the project names no chain or only chains without such a sequencer.
 */
export const oracleSequencerUptime: Detector = {
  id: "oracle-sequencer-uptime",
  category: "oracle_manipulation",
  title: "Chainlink prices read on an L2 (declared with --chains) without checking the sequencer-uptime feed",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const l2s = sequencerChains(ctx.chains);
    if (l2s.length === 0) return;
    for (const contract of deployedContracts(ctx)) {
      // the contract (and its bases) reads a sequencer feed somewhere, or names one: it thought of the sequencer
      const names = program
        .linearized(contract)
        .flatMap((c) => [...findAll(c, "Identifier"), ...findAll(c, "MemberAccess"), ...findAll(c, "VariableDeclaration"), ...findAll(c, "FunctionDefinition")])
        .map((n) => str(n, "name") ?? str(n, "memberName") ?? "");
      if (names.some((n) => /sequencer/i.test(n))) continue;
      for (const fn of callablesOf(contract)) {
        if (program.fileOf(fn) !== file) continue;
        const reads = findAll(child(fn, "body")!, "FunctionCall").filter((call) => {
          const name = externalName(program, call);
          if ((name !== "latestRoundData" && name !== "latestAnswer") || !chainlinkReadArity(call)) return false;
          const answer = name === "latestRoundData" ? resultBindings(program, call)?.[1] : undefined;
          return !(answer && isStatusFeed(program, fn, call, answer));
        });
        if (reads.length === 0) continue;
        ctx.report({
          detector: "oracle-sequencer-uptime",
          category: "oracle_manipulation",
          severity: "medium",
          confidence: "medium",
          lines: linesIn(program, file, reads),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() reads a Chainlink price and the contracts are deployed to ${l2s.join(", ")}, where one sequencer orders ` +
            "transactions, but nothing checks Chainlink's sequencer-uptime feed. While the sequencer is down the price stays at its " +
            "last answer and only transactions forced through L1 get in; when it is back, stale prices are used (liquidations, " +
            "mints, redemptions at the old price) before anyone can react.",
          remediation:
            "Read the sequencer-uptime feed first and revert while it is down and for a grace period after it comes back:\n```solidity\n" +
            "(, int256 status, uint256 startedAt, , ) = sequencerUptimeFeed.latestRoundData();\n" +
            "if (status != 0) revert SequencerDown();\nif (block.timestamp - startedAt <= GRACE_PERIOD) revert GracePeriodNotOver();\n```",
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- vault-share-inflation

const MUL_DIV = /^(mulDiv|mulDivDown|mulDivUp|fullMulDiv|fullMulDivUp|mulDivRoundingUp)$/;
const SUPPLY_NAME = /^_?(total(Supply|Shares|ShareSupply)|sharesTotal|shareSupply)$/i;
const OFFSET_NAME = /offset|virtual/i;
const MIN_NAME = /^_?(MIN|MINIMUM)_|^_?min(imum)?_?(Deposit|Shares|Liquidity|Assets|Amount|Supply|Mint)/i;
const DEAD_NAME = /dead|burn|lock/i;

function isSupplyRead(program: Program, n: AstNode): boolean {
  if (n.nodeType === "FunctionCall") return calledName(n) === "totalSupply" && list(n, "arguments").length === 0;
  if (n.nodeType === "Identifier") {
    const d = program.declOf(n);
    return d !== undefined && isStorageVariable(program, d) && SUPPLY_NAME.test(str(d, "name") ?? "");
  }
  return false;
}

/** The numerator factors and the denominator of `a * b / c` or `mulDiv(a, b, c)`. */
function divisionParts(program: Program, n: AstNode, context: AstNode): { num: AstNode[]; den: AstNode } | undefined {
  if (n.nodeType === "BinaryOperation" && str(n, "operator") === "/") {
    const l = child(n, "leftExpression");
    const r = child(n, "rightExpression");
    return l && r ? { num: [l], den: r } : undefined;
  }
  if (n.nodeType === "FunctionCall" && MUL_DIV.test(calledName(n) ?? "")) {
    const fn = internalTarget(program, n, context);
    const args = argumentsFor(program, n, fn);
    if (args.length < 3) return undefined;
    return { num: [args[0]!, args[1]!], den: args[2]! };
  }
  return undefined;
}

/** A virtual offset in an expression: `x + 1`, `x + 10 ** offset`, `x + VIRTUAL_SHARES`, through locals and helpers. */
function hasOffset(program: Program, expr: AstNode | undefined, context: AstNode, depth = 0): boolean {
  if (!expr || depth > 3) return false;
  const term = (e: AstNode | undefined): boolean => {
    const t = unwrap(e);
    if (!t) return false;
    if (t.nodeType === "Literal") return !isZeroLiteral(t);
    if (t.nodeType === "BinaryOperation" && str(t, "operator") === "**") return true;
    if (OFFSET_NAME.test(nameOf(t))) return true;
    if (t.nodeType === "Identifier") {
      const d = program.declOf(t);
      return d?.nodeType === "VariableDeclaration" && d.stateVariable === true && isConstantVariable(d);
    }
    return false;
  };
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (n.nodeType === "BinaryOperation" && str(n, "operator") === "+" && (term(child(n, "leftExpression")) || term(child(n, "rightExpression")))) {
      found = true;
      return false;
    }
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true) {
        const init = initialValueOf(program, d);
        if (init && hasOffset(program, init, context, depth + 1)) found = true;
      }
    } else if (n.nodeType === "FunctionCall") {
      const fn = internalTarget(program, n, context);
      if (fn && !isLibraryFunction(program, fn)) {
        for (const r of findAll(child(fn, "body")!, "Return")) if (hasOffset(program, child(r, "expression"), context, depth + 1)) found = true;
      }
    }
    return undefined;
  });
  return found;
}

/** Dead shares minted to an unowned address, or a minimum first deposit, anywhere in these functions. */
function protectsFirstDeposit(program: Program, fns: AstNode[]): boolean {
  const deadAddress = (e: AstNode | undefined): boolean => {
    const t = unwrap(e);
    if (!t) return false;
    if (t.nodeType === "Literal") return true;
    if (DEAD_NAME.test(nameOf(t))) return true;
    const d = t.nodeType === "Identifier" ? program.declOf(t) : undefined;
    return d?.nodeType === "VariableDeclaration" && d.stateVariable === true && isConstantVariable(d);
  };
  for (const fn of fns) {
    const body = child(fn, "body");
    if (!body) continue;
    for (const c of findAll(body, "FunctionCall")) {
      if (/^_?mint$/i.test(calledName(c) ?? "") && deadAddress(list(c, "arguments")[0])) return true;
    }
    for (const a of findAll(body, "Assignment")) {
      const lhs = child(a, "leftHandSide");
      if (lhs?.nodeType === "IndexAccess" && writtenStateVariable(program, a) && deadAddress(child(lhs, "indexExpression"))) return true;
    }
    for (const g of guardConditions(program, body)) {
      let named = false;
      walk(g.cond, (n) => {
        if ((n.nodeType === "Identifier" || n.nodeType === "MemberAccess") && MIN_NAME.test(nameOf(n))) named = true;
        return undefined;
      });
      if (named) return true;
    }
  }
  return false;
}

export const vaultShareInflation: Detector = {
  id: "vault-share-inflation",
  category: "defi_accounting",
  title: "Vault shares priced on the contract's own token balance without virtual shares or dead shares (inflation attack)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      if (!contractUses(program, contract, (n) => isOwnBalance(program, n))) continue;
      const isSource = (n: AstNode): boolean => isOwnBalance(program, n) || isSupplyRead(program, n);
      const flow = new ValueFlow(program, contract, isSource);
      const ctor = program.linearized(contract).flatMap((c) => functionsOf(c)).filter((f) => str(f, "kind") === "constructor" || f.isConstructor === true);
      const reported = new Set<AstNode>();
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn) || restricted(program, fn, contract)) continue;
        const frames = flow.reachable(flow.frame(fn));
        for (const { frame, sites } of frames) {
          if (isLibraryFunction(program, frame.fn)) continue; // the maths inside mulDiv: judged at its call
          for (const n of findAll(child(frame.fn, "body")!, "BinaryOperation", "FunctionCall")) {
            if (reported.has(n)) continue;
            const parts = divisionParts(program, n, contract);
            if (!parts) continue;
            const den = flow.taint(frame, parts.den);
            const balances = [...den].filter((s) => isOwnBalance(program, s));
            if (balances.length === 0) continue;
            if (![...unionOf(parts.num.map((x) => flow.taint(frame, x)))].some((s) => isSupplyRead(program, s))) continue;
            if (hasOffset(program, parts.den, contract) || parts.num.some((x) => hasOffset(program, x, contract))) continue;
            // The quotient must become shares: minted, or credited to storage.
            const shareFlow = new ValueFlow(program, contract, (m) => m === n);
            const shareFrames = shareFlow.reachable(shareFlow.frame(fn));
            const credited = shareFrames.some(({ frame: f }) => {
              if (/burn|transfer|update|withdraw|redeem/i.test(str(f.fn, "name") ?? "")) return false;
              const body = child(f.fn, "body")!;
              const mints = findAll(body, "FunctionCall").some(
                (c) => /^_?mint$/i.test(calledName(c) ?? "") && list(c, "arguments").some((a) => shareFlow.taint(f, a).size > 0),
              );
              const credits = findAll(body, "Assignment").some((a) => {
                if (!writtenStateVariable(program, a)) return false;
                const op = str(a, "operator");
                const rhs = child(a, "rightHandSide");
                if (op === "+=") return shareFlow.taint(f, rhs).size > 0;
                return op === "=" && rhs?.nodeType === "BinaryOperation" && str(rhs, "operator") === "+" && shareFlow.taint(f, rhs).size > 0;
              });
              return mints || credits;
            });
            if (!credited) continue;
            if (protectsFirstDeposit(program, [...frames.map((f) => f.frame.fn), ...ctor])) continue;
            reported.add(n);
            const srcSites = balances.map((b) => ({ node: b, sites: frames.find((f) => program.contains(child(f.frame.fn, "body")!, b))?.sites ?? sites }));
            ctx.report({
              detector: "vault-share-inflation",
              category: "defi_accounting",
              severity: "high",
              confidence: "medium",
              lines: reportLines(program, file, [{ node: n, sites }, ...srcSites], fn),
              contract: str(contract, "name"),
              function: displayName(fn),
              message:
                `${displayName(fn)}() prices shares as assets × totalSupply / totalAssets, with totalAssets read from the ` +
                "contract's own token balance and no virtual shares, dead shares or minimum deposit. The first depositor can " +
                "mint 1 share, then donate tokens straight to the vault: the next depositor's shares round down to 0 (or 1) " +
                "and the attacker redeems their deposit.",
            remediation:
                "Add a virtual offset to the share price (what OpenZeppelin's ERC4626 does with `_decimalsOffset()`), or " +
                "track deposited assets in storage instead of reading `balanceOf(address(this))`, and/or mint dead shares on " +
                "the first deposit:\n```solidity\nshares = Math.mulDiv(assets, totalSupply() + 10 ** OFFSET, totalAssets() + 1);\n" +
                "// or: uint256 public totalManagedAssets; (+= on deposit, -= on withdraw) instead of balanceOf(address(this))\n```",
            });
          }
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- fee-on-transfer

/**
 * An ERC-20 pull into this contract: `token.transferFrom(from, address(this), amount)` or SafeERC20's, and Permit2's
 * (`permit2.transferFrom(from, address(this), amount, token)`, `permit2.permitTransferFrom(permit,
 * SignatureTransferDetails({to: address(this), requestedAmount: amount}), owner, signature)`).
 */
function pullIntoThis(program: Program, call: AstNode, context: AstNode): AstNode | undefined {
  const name = calledName(call);
  const args = list(call, "arguments");
  if (name === "permitTransferFrom" && externalName(program, call) === "permitTransferFrom" && args.length === 4) {
    const fn = program.callableOf(call);
    const details = fn ? structFields(program, args[1], fn) : undefined;
    const to = details?.get("to");
    const amount = details?.get("requestedAmount");
    return amount && isThisAddress(program, to) ? amount : undefined;
  }
  if (name === "transferFrom" && args.length === 4) {
    // Permit2's AllowanceTransfer.transferFrom(from, to, uint160 amount, token)
    if (externalName(program, call) !== "transferFrom" || !/uint160/.test(typeString(args[2]) ?? "")) return undefined;
    return isThisAddress(program, args[1]) ? args[2] : undefined;
  }
  if (name === "transferFrom") {
    if (externalName(program, call) !== "transferFrom" || args.length !== 3) return undefined;
    const t = typeString(child(call, "expression"));
    if (t !== undefined && !/returns \(bool\)/.test(t)) return undefined; // ERC-721 transferFrom returns nothing
    return isThisAddress(program, args[1]) ? args[2] : undefined;
  }
  if (name === "safeTransferFrom") {
    const fn = internalTarget(program, call, context);
    if (!fn || !isLibraryFunction(program, fn)) return undefined; // ERC-721/1155 safeTransferFrom are external
    const all = argumentsFor(program, call, fn);
    if (all.length !== 4) return undefined;
    return isThisAddress(program, all[2]) ? all[3] : undefined;
  }
  return undefined;
}

/**
 * An ERC-20 pull into another contract of interface type: `token.safeTransferFrom(msg.sender, address(vault), amount)`
 * (or `transferFrom`): the contract expression the tokens go to, and the amount.
 */
function pullIntoContract(program: Program, call: AstNode, context: AstNode): { to: AstNode; amount: AstNode } | undefined {
  const name = calledName(call);
  const args = list(call, "arguments");
  let to: AstNode | undefined;
  let amount: AstNode | undefined;
  if (name === "transferFrom" && args.length === 3 && externalName(program, call) === "transferFrom") {
    const t = typeString(child(call, "expression"));
    if (t !== undefined && !/returns \(bool\)/.test(t)) return undefined;
    [to, amount] = [args[1], args[2]];
  } else if (name === "safeTransferFrom") {
    const fn = internalTarget(program, call, context);
    if (!fn || !isLibraryFunction(program, fn)) return undefined;
    const all = argumentsFor(program, call, fn);
    if (all.length !== 4) return undefined;
    [to, amount] = [all[2], all[3]];
  }
  const receiver = stripConversions(to);
  if (!receiver || !amount || isThisAddress(program, to)) return undefined;
  return /^contract /.test(typeString(receiver) ?? "") ? { to: receiver, amount } : undefined;
}

/**
 * The token a pull reads from, when its static type is a concrete token whose transfer functions all come from a
 * dependency (OpenZeppelin's or solmate's ERC20 unchanged): such a token moves exactly the amount asked.
 */
function isStandardTokenPull(program: Program, call: AstNode, context: AstNode): boolean {
  const c = concreteContractType(program, pulledToken(program, call, context));
  if (!c) return false;
  const impls = ["transfer", "transferFrom", "_transfer", "_update"].map((n) => effectiveImplementation(program, c, n)).filter((f): f is AstNode => f !== undefined);
  return impls.length > 0 && impls.every((f) => isFromDependency(program, f));
}

/** The token expression a pull reads from (`token.transferFrom(…)`, `token.safeTransferFrom(…)` / `SafeERC20.safeTransferFrom(token, …)`). */
function pulledToken(program: Program, call: AstNode, context: AstNode): AstNode | undefined {
  const args = list(call, "arguments");
  if (calledName(call) === "permitTransferFrom") {
    // permit.permitted.token
    const fn = program.callableOf(call);
    const permit = fn ? structFields(program, args[0], fn) : undefined;
    const permitted = permit?.get("permitted");
    return permitted && fn ? structFields(program, permitted, fn)?.get("token") : undefined;
  }
  if (calledName(call) === "transferFrom" && args.length === 4) return args[3];
  if (calledName(call) === "transferFrom") return child(child(call, "expression")!, "expression");
  const fn = internalTarget(program, call, context);
  return fn ? argumentsFor(program, call, fn)[0] : undefined;
}

/** Checks that admit a token only from a list an admin keeps: a role granted to the token, a whitelist entry. */
const ALLOW_CALL = /^(_checkRole|hasRole|isWhitelisted\w*|whitelisted\w*|isAllowed\w*|allowed\w*|isSupported\w*|supported\w*|isApproved\w*|isAccepted\w*|accepted\w*)$/i;
const ALLOW_LIST = /white|allow|support|approved|accepted|listed/i;

/**
 * Whether every entry point that runs `fn` admits `token` only through an allow-list: a role check on the token, a
 * whitelist lookup in a guard (`require(whitelist[token])`), in the entry point or a function it runs.
 */
export function allowListed(program: Program, fn: AstNode, contract: AstNode, token: AstNode | undefined): boolean {
  const key = (e: AstNode | undefined): string | undefined => {
    const x = stripConversions(e);
    return x ? exprKey(program, x) : undefined;
  };
  const want = key(token);
  if (!want) return false;
  const admits = (f: AstNode): boolean => {
    const body = child(f, "body");
    if (!body) return false;
    const calls = findAll(body, "FunctionCall").some((c) => {
      const callee = child(c, "expression");
      const name = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : callee?.nodeType === "Identifier" ? str(callee, "name") : undefined;
      return ALLOW_CALL.test(name ?? "") && list(c, "arguments").some((a) => key(a) === want);
    });
    if (calls) return true;
    return guardConditions(program, body).some((g) =>
      findAll(g.cond, "IndexAccess").some((ia) => key(child(ia, "indexExpression")) === want && ALLOW_LIST.test(program.text(child(ia, "baseExpression") ?? ia))),
    );
  };
  const entries = entriesReaching(program, fn, contract);
  return entries.length > 0 && entries.every((e) => internalReach(program, e, contract).some(admits));
}

const FOT_DOC = /fee[- ]on[- ]transfer|deflationary/i;
const FOT_DOC_LIMIT = /only|not support|unsupported|must not|are not|is not/i;

export const feeOnTransferAccounting: Detector = {
  id: "fee-on-transfer-accounting",
  category: "defi_accounting",
  title: "Deposits credited with the requested amount instead of the tokens received (fee-on-transfer tokens)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      for (const fn of functionsOf(contract)) {
        if (isReadOnly(fn)) continue;
        if (program.fileOf(fn) === file) creditsThroughReceiver(ctx, contract, fn);
        const body = child(fn, "body")!;
        const pulls = findAll(body, "FunctionCall")
          .map((c) => ({ call: c, amount: pullIntoThis(program, c, contract) }))
          .filter((p): p is { call: AstNode; amount: AstNode } => p.amount !== undefined && !isStandardTokenPull(program, p.call, contract));
        if (pulls.length === 0) continue;
        const amountDecls = new Set<AstNode>();
        for (const p of pulls) {
          walk(p.amount, (n) => {
            const d = n.nodeType === "Identifier" ? program.declOf(n) : undefined;
            if (d?.nodeType === "VariableDeclaration" && !isStorageVariable(program, d)) amountDecls.add(d);
            return undefined;
          });
        }
        if (amountDecls.size === 0) continue;
        const flow = new ValueFlow(program, contract, (n) => n.nodeType === "Identifier" && amountDecls.has(program.declOf(n)!), 3);
        const root = flow.frame(fn);
        const frames = flow.reachable(root);
        // The balance is measured after the transfer (balanceBefore / balanceAfter, or a check that all of it arrived).
        const firstPull = pulls[0]!.call;
        const readsBalance = (f: Frame): boolean =>
          flow.reachable(f).some(({ frame }) => findAll(child(frame.fn, "body")!, "FunctionCall").some((c) => isOwnBalance(program, c)));
        const measured = findAll(body, "FunctionCall").some((c) => {
          if (!program.before(firstPull, c) || program.contains(firstPull, c)) return false;
          if (isOwnBalance(program, c)) return true;
          const sub = root.calls.get(c);
          return sub !== undefined && readsBalance(sub);
        });
        if (measured) continue;
        const credits: { node: AstNode; sites: AstNode[] }[] = [];
        for (const { frame, sites } of frames) {
          if (program.fileOf(frame.fn) !== file || /burn|withdraw|redeem/i.test(str(frame.fn, "name") ?? "")) continue;
          for (const n of findAll(child(frame.fn, "body")!, "Assignment", "FunctionCall")) {
            if (!writtenStateVariable(program, n)) continue;
            const op = n.nodeType === "Assignment" ? str(n, "operator") : "push";
            if (op !== "=" && op !== "+=" && op !== "push") continue;
            const value = n.nodeType === "Assignment" ? child(n, "rightHandSide") : list(n, "arguments")[0];
            if (flow.taint(frame, value).size > 0) credits.push({ node: n, sites });
          }
        }
        if (credits.length === 0) continue;
        const docs = `${docText(contract)} ${docText(fn)}`;
        const documented = FOT_DOC.test(docs) && FOT_DOC_LIMIT.test(docs);
        // the one token the deployer chose, or the pull of a function only privileged callers run (the owner funding
        // rewards with a token of its choice): a fee-on-transfer token only if they pick one. (Pools the owner adds stay
        // medium: auditors report fee tokens in MasterChef-style pools, since one such pool drains the others.)
        // ...and a token the caller names but an allow-list the admin keeps must admit (`_checkRole(PAYMENTTOKEN_ROLE, token)`,
        // `require(whitelisted[token])`) on every way in: the admin's choice too
        const entries = entriesReaching(program, fn, contract);
        const fixed =
          restricted(program, fn, contract) ||
          (entries.length > 0 && entries.every((e) => restricted(program, e, contract))) ||
          pulls.every((p) => fixedAtDeployment(program, pulledToken(program, p.call, contract), contract) || allowListed(program, fn, contract, pulledToken(program, p.call, contract)));
        ctx.report({
          detector: "fee-on-transfer-accounting",
          category: "defi_accounting",
          severity: documented || fixed ? "low" : "medium",
          confidence: "medium",
          lines: reportLines(program, file, [...pulls.map((p) => ({ node: p.call, sites: [] })), ...credits], fn),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() credits the amount it asked \`transferFrom\` for, not what arrived. With a token that ` +
            "takes a fee on transfer (or a rebasing/deflationary token) the contract receives less than it books, so the " +
            "last users to withdraw find the contract short" +
            (documented
              ? " (the contract's documentation restricts it to standard tokens; the code does not enforce it)."
              : fixed
                ? " (the token is fixed at deployment, chosen by a privileged caller or admitted by an allow-list an admin keeps, so this matters only if they pick a token that takes a fee)."
                : "."),
          remediation:
            "Credit the balance difference measured around the transfer (and use `nonReentrant`, since the token is called " +
            "in between), or reject tokens that deliver less:\n```solidity\nuint256 before = token.balanceOf(address(this));\n" +
            "token.safeTransferFrom(msg.sender, address(this), amount);\nuint256 received = token.balanceOf(address(this)) - before;\n" +
            "balances[msg.sender] += received;\n```",
        });
      }
    }
  },
};

/**
 * The tokens go straight to another contract (an asset token, a strategy) and that contract is then told the requested
 * amount (`assetToken.mint(msg.sender, amount * rate)`, `strategy.increasePoolAmount(amount)`): it books more than a
 * fee-on-transfer token delivered. Reported under `fee-on-transfer-accounting` by the detector below.
 */
function creditsThroughReceiver(ctx: DetectorContext, contract: AstNode, fn: AstNode): void {
  const { program, file } = ctx;
  const body = child(fn, "body")!;
  for (const pull of findAll(body, "FunctionCall")) {
    const p = pullIntoContract(program, pull, contract);
    if (!p || isStandardTokenPull(program, pull, contract)) continue;
    const receiverKey = exprKey(program, p.to);
    const amountDecls = new Set<AstNode>();
    walk(p.amount, (n) => {
      const d = n.nodeType === "Identifier" ? program.declOf(n) : undefined;
      if (d?.nodeType === "VariableDeclaration" && !isStorageVariable(program, d)) amountDecls.add(d);
      return undefined;
    });
    if (amountDecls.size === 0) continue;
    // the receiver's balance read in the function: what arrived is measured
    const measured = findAll(body, "FunctionCall").some(
      (c) => externalName(program, c) === "balanceOf" && list(c, "arguments").some((a) => exprKey(program, stripConversions(a) ?? a) === receiverKey),
    );
    if (measured) continue;
    const flow = new ValueFlow(program, contract, (n) => n.nodeType === "Identifier" && amountDecls.has(program.declOf(n)!), 3);
    const frame = flow.frame(fn);
    const credits = findAll(body, "FunctionCall").filter((c) => {
      if (c === pull) return false;
      const ext = externalCall(program, c);
      if (!ext || ext.readOnly || exprKey(program, stripConversions(ext.target) ?? ext.target) !== receiverKey) return false;
      return list(c, "arguments").some((a) => flow.taint(frame, a).size > 0);
    });
    if (credits.length === 0) continue;
    const token = pulledToken(program, pull, contract);
    const entries = entriesReaching(program, fn, contract);
    const fixed =
      restricted(program, fn, contract) ||
      (entries.length > 0 && entries.every((e) => restricted(program, e, contract))) ||
      fixedAtDeployment(program, token, contract) ||
      allowListed(program, fn, contract, token);
    ctx.report({
      detector: "fee-on-transfer-accounting",
      category: "defi_accounting",
      severity: fixed ? "low" : "medium",
      confidence: "medium",
      lines: linesIn(program, file, [pull, ...credits]),
      contract: str(contract, "name"),
      function: displayName(fn),
      message:
        `${displayName(fn)}() sends the tokens straight to \`${program.text(p.to)}\` and then tells it the amount asked for ` +
        `(\`${program.text(credits[0]!).replace(/\s+/g, " ").slice(0, 70)}\`), not what arrived. With a token that takes a fee on ` +
        "transfer (or a rebasing token) the receiver books more than it holds, and the last holders to redeem find it short" +
        (fixed
          ? " (the token is fixed at deployment, chosen by a privileged caller or admitted by an allow-list an admin keeps, so this matters only if they pick a token that takes a fee)."
          : "."),
      remediation:
        "Measure the receiver's balance around the transfer and pass on what arrived, or reject tokens that deliver less:\n```solidity\n" +
        "uint256 before = token.balanceOf(address(vault));\ntoken.safeTransferFrom(msg.sender, address(vault), amount);\n" +
        "uint256 received = token.balanceOf(address(vault)) - before;\nvault.mint(msg.sender, received);\n```",
    });
  }
}

// ---------------------------------------------------------------------------------------------- missing-slippage

const MIN_PARAM = /^_?(amount\w*Min(imum)?|min(imum)?(_|[A-Z])\w*|min_?dy)$/;
const MAX_PARAM = /^_?(amount\w*Max(imum)?|max(imum)?(_|[A-Z])\w*In\w*)$/;
const DEADLINE_PARAM = /^_?(deadline|expiry|expiration)$/i;

/** Parameter names of well-known router functions, for calls whose declaration is not in the compilation. */
const KNOWN_PARAMS: Record<string, string[]> = {
  swapExactTokensForTokens: ["amountIn", "amountOutMin", "path", "to", "deadline"],
  swapExactTokensForTokensSupportingFeeOnTransferTokens: ["amountIn", "amountOutMin", "path", "to", "deadline"],
  swapExactETHForTokens: ["amountOutMin", "path", "to", "deadline"],
  swapExactETHForTokensSupportingFeeOnTransferTokens: ["amountOutMin", "path", "to", "deadline"],
  swapExactTokensForETH: ["amountIn", "amountOutMin", "path", "to", "deadline"],
  swapExactTokensForETHSupportingFeeOnTransferTokens: ["amountIn", "amountOutMin", "path", "to", "deadline"],
  swapTokensForExactTokens: ["amountOut", "amountInMax", "path", "to", "deadline"],
  swapTokensForExactETH: ["amountOut", "amountInMax", "path", "to", "deadline"],
  swapETHForExactTokens: ["amountOut", "path", "to", "deadline"],
  addLiquidity: ["tokenA", "tokenB", "amountADesired", "amountBDesired", "amountAMin", "amountBMin", "to", "deadline"],
  addLiquidityETH: ["token", "amountTokenDesired", "amountTokenMin", "amountETHMin", "to", "deadline"],
  removeLiquidity: ["tokenA", "tokenB", "liquidity", "amountAMin", "amountBMin", "to", "deadline"],
  removeLiquidityETH: ["token", "liquidity", "amountTokenMin", "amountETHMin", "to", "deadline"],
  // Curve pools (their interfaces are often declared without parameter names)
  exchange: ["i", "j", "dx", "min_dy"],
  exchange_underlying: ["i", "j", "dx", "min_dy"],
  remove_liquidity_one_coin: ["token_amount", "i", "min_amount"],
};

/** A literal zero, directly or through a constant or a local initialised to zero and never reassigned. */
function isZeroValue(program: Program, expr: AstNode | undefined, fn: AstNode): boolean {
  const e = unwrap(expr);
  if (isZeroLiteral(e)) return true;
  if (e?.nodeType !== "Identifier") return false;
  const d = program.declOf(e);
  if (d?.nodeType !== "VariableDeclaration") return false;
  if (d.stateVariable === true) return isConstantVariable(d) && str(d, "mutability") !== "immutable" && isZeroLiteral(child(d, "value"));
  if (parameters(fn).includes(d)) return false;
  const init = initialValueOf(program, d);
  const reassigned = findAll(child(fn, "body")!, "Assignment").some((a) => baseDeclaration(program, child(a, "leftHandSide")) === d);
  // a declaration without a value (`uint256 minOut;`) holds 0; one of several names a call fills (`(uint256 minA,
  // uint256 minB) = abi.decode(data, (uint256, uint256))`, Zivoe's lockers) holds what the call returns
  const stmt = program.parent(d);
  return !reassigned && (init === undefined ? stmt?.nodeType === "VariableDeclarationStatement" && !child(stmt, "initialValue") : isZeroLiteral(init));
}

/** `type(uint256).max` or a literal of at least 2^255. */
function isMaxValue(expr: AstNode | undefined): boolean {
  const e = unwrap(expr);
  if (e?.nodeType === "MemberAccess" && str(e, "memberName") === "max") return true;
  if (e?.nodeType === "Literal") {
    try {
      return BigInt(str(e, "value") ?? "0") >= 2n ** 255n;
    } catch {
      return false;
    }
  }
  return false;
}

/** `block.timestamp` (plus anything) or no deadline at all (`type(uint256).max`). */
function isNowDeadline(program: Program, expr: AstNode | undefined): boolean {
  const e = unwrap(expr);
  if (!e) return false;
  if (isMaxValue(e)) return true;
  if (blockValue(program, e) === "timestamp") return true;
  if (e.nodeType === "BinaryOperation" && str(e, "operator") === "+") {
    const l = unwrap(child(e, "leftExpression"));
    const r = unwrap(child(e, "rightExpression"));
    return (l !== undefined && blockValue(program, l) === "timestamp") || (r !== undefined && blockValue(program, r) === "timestamp");
  }
  return false;
}

/** Field name → value of a struct argument (`Params({a: x})`, `Params(x, …)`, or a local struct filled field by field). */
function structFields(program: Program, expr: AstNode | undefined, fn: AstNode): Map<string, AstNode> | undefined {
  const e = unwrap(expr);
  let ctor: AstNode | undefined = e;
  let decl: AstNode | undefined;
  if (e?.nodeType === "Identifier") {
    decl = program.declOf(e);
    ctor = decl ? initialValueOf(program, decl) : undefined;
  }
  const out = new Map<string, AstNode>();
  if (ctor?.nodeType === "FunctionCall" && str(ctor, "kind") === "structConstructorCall") {
    const names = (ctor.names as string[] | undefined) ?? [];
    const args = list(ctor, "arguments");
    const def = program.declOf(child(ctor, "expression"));
    const members = def?.nodeType === "StructDefinition" ? list(def, "members").map((m) => str(m, "name") ?? "") : [];
    args.forEach((a, i) => {
      const key = names.length > 0 ? names[i] : members[i];
      if (key) out.set(key, a);
    });
  }
  if (decl) {
    for (const a of findAll(child(fn, "body")!, "Assignment")) {
      const lhs = child(a, "leftHandSide");
      if (lhs?.nodeType === "MemberAccess" && program.declOf(unwrap(child(lhs, "expression"))) === decl) {
        out.set(str(lhs, "memberName") ?? "", child(a, "rightHandSide")!);
      }
    }
  }
  return out.size > 0 ? out : undefined;
}

const TRADE_NAME = /swap|buy|sell|trade/i;
const MOVE_CALL = /^(transfer|transferFrom|safeTransfer|safeTransferFrom|sendValue)$/;

/**
 * The token movements of a swap-like entry point of an AMM whose amount is priced from the contract's own reserves
 * (its token balances, `getReserves()`, `reserve*` variables), when no parameter bounds the trade (a minimum output,
 * maximum input, price limit or expected amount): the caller takes whatever price the reserves give when it executes.
 */
function unboundedTrade(program: Program, fn: AstNode, contract: AstNode): { node: AstNode; sites: AstNode[] }[] {
  if (!isEntryPoint(fn) || isReadOnly(fn) || !TRADE_NAME.test(str(fn, "name") ?? "") || !child(fn, "body")) return [];
  if (parameters(fn).some((p) => BOUND_NAME.test(str(p, "name") ?? "") || MIN_PARAM.test(str(p, "name") ?? "") || MAX_PARAM.test(str(p, "name") ?? ""))) return [];
  if (isAccessControlled(program, fn, contract)) return [];
  // No amount among the parameters (`sellBase(address to)`): the pool prices what was paid in before the call, its
  // balance above its reserve — a primitive for a router that pays and checks the output in the same transaction,
  // as a Uniswap V2 pair is (an account cannot pay and trade atomically); a payable one takes the payment with the call
  if (!isPayable(fn) && !parameters(fn).some((p) => /^u?int\d*$/.test(typeString(p) ?? ""))) return [];
  const flow = new ValueFlow(program, contract, (n) => isOwnReserveRead(program, n, contract), 3);
  const out: { node: AstNode; sites: AstNode[] }[] = [];
  for (const { frame, sites } of flow.reachable(flow.frame(fn))) {
    for (const call of findAll(child(frame.fn, "body")!, "FunctionCall")) {
      const name = calledName(call);
      if (!name || !MOVE_CALL.test(name)) continue;
      const target = internalTarget(program, call, contract);
      const args = target ? argumentsFor(program, call, target) : list(call, "arguments");
      const amount = args[args.length - 1];
      if (amount && flow.taint(frame, amount).size > 0) out.push({ node: sites[0] ?? call, sites: [] }, { node: call, sites });
    }
  }
  return out;
}

/** A `deadline`-like parameter of a function with a body that nothing in the body or its modifiers' arguments reads. */
function unreadDeadline(program: Program, fn: AstNode): AstNode | undefined {
  const body = child(fn, "body");
  if (!body || list(body, "statements").length === 0) return undefined;
  const deadline = parameters(fn).find((p) => DEADLINE_PARAM.test(str(p, "name") ?? "") && /^uint/.test(typeString(p) ?? program.text(child(p, "typeName") ?? p)));
  if (!deadline) return undefined;
  const inAssembly = findAll(body, "InlineAssembly").some((a) => {
    const refs = (a.externalReferences as { declaration?: number }[] | undefined) ?? [];
    return refs.some((r) => r.declaration === deadline.id) || new RegExp(`\\b${str(deadline, "name")}\\b`).test(program.text(a));
  });
  const reads = inAssembly || [body, ...list(fn, "modifiers")].some((n) => findAll(n, "Identifier").some((i) => program.declOf(i) === deadline));
  return reads ? undefined : deadline;
}

/**
 * Whether every entry point that reaches `fn` takes the caller's own bound (`minAmountOut`, `minLiquidity`) and checks
 * it in a require or an `if … revert` on its way: the zero minimums of the intermediate swaps inside are then covered
 * end to end, as in a zap that swaps half and adds liquidity, then requires the liquidity minted to reach the minimum.
 */
function boundedEndToEnd(program: Program, fn: AstNode, contract: AstNode): boolean {
  const reach = (root: AstNode): AstNode[] => internalReach(program, root, contract);
  const entries = entriesReaching(program, fn, contract);
  return (
    entries.length > 0 &&
    entries.every((e) => {
      // `minAmountOut`, `amountOutMin`, and the `…Min` suffix of names such as `liquidityMin`, `underlyingOutMin`
      const isBound = (name: string): boolean => MIN_PARAM.test(name) || /^_?min/i.test(name) || /[a-z]Min(imum)?$/.test(name);
      const bounds = parameters(e).filter((p) => isBound(str(p, "name") ?? ""));
      if (bounds.length === 0) return false;
      return reach(e).some((f) => {
        const body = child(f, "body");
        if (!body) return false;
        return guardConditions(program, body).some((g) => {
          const ids = findAll(g.cond, "Identifier");
          // the bound itself, or what an internal call was handed for it
          return ids.some((i) => {
            const d = program.declOf(i);
            return d !== undefined && (bounds.includes(d) || (f !== e && parameters(f).includes(d) && isBound(str(d, "name") ?? "")));
          });
        });
      });
    })
  );
}

/** `root` and the functions and modifiers it runs through internal calls (a few levels deep). */
function internalReach(program: Program, root: AstNode, contract: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const visit = (f: AstNode, depth: number): void => {
    if (out.includes(f) || depth > 4) return;
    out.push(f);
    const body = child(f, "body");
    if (!body) return;
    for (const c of findAll(body, "FunctionCall")) {
      const callee = internalCallee(program, c, contract);
      if (callee && child(callee, "body")) visit(callee, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

/** The contract's entry points that run `fn` (itself, when it is one). */
export function entriesReaching(program: Program, fn: AstNode, contract: AstNode): AstNode[] {
  return effectiveFunctions(program, contract).filter((e) => isEntryPoint(e) && internalReach(program, e, contract).includes(fn));
}

/** A pool's or quoter's quote of the current state: `quoteExactInput`, `getAmountsOut`, Curve's `get_dy`, Balancer's `querySwap`. */
const QUOTE_CALL = /^(quote\w+|getAmountsOut|getAmountOut|get_dy\w*|calc_withdraw_one_coin|calc_token_amount|querySwap|queryBatchSwap|previewSwap|getExpectedReturn)$/;

/**
 * The on-chain quote a minimum is computed from, in the same function: the quote call in the expression itself
 * (`pool.exchange(0, 1, dx, pool.get_dy(0, 1, dx))`), or in what a local it reads was declared or assigned as
 * (`(uint256 out, , , ) = quoter.quoteExactInputSingle(…); … amountOutMinimum: out * slippage / BPS`). A quote of the
 * pool the trade goes through moves with the pool: a sandwich moves both, so the minimum protects nothing.
 */
function onChainQuote(program: Program, expr: AstNode | undefined, fn: AstNode, depth = 0): AstNode | undefined {
  const e = unwrap(expr);
  if (!e || depth > 2) return undefined;
  const direct = [e, ...findAll(e, "FunctionCall")].find((c) => c.nodeType === "FunctionCall" && QUOTE_CALL.test(externalName(program, c) ?? ""));
  if (direct) return direct;
  const body = child(fn, "body")!;
  for (const id of [e, ...findAll(e, "Identifier")].filter((n) => n.nodeType === "Identifier")) {
    const d = program.declOf(id);
    if (d?.nodeType !== "VariableDeclaration" || d.stateVariable === true || parameters(fn).includes(d)) continue;
    const sources: AstNode[] = [];
    const stmt = program.parent(d);
    if (stmt?.nodeType === "VariableDeclarationStatement" && child(stmt, "initialValue")) sources.push(child(stmt, "initialValue")!);
    for (const a of findAll(body, "Assignment")) {
      const lhs = child(a, "leftHandSide");
      const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : [lhs];
      if (targets.some((t) => t?.nodeType === "Identifier" && program.declOf(t) === d)) sources.push(child(a, "rightHandSide")!);
    }
    for (const src of sources) {
      const q = onChainQuote(program, src, fn, depth + 1);
      if (q) return q;
    }
  }
  return undefined;
}

/**
 * A call's arguments beside its callee's parameter names and declarations: the declared names, or the known names of
 * a well-known router function whose interface names no parameter (`remove_liquidity_one_coin(uint256, int128, uint256)`).
 */
function callParameters(program: Program, call: AstNode, name: string, internal?: AstNode): { paramNames: string[]; paramDecls: AstNode[]; args: AstNode[] } {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  const decl = internal ?? program.declOf(callee);
  const fn = decl?.nodeType === "FunctionDefinition" ? decl : undefined;
  const declared = fn ? parameters(fn).map((p) => str(p, "name") ?? "") : undefined;
  const known = KNOWN_PARAMS[name];
  const paramNames = declared && (declared.some((n) => n !== "") || !known || known.length !== declared.length) ? declared : (known ?? []);
  return { paramNames, paramDecls: fn ? parameters(fn) : [], args: argumentsFor(program, call, fn) };
}

/** The arguments a call hands to parameters (or to fields of struct parameters) of the given names, with their names. */
function argumentsNamed(program: Program, call: AstNode, fn: AstNode, name: string, wanted: RegExp): { name: string; arg: AstNode }[] {
  const { paramNames, paramDecls, args } = callParameters(program, call, name);
  if (args.length !== paramNames.length) return [];
  const out: { name: string; arg: AstNode }[] = [];
  paramNames.forEach((pname, i) => {
    const arg = args[i]!;
    const ptype = paramDecls[i] ? (typeString(paramDecls[i]!) ?? "") : "";
    if (ptype.startsWith("struct ") || (!paramDecls[i] && !pname)) {
      for (const [k, v] of structFields(program, arg, fn) ?? []) if (wanted.test(k)) out.push({ name: k, arg: v });
    } else if (wanted.test(pname)) out.push({ name: pname, arg });
  });
  return out;
}

export const missingSlippage: Detector = {
  id: "missing-slippage",
  category: "front_running",
  title: "Swaps and liquidity calls with a zero minimum output or a deadline of block.timestamp (sandwich attacks)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      for (const fn of callablesOf(contract)) {
        const unbounded = fn.nodeType === "FunctionDefinition" && program.fileOf(fn) === file ? unboundedTrade(program, fn, contract) : [];
        if (unbounded.length > 0) {
          ctx.report({
            detector: "missing-slippage",
            category: "front_running",
            severity: "medium",
            confidence: "medium",
            lines: reportLines(program, file, unbounded, fn),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() trades at a price it computes from the pool's current reserves, and the caller cannot ` +
              "bound it: no minimum output, maximum input or price limit. A searcher who sees the transaction moves the " +
              "reserves first (sandwich attack), and the caller pays whatever the moved price asks.",
            remediation:
              "Take the caller's bound and revert when the trade is worse:\n```solidity\nfunction swapExactOutput(IERC20 tokenIn, " +
              "IERC20 tokenOut, uint256 amountOut, uint256 maxAmountIn, uint64 deadline) external {\n    uint256 amountIn = " +
              "quoteIn(amountOut);\n    if (amountIn > maxAmountIn) revert TooMuchInput(amountIn, maxAmountIn);\n```",
          });
        }
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          // an internal helper that takes a minimum (`_v3SwapExactInput(params)`): only where its minimum comes from
          const internal = externalName(program, call) === undefined ? internalCallee(program, call, contract) : undefined;
          const name = externalName(program, call) ?? (internal && child(internal, "body") ? str(internal, "name") : undefined);
          if (!name) continue;
          const { paramNames, paramDecls, args } = callParameters(program, call, name, internal);
          if (args.length !== paramNames.length) continue;
          const hasBound = (names: string[]): boolean => names.some((n) => MIN_PARAM.test(n) || MAX_PARAM.test(n));
          const bad: { node: AstNode; why: string }[] = [];
          let checked = false;
          const inspect = (pname: string, arg: AstNode): void => {
            if (MIN_PARAM.test(pname)) {
              checked = true;
              const quote = onChainQuote(program, arg, fn);
              if (!internal && isZeroValue(program, arg, fn)) bad.push({ node: arg, why: `\`${pname}\` is 0 (any output is accepted)` });
              else if (quote)
                bad.push({
                  node: arg,
                  why: `\`${pname}\` comes from \`${program.text(child(quote, "expression") ?? quote).replace(/\s+/g, "")}\`, a quote of the pool's state in the same transaction, which a sandwich moves along with the price (no protection)`,
                });
            } else if (internal) {
              // an internal helper's other parameters are its own business
            } else if (MAX_PARAM.test(pname)) {
              checked = true;
              if (isMaxValue(arg)) bad.push({ node: arg, why: `\`${pname}\` is the maximum (any input is taken)` });
            } else if (DEADLINE_PARAM.test(pname)) {
              if (isNowDeadline(program, arg)) bad.push({ node: arg, why: `\`${pname}\` is \`block.timestamp\` (the transaction never expires)` });
            }
          };
          paramNames.forEach((pname, i) => {
            const arg = args[i]!;
            const pdecl = paramDecls[i];
            const ptype = pdecl ? (typeString(pdecl) ?? "") : "";
            if (ptype.startsWith("struct ") || (!pdecl && !pname)) {
              const fields = structFields(program, arg, fn);
              if (fields && hasBound([...fields.keys()])) for (const [k, v] of fields) inspect(k, v);
              return;
            }
            inspect(pname, arg);
          });
          // Only calls that take a minimum output / maximum input (swaps, liquidity, zaps): a bare deadline is a permit.
          if (!checked || bad.length === 0) continue;
          // a zero minimum on an intermediate step of a trade whose final output the caller bounds is covered
          if (bad.every((b) => /is 0/.test(b.why)) && boundedEndToEnd(program, fn, contract)) continue;
          // only the deadline, with the caller's own minimum passed through: the price is bounded, only the time is not
          const deadlineOnly = bad.every((b) => /deadline/i.test(b.why));
          ctx.report({
            detector: "missing-slippage",
            category: "front_running",
            severity: deadlineOnly ? "low" : "medium",
            confidence: bad.some((b) => /is 0|maximum/.test(b.why)) ? "high" : "medium",
            lines: linesIn(program, file, [call, ...bad.map((b) => b.node)]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() calls \`${name}\` without protection: ${bad.map((b) => b.why).join("; ")}. A searcher ` +
              "who sees the transaction can move the price before it (sandwich attack) and take the difference; a transaction " +
              "that lingers in the mempool executes whenever it is most profitable for the block producer." +
              (deadlineOnly ? " Here the caller's minimum output is passed through, so the price is bounded and only the time is open (low)." : ""),
            remediation:
              "Let the caller choose the minimum output (computed off-chain from a quote minus a slippage tolerance) and the " +
              "deadline, and pass them through:\n```solidity\nfunction swap(uint256 amountIn, uint256 amountOutMin, uint256 deadline) external {\n" +
              "    router.swapExactTokensForTokens(amountIn, amountOutMin, path, msg.sender, deadline);\n}\n```",
          });
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- unrefunded-max-input

/** Parameters that cap what a call may take, the rest left with the sender: `maxAmountsIn`, `amountADesired`, `amountInMax`. */
const MAX_INPUT_PARAM = /^_?(maxAmounts?In|amount\w*Desired|amount\w*In\w*Max(imum)?|max(imum)?(_|[A-Z])\w*In\w*)$/;

/**
 * A function that pulls the caller's maximum input in full (`safeTransferFrom(msg.sender, this, maxAmountsIn[i])`)
 * and hands that maximum to a call that spends at most it (Balancer's `joinPool` with `maxAmountsIn`, Uniswap's
 * `addLiquidity` with `amountADesired`), with no transfer out of the pulled token afterwards in it or in the entry
 * points that run it: whatever the call does not spend stays in the contract, lost to the caller (Plaza H-7).
 */
export const unrefundedMaxInput: Detector = {
  id: "unrefunded-max-input",
  category: "defi_accounting",
  title: "A caller's maximum input pulled in full and the unspent rest kept",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      for (const fn of callablesOf(contract)) {
        const body = child(fn, "body");
        if (fn.nodeType !== "FunctionDefinition" || !body || program.fileOf(fn) !== file) continue;
        const pulls = tokenTransfers(program, body).filter((t) => payerIsCaller(program, t.from));
        if (pulls.length === 0) continue;
        const amountOf = (t: { call: AstNode }): AstNode | undefined => unwrap(list(t.call, "arguments").at(-1));
        for (const call of findAll(body, "FunctionCall")) {
          const ext = externalCall(program, call);
          const name = externalName(program, call);
          if (!ext || ext.readOnly || !name || /^(transfer|transferFrom|safeTransfer|safeTransferFrom|approve|safeApprove|forceApprove|safeIncreaseAllowance|increaseAllowance)$/.test(name)) continue;
          const kept: { pname: string; key: string; pulled: AstNode[] }[] = [];
          for (const { name: pname, arg } of argumentsNamed(program, call, fn, name, MAX_INPUT_PARAM)) {
            const key = program.text(unwrap(arg)!);
            // the pull of exactly that maximum, or of its entries (`maxAmountsIn[i]`)
            const pulled = pulls.filter((t) => {
              const a = amountOf(t);
              if (!a || !program.before(t.call, call)) return false;
              return program.text(a) === key || (a.nodeType === "IndexAccess" && program.text(unwrap(child(a, "baseExpression"))!) === key);
            });
            if (pulled.length > 0) kept.push({ pname, key, pulled: pulled.map((t) => t.call) });
          }
          if (kept.length === 0) continue;
          // a transfer out afterwards (here or in an entry point running this helper) may hand the rest back
          const later = [fn, ...entriesReaching(program, fn, contract).filter((e) => e !== fn)].some((f) =>
            tokenTransfers(program, child(f, "body")!).some((t) => t.from === undefined && (f !== fn || program.before(call, t.call))),
          );
          if (later) continue;
          ctx.report({
            detector: "unrefunded-max-input",
            category: "defi_accounting",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [...kept.flatMap((k) => k.pulled), call]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() pulls ${kept.map((k) => `\`${k.key}\``).join(" and ")} from the caller in full and passes ${kept.length > 1 ? "them" : "it"} to \`${name}\` as ` +
              `${kept.map((k) => `\`${k.pname}\``).join(" and ")}, a maximum the call may spend less of; nothing sends the unspent rest back, so it stays in this contract ` +
              "and the caller loses it (and the next caller, or whoever can sweep the contract, gets it).",
            remediation:
              "Pull only what the call will spend (quote it first), or send back what is left after the call:\n```solidity\n" +
              "(uint256 usedA, uint256 usedB, ) = router.addLiquidity(a, b, amountA, amountB, minA, minB, to, deadline);\n" +
              "if (amountA > usedA) IERC20(a).safeTransfer(msg.sender, amountA - usedA);\nif (amountB > usedB) IERC20(b).safeTransfer(msg.sender, amountB - usedB);\n```",
          });
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- vault-idle-total-assets

const APPROVE_CALL = /^(approve|safeApprove|forceApprove|safeIncreaseAllowance|increaseAllowance)$/;

/**
 * An ERC-4626 vault that hands its assets to other protocols (it approves them to a strategy, a lending pool, a
 * router) but keeps the library's `totalAssets()`, which counts only the assets idle in the vault: every share price,
 * deposit and redemption is computed as if the invested assets were gone.
 */
export const vaultIdleTotalAssets: Detector = {
  id: "vault-idle-total-assets",
  category: "defi_accounting",
  title: "ERC-4626 vault that invests its assets elsewhere but keeps the library's idle-balance totalAssets()",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      const lin = program.linearized(contract);
      const base = lin.find((b) => str(b, "name") === "ERC4626" && isFromDependency(program, b));
      if (!base) continue;
      const total = resolvedFunction(program, contract, "totalAssets");
      if (!total || !isFromDependency(program, total) || !findAll(child(total, "body")!, "FunctionCall").some((c) => externalName(program, c) === "balanceOf")) continue;
      const approvals = lin
        .filter((c) => !isFromDependency(program, c))
        .flatMap(functionsOf)
        .flatMap((fn) => findAll(child(fn, "body") ?? fn, "FunctionCall").filter((c) => APPROVE_CALL.test(calledName(c) ?? "")))
        .filter((c) => {
          const target = internalTarget(program, c, contract);
          const args = target ? argumentsFor(program, c, target) : list(c, "arguments");
          const spender = args[args.length - 2];
          return spender !== undefined && !isThisAddress(program, spender) && !isSenderLike(program, unwrap(spender));
        });
      if (approvals.length === 0) continue;
      ctx.report({
        detector: "vault-idle-total-assets",
        category: "defi_accounting",
        severity: "high",
        confidence: "medium",
        lines: linesIn(program, file, [contract, ...approvals]).slice(0, 6),
        contract: str(contract, "name"),
        function: "totalAssets",
        message:
          `${str(contract, "name")} approves its tokens to other contracts to invest them, but totalAssets() is ERC4626's ` +
          "own, which counts only the asset balance sitting in the vault. Once assets are invested, shares are priced as if " +
          "they were lost: new depositors get too many shares and take value from earlier ones, and withdrawals and " +
          "previews are wrong.",
        remediation:
          "Override totalAssets() to count what is invested as well as what is idle:\n```solidity\nfunction totalAssets() " +
          "public view override returns (uint256) {\n    return IERC20(asset()).balanceOf(address(this)) + strategy.balanceOf(address(this));\n}\n```",
      });
    }
  },
};

/** The DeFi detectors, in report order. */
export const DEFI_DETECTORS: readonly Detector[] = [oracleSpotPrice, oracleStalePrice, oracleSharedHeartbeat, oracleSequencerUptime, vaultShareInflation, feeOnTransferAccounting, missingSlippage, unrefundedMaxInput, vaultIdleTotalAssets];
