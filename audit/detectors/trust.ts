/**
 * Credit on the word of a caller-chosen contract (`untrusted-contract-credit`).
 *
 * A function anyone can call takes a contract address from its caller (a parameter), calls that contract — to pull
 * tokens in, to retire a stake held elsewhere, to prove something — and then credits the caller (or an address the
 * caller names) with a balance, a stake or minted tokens. The contract is the caller's choice: an attacker passes one
 * of its own whose function does nothing (or returns what it likes) and is credited for free. The classic cases are a
 * migration from an "old" staking contract named by the caller, a deposit through a caller-named adapter, and a stake
 * of any token into one pooled balance (a worthless token buys a real stake).
 *
 * Reported in entry points (public/external, not view, not restricted to privileged callers) when:
 * - a state-changing call is made on a parameter of address or contract type (directly, through `IX(param)`, a local
 *   assigned from it, or a library such as SafeERC20 given it as the token) — not a call that only hands value out
 *   (`transfer`, `approve`, a `transferFrom` out of this contract) and not a callback (`onFlashLoan`,
 *   `onERC721Received`, `…Callback`);
 * - the function (or internal functions it calls, with arguments followed into their parameters) credits the caller
 *   or an address it passes: `m[key] += x`, `m[key] = m[key] + x`, `m[key]++`, or `mint(key, …)` on another contract,
 *   whose keys do not include that parameter (`balances[token][user] += x` is per-token book-keeping: silent).
 *
 * Silent when the parameter is vetted against state the caller does not control — a guard (require, if-revert,
 * modifier, helper) or an enclosing `if` that looks it up in a mapping (`allowed[token]`, `pools[pool].active`),
 * compares it with a state variable, constant or a registry/factory answer (`factory.getPair(a, b) == pair`), or passes
 * it to an internal or registry lookup (`isWhitelisted(token)`, `registry.isVault(v)`); a question put to the
 * parameter's own contract (`IAdvisor(from).owner() == msg.sender`) vets nothing. Silent too when the function
 * measures a balance of its own (`token.balanceOf(address(this))` of a token the caller did not pick, or
 * `address(this).balance`), when the credited amount is `msg.value`, and when it is priced from a mapping keyed by the
 * parameter (an unknown contract is worth 0).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program, SourceFile } from "../ast/program";
import { isAccessControlled, isAuthCondition, isAuthModifier } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  contractKind,
  enclosingConditions,
  externalCall,
  guardConditions,
  isConstantVariable,
  isEntryPoint,
  isGlobal,
  isLibraryFunction,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  memberOf,
  modifierOf,
  parameters,
  stopsExecution,
  stripConversions,
  unwrapCallOptions,
  writtenStateVariable,
} from "../ast/semantics";
import { displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";
import { argumentsFor, deployedContracts, internalTarget } from "./defi";

const ID = "untrusted-contract-credit";
const MAX_DEPTH = 3;

/** Calls that hand value out of the contract, or set up a later pull: not a call whose effect the function relies on. */
const OUTGOING = /^(transfer|safeTransfer|approve|safeApprove|forceApprove|safeIncreaseAllowance|safeDecreaseAllowance|increaseAllowance|decreaseAllowance|permit|safePermit|sendValue|transferETH|safeTransferETH)$/;
/** Callbacks and receiver checks: the contract tells the callee something, it does not rely on it moving value. */
const CALLBACK = /^on[A-Z]|callback|received$|^_?check|hook|^supportsInterface$/i;
/** A pull through a library (`SafeERC20.safeTransferFrom(token, from, to, amount)`) and the like. */
const PULL_FROM = /^(transferFrom|safeTransferFrom)$/;
/** An external mint of another contract's tokens to a recipient. */
const MINT_CALL = /^(mint|mintTo|mintFor|safeMint|issue)$/;

/** One analysed function run: which of its variables carry the entry point's parameters or the caller. */
interface Frame {
  fn: AstNode;
  /** Variables carrying a contract-address parameter of the entry point → that parameter. */
  targets: Map<AstNode, AstNode>;
  /** Variables carrying any parameter of the entry point (an address the caller names, an amount…). */
  inputs: Set<AstNode>;
  /** Variables carrying msg.sender. */
  senders: Set<AstNode>;
  /** Call sites (and modifier invocations) in the entry point's chain leading here (outermost first). */
  sites: AstNode[];
}

interface Trusting {
  call: AstNode;
  param: AstNode;
  frame: Frame;
}

interface Credit {
  node: AstNode;
  frame: Frame;
  /** The amount credited, when the write or mint names one. */
  amount?: AstNode;
}

function isAddressLike(decl: AstNode): boolean {
  const t = typeString(decl);
  if (t !== undefined) return /^(address( payable)?|contract \S+)(\[\d*\])*( (memory|calldata|storage))?( pointer)?$/.test(t);
  const tn = child(decl, "typeName");
  let base = tn;
  while (base?.nodeType === "ArrayTypeName") base = child(base, "baseType");
  if (base?.nodeType === "ElementaryTypeName") return /^address/.test(str(base, "name") ?? "");
  return base?.nodeType === "UserDefinedTypeName";
}

/** The declaration an expression stands for, through conversions, indexing and struct fields (`IX(tokens[i])` → tokens). */
function rootDecl(program: Program, expr: AstNode | undefined): AstNode | undefined {
  const e = stripConversions(expr);
  if (!e) return undefined;
  if (e.nodeType === "Identifier") return program.declOf(e);
  if (e.nodeType === "IndexAccess" || e.nodeType === "MemberAccess") {
    const d = baseDeclaration(program, e);
    return d && !isStorageVariable(program, d) ? d : undefined;
  }
  return undefined;
}

function mentions(program: Program, expr: AstNode | undefined, decls: Iterable<AstNode>): boolean {
  if (!expr) return false;
  const set = decls instanceof Set ? (decls as Set<AstNode>) : new Set(decls);
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier" && set.has(program.declOf(n)!)) found = true;
    return undefined;
  });
  return found;
}

function isThisAddress(program: Program, expr: AstNode | undefined): boolean {
  return isGlobal(program, stripConversions(expr), "this");
}

/** Follows local aliases in a frame: `IERC20 t = IERC20(token);`, `address user = msg.sender;`. */
function propagateAliases(program: Program, frame: Frame): void {
  const body = child(frame.fn, "body");
  if (!body) return;
  const bind = (decl: AstNode | undefined | null, value: AstNode | undefined): void => {
    if (!decl || decl.nodeType !== "VariableDeclaration" || isStorageVariable(program, decl) || !value) return;
    const r = rootDecl(program, value);
    if (r && frame.targets.has(r)) frame.targets.set(decl, frame.targets.get(r)!);
    if (mentions(program, value, frame.inputs)) frame.inputs.add(decl);
    if (isSenderLike(program, value) || (r && frame.senders.has(r))) frame.senders.add(decl);
  };
  for (let pass = 0; pass < 2; pass++) {
    walk(body, (n) => {
      if (n.nodeType === "VariableDeclarationStatement") {
        const decls = (n.declarations as (AstNode | null)[] | undefined) ?? [];
        if (decls.length === 1) bind(decls[0], child(n, "initialValue"));
      } else if (n.nodeType === "Assignment" && str(n, "operator") === "=") {
        const lhs = child(n, "leftHandSide");
        if (lhs?.nodeType === "Identifier") bind(program.declOf(lhs), child(n, "rightHandSide"));
      }
      return undefined;
    });
  }
}

/** A callee frame with the caller's knowledge passed through the arguments. */
function calleeFrame(program: Program, frame: Frame, callee: AstNode, args: AstNode[], site: AstNode): Frame {
  const sub: Frame = { fn: callee, targets: new Map(), inputs: new Set(), senders: new Set(), sites: [...frame.sites, site] };
  parameters(callee).forEach((p, i) => {
    const a = args[i];
    if (!a) return;
    const r = rootDecl(program, a);
    if (r && frame.targets.has(r)) sub.targets.set(p, frame.targets.get(r)!);
    if (mentions(program, a, frame.inputs)) sub.inputs.add(p);
    if (isSenderLike(program, a) || (r && frame.senders.has(r))) sub.senders.add(p);
  });
  propagateAliases(program, sub);
  return sub;
}

/** The frames of an entry point: its modifiers and the internal functions it calls (a few levels deep). */
function framesOf(program: Program, fn: AstNode, contract: AstNode): Frame[] {
  const root: Frame = { fn, targets: new Map(), inputs: new Set(), senders: new Set(), sites: [] };
  for (const p of parameters(fn)) {
    root.inputs.add(p);
    if (isAddressLike(p)) root.targets.set(p, p);
  }
  propagateAliases(program, root);
  const out: Frame[] = [root];
  const visit = (frame: Frame, depth: number, active: Set<AstNode>): void => {
    if (depth >= MAX_DEPTH) return;
    const body = child(frame.fn, "body");
    if (!body) return;
    for (const call of findAll(body, "FunctionCall")) {
      const callee = internalTarget(program, call, contract);
      if (!callee || active.has(callee) || isLibraryFunction(program, callee)) continue;
      const sub = calleeFrame(program, frame, callee, argumentsFor(program, call, callee), call);
      out.push(sub);
      visit(sub, depth + 1, new Set([...active, callee]));
    }
  };
  for (const inv of list(fn, "modifiers")) {
    const mod = modifierOf(program, inv, contract);
    if (!mod || !child(mod, "body")) continue;
    const sub = calleeFrame(program, root, mod, list(inv, "arguments"), inv);
    out.push(sub);
    visit(sub, 1, new Set([fn, mod]));
  }
  visit(root, 0, new Set([fn]));
  return out;
}

/** State-changing calls on a caller-chosen contract in one frame. */
function trustingCalls(program: Program, frame: Frame, contract: AstNode): Trusting[] {
  const out: Trusting[] = [];
  const body = child(frame.fn, "body");
  if (!body || frame.targets.size === 0) return out;
  for (const call of findAll(body, "FunctionCall")) {
    const ll = lowLevelCall(program, call);
    if (ll) {
      if (ll.kind !== "call" || ll.value !== undefined) continue;
      const r = rootDecl(program, ll.target);
      if (r && frame.targets.has(r)) out.push({ call, param: frame.targets.get(r)!, frame });
      continue;
    }
    const ext = externalCall(program, call);
    if (ext) {
      if (ext.readOnly || OUTGOING.test(ext.functionName) || CALLBACK.test(ext.functionName)) continue;
      const r = rootDecl(program, ext.target);
      if (!r || !frame.targets.has(r)) continue;
      const args = list(call, "arguments");
      // transferFrom(address(this), to, x): value leaves the contract
      if (PULL_FROM.test(ext.functionName) && isThisAddress(program, args[0])) continue;
      out.push({ call, param: frame.targets.get(r)!, frame });
      continue;
    }
    const callee = internalTarget(program, call, contract);
    if (!callee || !isLibraryFunction(program, callee)) continue;
    const name = str(callee, "name") ?? "";
    if (OUTGOING.test(name) || CALLBACK.test(name) || !PULL_FROM.test(name)) continue;
    const args = argumentsFor(program, call, callee);
    const r = rootDecl(program, args[0]);
    if (!r || !frame.targets.has(r)) continue;
    if (isThisAddress(program, args[1])) continue;
    out.push({ call, param: frame.targets.get(r)!, frame });
  }
  return out;
}

/** The index expressions along an lvalue (`a[x][y].f` → x, y), or undefined when it is not indexed. */
function indicesOf(lhs: AstNode | undefined): AstNode[] {
  const out: AstNode[] = [];
  let cur = lhs;
  while (cur && (cur.nodeType === "IndexAccess" || cur.nodeType === "MemberAccess")) {
    if (cur.nodeType === "IndexAccess") {
      const idx = child(cur, "indexExpression");
      if (idx) out.push(idx);
      cur = child(cur, "baseExpression");
    } else cur = child(cur, "expression");
  }
  return out;
}

/** `x = x + …` (the same lvalue read on the right of an addition). */
function selfAddition(program: Program, lhs: AstNode, rhs: AstNode | undefined): boolean {
  const r = stripConversions(rhs);
  if (r?.nodeType !== "BinaryOperation" || str(r, "operator") !== "+") return false;
  const key = program.text(lhs).replace(/\s+/g, "");
  return [child(r, "leftExpression"), child(r, "rightExpression")].some((s) => s !== undefined && program.text(s).replace(/\s+/g, "") === key);
}

/** Whether a key (mapping index or mint recipient) is the caller or an address the caller passes. */
function callerKey(program: Program, frame: Frame, key: AstNode): boolean {
  if (isSenderLike(program, key)) return true;
  const r = rootDecl(program, key);
  return r !== undefined && (frame.senders.has(r) || (frame.inputs.has(r) && isAddressLike(r)));
}

function targetDecls(frame: Frame): AstNode[] {
  return [...frame.targets.keys()];
}

/** Credits in one frame: balance-like state increased under the caller's key, or a mint to it on another contract. */
function creditsIn(program: Program, frame: Frame, params: Set<AstNode>): Credit[] {
  const out: Credit[] = [];
  const body = child(frame.fn, "body");
  if (!body) return out;
  const targets = targetsOf(frame, params);
  for (const n of findAll(body, "Assignment", "UnaryOperation", "FunctionCall")) {
    if (n.nodeType === "FunctionCall") {
      const ext = externalCall(program, n);
      if (!ext || ext.readOnly || !MINT_CALL.test(ext.functionName)) continue;
      const recipient = list(n, "arguments")[0];
      if (!recipient || !callerKey(program, frame, recipient) || mentions(program, recipient, targets)) continue;
      // a mint on a contract derived from the parameter (a pair computed from the token) is that contract's business
      const tr = rootDecl(program, ext.target);
      if (mentions(program, ext.target, targets) || (tr && (frame.inputs.has(tr) || derivedFromTargets(program, tr, targets)))) continue;
      out.push({ node: n, frame, amount: list(n, "arguments")[1] });
      continue;
    }
    let lhs: AstNode | undefined;
    let amount: AstNode | undefined;
    if (n.nodeType === "Assignment") {
      lhs = child(n, "leftHandSide");
      const op = str(n, "operator");
      const rhs = child(n, "rightHandSide");
      if (op === "+=") amount = rhs;
      else if (op === "=" && lhs && selfAddition(program, lhs, rhs)) amount = rhs;
      else continue;
    } else {
      if (str(n, "operator") !== "++") continue;
      lhs = child(n, "subExpression");
    }
    if (!lhs || !writtenStateVariable(program, n)) continue;
    const keys = indicesOf(lhs);
    if (keys.length === 0) continue;
    if (keys.some((k) => mentions(program, k, targets) || derivedKey(program, k, targets))) continue;
    if (!keys.some((k) => callerKey(program, frame, k))) continue;
    out.push({ node: n, frame, amount });
  }
  return out;
}

/** The frame's variables carrying one of `params`. */
function targetsOf(frame: Frame, params: Set<AstNode>): AstNode[] {
  return [...frame.targets].filter(([, p]) => params.has(p)).map(([d]) => d);
}

/**
 * A local whose value was computed from the parameter (`bytes32 id = keccak256(abi.encode(token))`,
 * `(a, b, pair) = _addLiquidity(tokenA, tokenB, …)`): declared or assigned from an expression that mentions it.
 */
function derivedFromTargets(program: Program, decl: AstNode, targets: AstNode[]): boolean {
  const stmt = program.parent(decl);
  if (stmt?.nodeType === "VariableDeclarationStatement" && mentions(program, child(stmt, "initialValue"), targets)) return true;
  const fn = program.callableOf(decl);
  const body = fn ? child(fn, "body") : undefined;
  if (!body) return false;
  return findAll(body, "Assignment").some((a) => {
    const lhs = child(a, "leftHandSide");
    const parts = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : lhs ? [lhs] : [];
    return parts.some((p) => p.nodeType === "Identifier" && program.declOf(p) === decl) && mentions(program, child(a, "rightHandSide"), targets);
  });
}

function derivedKey(program: Program, key: AstNode, targets: AstNode[]): boolean {
  let found = false;
  walk(key, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d?.nodeType === "VariableDeclaration" && !isStorageVariable(program, d) && derivedFromTargets(program, d, targets)) found = true;
    }
    return undefined;
  });
  return found;
}

/** Whether an expression reads contract state (a state variable, constant, immutable) or asks another contract or helper. */
function trustedSide(program: Program, expr: AstNode | undefined, frame: Frame, contract: AstNode): boolean {
  if (!expr) return false;
  const targets = new Set(targetDecls(frame));
  let trusted = false;
  walk(expr, (n) => {
    if (trusted) return false;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && (isStateVariable(d) || (d.nodeType === "VariableDeclaration" && isConstantVariable(d)) || isStorageVariable(program, d))) trusted = true;
    } else if (n.nodeType === "FunctionCall" && str(n, "kind") !== "typeConversion" && builtinCallName(program, n) === undefined) {
      const ext = externalCall(program, n);
      if (ext) {
        const r = rootDecl(program, ext.target);
        if (!r || !targets.has(r)) trusted = true;
      } else if (internalTarget(program, n, contract)) trusted = true;
    }
    return undefined;
  });
  return trusted;
}

/** A state lookup keyed by the parameter: `allowed[token]`, `pools[pool].active`, or a local initialised from one. */
function lookupOf(program: Program, expr: AstNode | undefined, targets: Set<AstNode>): boolean {
  if (!expr) return false;
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (n.nodeType === "IndexAccess") {
      const base = baseDeclaration(program, n);
      const r = rootDecl(program, child(n, "indexExpression"));
      if (base && isStorageVariable(program, base) && ((r && targets.has(r)) || mentions(program, child(n, "indexExpression"), targets))) found = true;
    } else if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      const stmt = d ? program.parent(d) : undefined;
      if (d && !isStorageVariable(program, d) && stmt?.nodeType === "VariableDeclarationStatement" && stmt !== expr) {
        const init = child(stmt, "initialValue");
        if (init && init !== expr && !program.contains(init, n) && lookupOf(program, init, targets)) found = true;
      }
    }
    return undefined;
  });
  return found;
}

/**
 * The credited amount is priced by the protocol for that contract: a mapping keyed by it (`price[token]`) or a trusted
 * contract asked about it (`oracle.getPrice(token)`), directly or through a local initialised from one.
 */
function pricedByProtocol(program: Program, amount: AstNode, frame: Frame, mine: Set<AstNode>, depth = 0): boolean {
  if (lookupOf(program, amount, mine)) return true;
  let found = false;
  walk(amount, (n) => {
    if (found) return false;
    if (n.nodeType === "FunctionCall") {
      const ext = externalCall(program, n);
      const t = ext ? rootDecl(program, ext.target) : undefined;
      if (ext && !(t && frame.targets.has(t)) && list(n, "arguments").some((a) => mentions(program, a, mine))) found = true;
    } else if (n.nodeType === "Identifier" && depth < 2) {
      const d = program.declOf(n);
      const stmt = d ? program.parent(d) : undefined;
      const init = stmt?.nodeType === "VariableDeclarationStatement" ? child(stmt, "initialValue") : undefined;
      if (init && !program.contains(init, n) && pricedByProtocol(program, init, frame, mine, depth + 1)) found = true;
    }
    return undefined;
  });
  return found;
}

/** Whether a condition vets the parameter `param` (through the frame's variables carrying it) against trusted state. */
function vets(program: Program, cond: AstNode, frame: Frame, param: AstNode, contract: AstNode): boolean {
  const mine = new Set([...frame.targets].filter(([, p]) => p === param).map(([d]) => d));
  if (mine.size === 0) return false;
  if (lookupOf(program, cond, mine)) return true;
  for (const b of findAll(cond, "BinaryOperation")) {
    const op = str(b, "operator");
    if (op !== "==" && op !== "!=") continue;
    const l = child(b, "leftExpression");
    const r = child(b, "rightExpression");
    const lr = rootDecl(program, l);
    const rr = rootDecl(program, r);
    if (lr && mine.has(lr) && !mentions(program, r, mine) && trustedSide(program, r, frame, contract)) return true;
    if (rr && mine.has(rr) && !mentions(program, l, mine) && trustedSide(program, l, frame, contract)) return true;
  }
  for (const c of findAll(cond, "FunctionCall")) {
    if (builtinCallName(program, c) !== undefined || str(c, "kind") === "typeConversion") continue;
    const args = list(c, "arguments");
    if (!args.some((a) => mentions(program, a, mine))) continue;
    const ext = externalCall(program, c);
    if (ext) {
      const t = rootDecl(program, ext.target);
      if (!t || !frame.targets.has(t)) return true; // registry.isVault(v), factory.getPair(a, b)
      continue;
    }
    const callee = internalTarget(program, c, contract);
    if (callee && !isLibraryFunction(program, callee) && readsState(program, callee)) return true;
  }
  return false;
}

function readsState(program: Program, fn: AstNode, depth = 0): boolean {
  const body = child(fn, "body");
  if (!body) return false;
  let found = false;
  walk(body, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && isStateVariable(d)) found = true;
    } else if (n.nodeType === "FunctionCall" && depth < 2) {
      if (externalCall(program, n)) found = true;
      const callee = internalTarget(program, n, program.contractOf(fn));
      if (callee && callee !== fn && readsState(program, callee, depth + 1)) found = true;
    }
    return undefined;
  });
  return found;
}

/** Whether any frame checks the parameter against trusted state before relying on it. */
function vetted(program: Program, frames: Frame[], t: Trusting, contract: AstNode): boolean {
  for (const frame of frames) {
    const body = child(frame.fn, "body");
    if (!body) continue;
    for (const g of guardConditions(program, body)) if (vets(program, g.cond, frame, t.param, contract)) return true;
    // checks that revert in a branch: if (allowed[token]) { … } else revert
    for (const s of findAll(body, "IfStatement")) {
      const cond = child(s, "condition");
      if (cond && stopsExecution(program, child(s, "falseBody")) && vets(program, cond, frame, t.param, contract)) return true;
    }
  }
  // an enclosing `if` that vets it: the call runs only for a known contract
  for (const node of [t.call, ...[...t.frame.sites].reverse()]) {
    const owner = program.callableOf(node);
    if (!owner) continue;
    const frame = frames.find((f) => f.fn === owner) ?? t.frame;
    for (const cond of enclosingConditions(program, node, owner)) if (vets(program, cond, frame, t.param, contract)) return true;
  }
  return false;
}

/** The function measures a balance of its own around the call (what arrived, not what was asked). */
function measuresReceipt(program: Program, frames: Frame[]): boolean {
  for (const frame of frames) {
    const body = child(frame.fn, "body");
    if (!body) continue;
    const targets = new Set(targetDecls(frame));
    let found = false;
    walk(body, (n) => {
      if (found) return false;
      if (n.nodeType === "MemberAccess" && str(n, "memberName") === "balance" && isThisAddress(program, child(n, "expression"))) found = true;
      if (n.nodeType === "FunctionCall") {
        const callee = unwrapCallOptions(child(n, "expression")).callee;
        if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== "balanceOf") return undefined;
        const args = list(n, "arguments");
        if (args.length !== 1 || !isThisAddress(program, args[0])) return undefined;
        const r = rootDecl(program, child(callee, "expression"));
        if (!r || !targets.has(r)) found = true;
      }
      return undefined;
    });
    if (found) return true;
  }
  return false;
}

function isMsgValueAmount(program: Program, amount: AstNode | undefined): boolean {
  if (!amount) return false;
  let found = false;
  walk(amount, (n) => {
    if (memberOf(program, n, "msg", "value")) found = true;
    return found ? false : undefined;
  });
  return found;
}

/**
 * Only privileged callers reach the function (the parse tree cannot tell calls from role checks: modifiers only there).
 * A caller check that asks the caller-chosen contract itself (`IAdvisor(from).owner() == msg.sender`) restricts no one:
 * the attacker's contract answers yes.
 */
function restricted(program: Program, fn: AstNode, contract: AstNode, targets: AstNode[]): boolean {
  if (program.fileOf(fn)?.typed === false) return list(fn, "modifiers").some(isAuthModifier);
  if (!isAccessControlled(program, fn, contract)) return false;
  if (list(fn, "modifiers").length > 0) return true;
  const isSender = (n: AstNode | undefined): boolean => isSenderLike(program, n);
  const authGuards = guardConditions(program, child(fn, "body")!).filter((g) => {
    const stops = g.node.nodeType === "IfStatement" ? stopsExecution(program, child(g.node, "trueBody")) : false;
    return isAuthCondition(program, g.cond, isSender, 0, !stops);
  });
  // the restriction comes from a helper (`_checkOwner()`) when no guard of the body is one
  if (authGuards.length === 0) return true;
  return authGuards.some((g) => !mentions(program, g.cond, targets));
}

function snippet(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 90 ? `${t.slice(0, 87)}…` : t;
}

/** A node's line in the scanned file, or the call site in the entry point that leads to it. */
function shown(program: Program, file: SourceFile, node: AstNode, sites: AstNode[]): AstNode | undefined {
  if (program.fileOf(node) === file) return node;
  return [...sites].reverse().find((s) => program.fileOf(s) === file);
}

export const untrustedContractCredit: Detector = {
  id: ID,
  category: "access_control",
  title: "Credit granted on the strength of a call to a contract the caller chose",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of deployedContracts(ctx)) {
      if (contractKind(contract) === "library") continue;
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        if (!parameters(fn).some(isAddressLike)) continue;
        const frames = framesOf(program, fn, contract);
        const calls = frames.flatMap((f) => trustingCalls(program, f, contract));
        if (calls.length === 0) continue;
        if (restricted(program, fn, contract, targetDecls(frames[0]!))) continue;
        const open = calls.filter((t) => !vetted(program, frames, t, contract));
        if (open.length === 0) continue;
        if (measuresReceipt(program, frames)) continue;
        const params = new Set(open.map((t) => t.param));
        const credits = frames
          .flatMap((f) => creditsIn(program, f, params))
          .filter((c) => {
            if (isMsgValueAmount(program, c.amount)) return false;
            // priced from a mapping keyed by the parameter or by an oracle the protocol chose: an unknown contract is worth nothing
            return !(c.amount && pricedByProtocol(program, c.amount, c.frame, new Set(targetsOf(c.frame, params))));
          });
        if (credits.length === 0) continue;
        const callNodes = open.map((t) => shown(program, file, t.call, t.frame.sites));
        const creditNodes = credits.map((c) => shown(program, file, c.node, c.frame.sites));
        const lines = linesIn(program, file, [...callNodes, ...creditNodes]);
        if (lines.length === 0) continue;
        const paramNames = [...params].map((p) => `\`${str(p, "name")}\``).join(", ");
        const first = open[0]!;
        const credit = credits[0]!;
        const via = credit.frame.fn !== fn ? ` (in ${displayName(credit.frame.fn)}())` : "";
        ctx.report({
          detector: ID,
          category: "access_control",
          severity: "high",
          confidence: "medium",
          lines,
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() calls \`${snippet(program, first.call)}\` on the contract the caller passes in ${paramNames} and then ` +
            `credits \`${snippet(program, credit.node)}\`${via} on the strength of that call, without checking that the contract ` +
            "is a known one (no whitelist, registry or stored address) or measuring what actually arrived. An attacker passes " +
            "a contract of its own whose function does nothing (or returns whatever it likes) and is credited for free.",
          remediation:
            "Only call contracts the protocol knows: check the address against a whitelist or registry kept by the owner " +
            "(or compare it with the stored address it must be); or credit only what provably arrived, measured on a token " +
            "the protocol chose:\n```solidity\nrequire(isTrustedStaking[oldStaking], \"unknown contract\");\n" +
            "// or:\nuint256 before = token.balanceOf(address(this));\ntoken.safeTransferFrom(msg.sender, address(this), amount);\n" +
            "uint256 received = token.balanceOf(address(this)) - before;\nstakes[msg.sender] += received;\n```",
          swc: [],
        });
      }
    }
  },
};

export const TRUST_DETECTORS: Detector[] = [untrustedContractCredit];
