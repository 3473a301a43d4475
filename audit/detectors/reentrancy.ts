import type { AstNode } from "../ast/node";
import { child, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { walkFlow, walkFlowEvents, type OutgoingCall } from "../ast/flow";
import { walkYul } from "../ast/yul";
import { hasReentrancyGuard, isAccessControlled, recordsByPrivileged } from "../ast/access";
import {
  builtinCallName,
  contractKind,
  dependsOnInput,
  findFunction,
  fixedAtDeployment,
  exprKey,
  functionKind,
  isStateVariable,
  writtenStateVariable,
  initialValueOf,
  internalCallee,
  isEntryPoint,
  isLibraryFunction,
  isReadOnly,
  isReassignedLocal,
  mentionsSender,
  minorVersion,
  parameters,
  stripConversions,
  stripParens,
  unwrapCallOptions,
} from "../ast/semantics";
import type { Severity } from "../types";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";
import { entriesReaching } from "./defi";

/** The call that most endangers the writes after it, with the state read before it was made. */
interface Pick {
  call: OutgoingCall;
  rank: number;
  readBefore: Set<AstNode>;
}

interface State {
  pick?: Pick;
  /** State read so far on this path. */
  reads: Set<AstNode>;
}

interface Violation {
  call: OutgoingCall;
  decl: AstNode;
  write: AstNode;
  writeSites: AstNode[];
  readBefore: boolean;
}

/**
 * Calls that hand control to other code: low-level call/delegatecall, state-changing external calls, and
 * before 0.5 also calls of view/pure functions (they used CALL, not STATICCALL, so the callee can write).
 */
function canReenter(call: OutgoingCall, staticViews: boolean): boolean {
  if (call.assembly) return true;
  if (call.lowLevel) return call.lowLevel.kind === "call" || call.lowLevel.kind === "callcode" || call.lowLevel.kind === "delegatecall";
  if (call.external) return !call.external.readOnly || !staticViews;
  return false;
}

/**
 * Whether a call sends ether: its value is not a literal zero, also when the value is a parameter of the helper making
 * the call and every caller on the way passes zero (OpenZeppelin's `functionCall` → `functionCallWithValue(…, 0)`).
 */
function sendsEther(program: Program, call: OutgoingCall, context: AstNode): boolean {
  if (!call.value) return false;
  const value = call.lowLevel?.value ?? call.external?.value;
  return !zeroAlong(program, value, call.stack.length - 1, call.stack, context, 0);
}

function zeroAlong(program: Program, expr: AstNode | undefined, level: number, stack: AstNode[], context: AstNode, depth: number): boolean {
  const e = stripConversions(expr);
  if (!e || depth > 6) return false;
  if (e.nodeType === "Literal") return /^0+$/.test(str(e, "value") ?? "");
  const d = e.nodeType === "Identifier" ? program.declOf(e) : undefined;
  const frame = stack[level];
  const caller = stack[level - 1];
  if (!d || !frame || !caller || frame.nodeType !== "FunctionDefinition") return false;
  const k = parameters(frame).indexOf(d);
  const body = child(caller, "body");
  if (k < 0 || !body) return false;
  const sites = findAll(body, "FunctionCall").filter((c) => internalCallee(program, c, context) === frame);
  return sites.length > 0 && sites.every((c) => zeroAlong(program, argumentFor(c, frame, k), level - 1, stack, context, depth + 1));
}

/**
 * What can run when a contract the deployer fixed (a constant, an immutable, or a state variable only the constructor
 * or an initializer sets) is called: "quiet" when every implementation in the scanned code is a view or makes no call
 * of its own (a plain ERC-20 `mint`, a pure math helper behind an interface) — nothing can re-enter; "unknown" when
 * the scanned code has no implementation (the deployer's choice decides); undefined when the target is not fixed or
 * an implementation calls out.
 */
function fixedCallee(program: Program, call: OutgoingCall, context: AstNode, memo: Map<AstNode, "quiet" | "unknown" | undefined>): "quiet" | "unknown" | undefined {
  const ext = call.external;
  if (!ext || call.lowLevel || call.assembly) return undefined;
  if (!fixedAtDeployment(program, ext.target, context) && !ownerChosen(program, ext.target, context)) return undefined;
  const decl = program.declOf(unwrapCallOptions(child(ext.call, "expression")).callee);
  if (decl?.nodeType !== "FunctionDefinition") return undefined;
  if (memo.has(decl)) return memo.get(decl);
  memo.set(decl, undefined);
  const owner = program.contractOf(decl);
  const name = str(decl, "name") ?? "";
  const arity = parameters(decl).length;
  const concrete = program.files.flatMap((f) => list(f.ast, "nodes").filter((c) => c.nodeType === "ContractDefinition" && contractKind(c) === "contract"));
  let impls: { fn: AstNode; contract: AstNode }[] = [];
  if (owner && contractKind(owner) === "contract" && child(decl, "body")) impls = [{ fn: decl, contract: owner }];
  else if (owner) {
    // the contracts that implement the interface (not any contract of the same shape: silencing needs certainty)
    for (const c of concrete) {
      if (c === owner || !program.linearized(c).includes(owner)) continue;
      const fn = findFunction(program, c, name, arity);
      if (fn) impls.push({ fn, contract: c });
    }
  }
  const staticViews = (fn: AstNode): boolean => minorVersion(program.fileOf(fn)?.version ?? "0.8.0") >= 5;
  const quiet = impls.every(({ fn, contract }) => {
    if (isReadOnly(fn) && staticViews(fn)) return true;
    let out = false;
    walkFlow<null>(program, fn, contract, {
      initial: () => null,
      clone: () => null,
      merge: () => null,
      onCall: (_s, c) => {
        if (canReenter(c, staticViews(fn))) out = true;
      },
    });
    return !out;
  });
  // (ether sent along changes nothing: the contract the deployer chose runs, whoever pays)
  const verdict = !quiet ? undefined : impls.length > 0 ? "quiet" : "unknown";
  memo.set(decl, verdict);
  return verdict;
}

/** A call whose target is a constant address written into the code (a literal, or a `constant` initialised with one). */
export function hardCodedTarget(program: Program, call: OutgoingCall): boolean {
  const target = stripConversions(call.external?.target ?? call.lowLevel?.target);
  if (!target) return false;
  const literal = (n: AstNode | undefined): boolean => {
    const e = stripConversions(n);
    return e?.nodeType === "Literal" && /^0x[0-9a-fA-F]{40}$/.test(str(e, "value") ?? "");
  };
  if (literal(target)) return true;
  const d = target.nodeType === "Identifier" || target.nodeType === "MemberAccess" ? program.declOf(target) : undefined;
  return d?.nodeType === "VariableDeclaration" && (d.constant === true || str(d, "mutability") === "constant") && literal(child(d, "value"));
}

/**
 * A state variable (`reputationManager`) that only setup code and privileged functions write: the contract it names
 * is the deployer's or the admin's choice, as trusted as they are.
 */
function ownerChosen(program: Program, expr: AstNode | undefined, contract: AstNode, depth = 0): boolean {
  const t = stripConversions(expr);
  const d = t?.nodeType === "Identifier" ? program.declOf(t) : undefined;
  // a local copy never reassigned (`RewardsController memRewardsController = rewardsController;`, Exactly's Market)
  if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true && depth < 3) {
    const init = initialValueOf(program, d);
    return init !== undefined && !isReassignedLocal(program, d) && ownerChosen(program, init, contract, depth + 1);
  }
  if (!d || !isStateVariable(d)) return false;
  const setup = (f: AstNode): boolean => functionKind(f) === "constructor" || /^(_{0,2}init|initiali[sz]e)/i.test(str(f, "name") ?? "");
  const writers = program
    .linearized(contract)
    .flatMap((c) => list(c, "nodes").filter((n) => n.nodeType === "FunctionDefinition"))
    .filter((f) => findAll(child(f, "body") ?? f, "Assignment").some((a) => writtenStateVariable(program, a)?.decl === d));
  return writers.length > 0 && writers.every((f) => setup(f) || (isEntryPoint(f) && isAccessControlled(program, f, contract)));
}

/** SafeERC20 / TransferHelper functions that only move or approve ERC-20 tokens (no recipient callback). */
const ERC20_LIBRARY_CALL = /^(safeTransfer|safeTransferFrom|trySafeTransfer|trySafeTransferFrom|safeApprove|forceApprove|safeIncreaseAllowance|safeDecreaseAllowance)$/;
/** Plain ERC-20 functions (ERC-721 `transferFrom` has no callback either; `safeTransferFrom` calls the recipient). */
const ERC20_CALL = /^(transfer|transferFrom|approve)$/;
const ERC20_HELPER = /^_(safeTransfer|safeTransferFrom|safeApprove)$/;

/**
 * An ERC-20 transfer or approval (a token's `transfer`/`transferFrom`/`approve`, SafeERC20's `safeTransfer(From)`…)
 * of a token the caller does not choose, without ether: the callee is the token, which runs no code of the caller's
 * unless it is a token with transfer hooks (ERC-777). Returns undefined when the call is something else.
 */
export function tokenCall(program: Program, call: OutgoingCall, fn: AstNode, context: AstNode): { callerChosen: boolean } | undefined {
  if (sendsEther(program, call, context)) return undefined;
  if (call.external && !call.assembly && !call.lowLevel) {
    if (!ERC20_CALL.test(call.external.functionName)) return undefined;
    return { callerChosen: callerChosen(program, call.external.target, call.stack.length - 1, call.stack, fn, context) };
  }
  // A low-level or assembly call made inside a SafeERC20-style library function: the token is that function's argument.
  // (or in a contract's own helper of the kind, Uniswap v2's `_safeTransfer(token, to, value)` making a low-level call)
  const i = call.stack.findIndex(
    (f) =>
      f.nodeType === "FunctionDefinition" &&
      ((isLibraryFunction(program, f) && ERC20_LIBRARY_CALL.test(str(f, "name") ?? "")) || (call.lowLevel !== undefined && ERC20_HELPER.test(str(f, "name") ?? ""))),
  );
  if (i <= 0) return undefined;
  const lib = call.stack[i]!;
  const frame = call.stack[i - 1]!;
  const body = child(frame, "body");
  if (!body) return { callerChosen: true };
  const sites = findAll(body, "FunctionCall").filter((c) => internalCallee(program, c, context) === lib);
  if (sites.length === 0) return { callerChosen: true };
  return { callerChosen: sites.some((c) => callerChosen(program, argumentFor(c, lib, 0), i - 1, call.stack, fn, context)) };
}

/** The expression passed for parameter `index` of `callee` (the receiver for `token.safeTransfer(…)` via `using … for`). */
function argumentFor(call: AstNode, callee: AstNode, index: number): AstNode | undefined {
  const args = list(call, "arguments");
  const bound = args.length === parameters(callee).length - 1;
  if (!bound) return args[index];
  if (index === 0) {
    const e = child(call, "expression");
    return e?.nodeType === "MemberAccess" ? child(e, "expression") : undefined;
  }
  return args[index - 1];
}

/**
 * Whether the token `expr` (evaluated in `stack[level]`) may be chosen by a caller: msg.sender, a parameter of the
 * entry function (followed back through the internal calls that pass it on), or a token stored per record
 * (`channels[id].token`, `tokenOf[id]`: set by whoever created the record, as in the SpankChain attack). A token in a
 * plain state variable, an immutable or a view of one (`asset()`, `underlying()`) is the deployer's choice.
 * Shapes not understood count as caller-chosen.
 */
function callerChosen(program: Program, expr: AstNode | undefined, level: number, stack: AstNode[], fn: AstNode, context: AstNode, depth = 0): boolean {
  if (!expr || depth > 6) return true;
  if (mentionsSender(program, expr)) return true;
  if (findAll(expr, "IndexAccess", "IndexRangeAccess").length > 0) return true;
  const frame = stack[level];
  if (!frame) return true;
  const e = stripConversions(expr);
  const root = e?.nodeType === "MemberAccess" ? stripConversions(child(e, "expression")) : e;
  const d = root?.nodeType === "Identifier" ? program.declOf(root) : undefined;
  if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true) {
    const k = parameters(frame).indexOf(d);
    if (k >= 0) {
      if (frame === fn || level === 0 || root !== e) return true;
      const caller = stack[level - 1];
      const body = caller ? child(caller, "body") : undefined;
      if (!body || caller!.nodeType !== "FunctionDefinition") return true;
      const sites = findAll(body, "FunctionCall").filter((c) => internalCallee(program, c, context) === frame);
      if (sites.length === 0) return true;
      return sites.some((c) => callerChosen(program, argumentFor(c, frame, k), level - 1, stack, fn, context, depth + 1));
    }
    // Channel storage channel = channels[id]: a record whoever opened it filled in — unless only privileged callers
    // (or the constructor) ever write that state variable (MasterChef's owner-added pools)
    if (str(d, "storageLocation") === "storage") {
      return !recordsByPrivileged(program, initialValueOf(program, d), context, e?.nodeType === "MemberAccess" ? str(e, "memberName") : undefined);
    }
    const init = initialValueOf(program, d);
    return init === undefined || callerChosen(program, init, level, stack, fn, context, depth + 1);
  }
  return dependsOnInput(program, expr, frame);
}

/**
 * ERC-3156: the lender calls the borrower's `onFlashLoan` and then settles the loan from the borrower's account
 * (`_spendAllowance(receiver, …)`, `_burn(receiver, …)`, `_transfer(receiver, feeReceiver, fee)`). Writes made by an
 * internal call that is handed the borrower are that settlement, the order the standard prescribes.
 */
function isFlashLoanSettlement(program: Program, call: OutgoingCall, writeSites: AstNode[], write: AstNode, context: AstNode): boolean {
  if (call.external?.functionName !== "onFlashLoan") return false;
  const borrower = exprKey(program, stripConversions(call.external.target) ?? call.external.target);
  // the repayment pulled from the borrower after its callback (`token.transferFrom(address(receiver), this, amount + fee)`)
  // and then booked: the write follows that settlement, the order the standard prescribes
  const at = writeSites[0] ?? write;
  const callAt = call.sites[0] ?? call.node;
  const fn = program.callableOf(callAt);
  const body = fn ? child(fn, "body") : undefined;
  if (
    body &&
    program.fileOf(at) === program.fileOf(callAt) &&
    findAll(body, "FunctionCall").some(
      (c) =>
        /^(safe)?transferFrom$/i.test(str(child(c, "expression") ?? c, "memberName") ?? "") &&
        program.before(callAt, c) && program.before(c, at) &&
        list(c, "arguments").some((a) => exprKey(program, stripConversions(a) ?? a) === borrower),
    )
  ) return true;
  const site = writeSites[writeSites.length - 1];
  // the write happens inside the called function, not in the statement itself (`loans = count(receiver)`)
  if (!site || site === write || program.contains(site, write)) return false;
  return findAll(site, "FunctionCall").some(
    (c) =>
      internalCallee(program, c, context) !== undefined &&
      list(c, "arguments").some((a) => exprKey(program, stripConversions(a) ?? a) === borrower),
  );
}

/**
 * A write reached after the call only through a loop's back edge: in the same loop body the write comes before the
 * call, so every iteration writes its effects before its interaction (checks-effects-interactions per iteration);
 * a re-entrant call between two iterations sees the state of the completed ones.
 */
function loopCarriedOnly(program: Program, call: OutgoingCall, writeSites: AstNode[], write: AstNode): boolean {
  const callAt = call.sites[call.sites.length - 1] ?? call.node;
  const writeAt = writeSites[writeSites.length - 1] ?? write;
  if (program.fileOf(callAt) !== program.fileOf(writeAt) || !program.before(writeAt, callAt)) return false;
  if (program.contains(writeAt, callAt) || program.contains(callAt, writeAt)) return false;
  let loop = program.ancestor(callAt, "ForStatement", "WhileStatement", "DoWhileStatement");
  while (loop) {
    const body = child(loop, "body");
    if (body && (body === writeAt || program.contains(body, writeAt))) return true;
    const up = program.parent(loop);
    loop = up ? program.ancestor(up, "ForStatement", "WhileStatement", "DoWhileStatement") : undefined;
  }
  return false;
}

/**
 * A statement that always reverts: `revert(…)`, `revert Error(…)`, `throw`, `require(false, …)`, `assert(false)`, a block
 * that reaches one of these, an `if` whose two branches both do.
 */
function alwaysReverts(program: Program, s: AstNode | undefined): boolean {
  if (!s) return false;
  switch (s.nodeType) {
    case "Throw":
    case "RevertStatement":
      return true;
    case "ExpressionStatement": {
      const e = child(s, "expression");
      if (e?.nodeType !== "FunctionCall") return false;
      const name = builtinCallName(program, e);
      if (name === "revert") return true;
      if (name !== "require" && name !== "assert") return false;
      const cond = stripParens(list(e, "arguments")[0]);
      return cond?.nodeType === "Literal" && str(cond, "value") === "false";
    }
    case "Block":
    case "UncheckedBlock":
      return revertsFrom(program, list(s, "statements"), 0);
    case "IfStatement":
      return alwaysReverts(program, child(s, "trueBody")) && alwaysReverts(program, child(s, "falseBody"));
    default:
      return false;
  }
}

/** Whether running `statements` from index `from` always reaches a revert: no return, break, continue or assembly before it. */
function revertsFrom(program: Program, statements: AstNode[], from: number): boolean {
  for (const s of statements.slice(from)) {
    if (alwaysReverts(program, s)) return true;
    if (s.nodeType === "InlineAssembly" || findAll(s, "Return", "Break", "Continue", "InlineAssembly").length > 0) return false;
  }
  return false;
}

/** Where the search for a revert that rolls a write back ends: the function, modifier or loop around it. */
const ROLLBACK_SCOPE_END = new Set(["FunctionDefinition", "ModifierDefinition", "ForStatement", "WhileStatement", "DoWhileStatement"]);

/**
 * A write (or the statement that leads to it) on a path that ends in an unconditional revert, inside its own function:
 * `if (!sent) { winner = address(0); revert Failed(); }`. The revert rolls the write back, so it is no effect after the
 * interaction. The search climbs out of blocks and branches (after an `if` the statements that follow it run) and
 * stops at a loop, where another iteration may follow.
 */
function rolledBack(program: Program, node: AstNode): boolean {
  let cur = node;
  for (let up = program.parent(cur); up; cur = up, up = program.parent(cur)) {
    if (up.nodeType === "Block" || up.nodeType === "UncheckedBlock") {
      const statements = list(up, "statements");
      const i = statements.indexOf(cur);
      if (i >= 0 && revertsFrom(program, statements, i + 1)) return true;
    }
    if (ROLLBACK_SCOPE_END.has(up.nodeType)) return false;
  }
  return false;
}

/**
 * Whether a call goes to a contract the function itself deployed before it: the target is a local assigned from
 * `new C(…)` or from assembly `create`/`create2` (UniswapV2Factory's `pair.initialize(…)` after `create2`).
 */
function createdHere(program: Program, call: OutgoingCall, fn: AstNode): boolean {
  const target = stripConversions(call.external?.target ?? call.lowLevel?.target);
  const decl = target?.nodeType === "Identifier" ? program.declOf(target) : undefined;
  // the local may belong to an internal helper on the way (`wrap()` → `_createWrappedToken()`, which deploys and
  // initialises): then the order is the helper's
  const owner = decl ? program.callableOf(decl) : undefined;
  if (!decl || !owner || (owner !== fn && !call.stack.includes(owner))) return false;
  const body = child(owner, "body");
  if (!body) return false;
  const at = program.contains(body, call.node) ? call.node : (call.sites.find((s) => program.contains(body, s)) ?? call.sites[0] ?? call.node);
  const created = (e: AstNode | undefined): boolean => {
    const x = stripConversions(e);
    if (x?.nodeType === "FunctionCall" && stripParens(child(x, "expression"))?.nodeType === "NewExpression") return true;
    return false;
  };
  for (const n of findAll(body, "VariableDeclarationStatement", "Assignment", "InlineAssembly")) {
    if (!program.before(n, at)) continue;
    if (n.nodeType === "VariableDeclarationStatement") {
      if (list(n, "declarations").includes(decl) && created(child(n, "initialValue"))) return true;
    } else if (n.nodeType === "Assignment") {
      const lhs = child(n, "leftHandSide");
      if (lhs?.nodeType === "Identifier" && program.declOf(lhs) === decl && created(child(n, "rightHandSide"))) return true;
    } else if (n.AST === undefined) {
      // before 0.6 the assembly has no Yul tree: `pair := create2(…)` in its text
      const name = str(decl, "name") ?? "";
      if (name && new RegExp(`\\b${name}\\s*:=\\s*create2?\\s*\\(`).test(program.text(n))) return true;
    } else {
      let found = false;
      walkYul(n, (y) => {
        if (y.nodeType !== "YulAssignment") return;
        const value = child(y, "value");
        const name = value?.nodeType === "YulFunctionCall" ? (value.functionName as { name?: unknown } | undefined)?.name : undefined;
        if (name !== "create" && name !== "create2") return;
        const names = list(y, "variableNames");
        const ref = ((n.externalReferences as { src?: string; declaration?: number }[] | undefined) ?? []).find((r) => names.some((v) => v.src === r.src));
        if (ref && ref.declaration === decl.id) found = true;
      });
      if (found) return true;
    }
  }
  return false;
}

/**
 * A public or external library function (run by delegatecall from the contracts that link it) whose every call in the
 * scan comes from a privileged function of the calling contract, or from an internal function only privileged entry
 * points reach (JOJO's `Operation.setSecondaryAsset`, called only by the owner's `setSecondaryAsset`).
 */
function libraryCallersRestricted(program: Program, fn: AstNode): boolean {
  let calls = 0;
  for (const f of program.files) {
    for (const call of findAll(f.ast, "FunctionCall")) {
      if (program.declOf(child(call, "expression")) !== fn) continue;
      calls++;
      const caller = program.callableOf(call);
      const owner = caller ? program.contractOf(caller) : undefined;
      if (!caller || !owner || caller.nodeType !== "FunctionDefinition") return false;
      if (isEntryPoint(caller) ? isAccessControlled(program, caller, owner) : restrictedEntries(program, caller, owner)) continue;
      return false;
    }
  }
  return calls > 0;
}

/** Every concrete contract's entry points that reach `fn` (declared in `owner` or a base) are privileged. */
function restrictedEntries(program: Program, fn: AstNode, owner: AstNode): boolean {
  const contracts = program.files.flatMap((f) => findAll(f.ast, "ContractDefinition")).filter((c) => contractKind(c) === "contract" && program.linearized(c).includes(owner));
  const entries = contracts.flatMap((c) => entriesReaching(program, fn, c).map((e) => [e, c] as const));
  return entries.length > 0 && entries.every(([e, c]) => isAccessControlled(program, e, c));
}

/**
 * How much a re-enterable call endangers the state written after it: 4 ether to a receiver not written into the code;
 * 3 a call into code nobody vetted (a caller-chosen token, a callback, an arbitrary target); 2 a contract the deployer
 * or an admin chose whose code in the scan calls out in turn; 1 an ERC-20 transfer of a token the caller does not
 * choose (re-enters only through transfer hooks); 0 a contract the deployer or an admin chose whose code is not in the
 * scan, or ether to an address written into the code.
 */
function dangerOf(program: Program, call: OutgoingCall, fn: AstNode, contract: AstNode, fixed: Map<AstNode, "quiet" | "unknown" | undefined>): number {
  const token = tokenCall(program, call, fn, contract);
  if (token !== undefined && !token.callerChosen) return 1;
  if (fixedCallee(program, call, contract, fixed) === "unknown" || adminReceiver(program, call, contract)) return 0;
  if (trustedTarget(program, call, contract)) return 2;
  if (sendsEther(program, call, contract)) return hardCodedTarget(program, call) ? 0 : 4;
  return 3;
}

/**
 * A low-level call to an address the deployer fixed or only an admin sets (`payable(wallet).call{value: fee}("")`, Zap's
 * launch fee): the admin's own wallet or treasury, whose code — if any — is theirs.
 */
function adminReceiver(program: Program, call: OutgoingCall, contract: AstNode): boolean {
  const target = call.lowLevel && !call.assembly ? call.lowLevel.target : undefined;
  return target !== undefined && (fixedAtDeployment(program, target, contract) || ownerChosen(program, target, contract));
}

/** An external function call on a contract the deployer fixed or only an admin sets (`collateralManager.withdraw(…)`). */
function trustedTarget(program: Program, call: OutgoingCall, contract: AstNode): boolean {
  const target = call.external && !call.lowLevel && !call.assembly ? call.external.target : undefined;
  return target !== undefined && (fixedAtDeployment(program, target, contract) || ownerChosen(program, target, contract));
}

export const reentrancy: Detector = {
  id: "reentrancy",
  category: "reentrancy",
  title: "State written after an external call (the callee can re-enter before the state is updated)",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    const staticViews = minorVersion(ctx.file.version) >= 5;
    const fixed = new Map<AstNode, "quiet" | "unknown" | undefined>();
    for (const contract of contractsIn(ctx)) {
      // Who reads each state variable: for the cross-function note.
      const readers = new Map<AstNode, Set<string>>();
      // ...and which functions that change state read it (a view reading it stale is read-only reentrancy, reported apart)
      const actingReaders = new Map<AstNode, Set<AstNode>>();
      const allFns = program.linearized(contract).flatMap(functionsOf);
      for (const fn of allFns) {
        if (!isEntryPoint(fn)) continue;
        walkFlowEvents(program, fn, contract, {
          onRead: (decl) => {
            const set = readers.get(decl) ?? new Set<string>();
            set.add(displayName(fn) ?? "?");
            readers.set(decl, set);
            if (isReadOnly(fn)) return;
            const acting = actingReaders.get(decl) ?? new Set<AstNode>();
            acting.add(fn);
            actingReaders.set(decl, acting);
          },
        });
      }

      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        if (hasReentrancyGuard(program, fn, contract)) continue;
        const violations: Violation[] = [];
        walkFlow<State>(program, fn, contract, {
          initial: () => ({ reads: new Set() }),
          clone: (s) => ({ pick: s.pick, reads: new Set(s.reads) }),
          merge: (a, b) => {
            let pick = a.pick ?? b.pick;
            if (a.pick && b.pick && b.pick.rank > a.pick.rank) pick = b.pick;
            else if (a.pick && b.pick && a.pick.call.node === b.pick.call.node && a.pick !== b.pick) {
              pick = { ...a.pick, readBefore: new Set([...a.pick.readBefore, ...b.pick.readBefore]) };
            }
            return { pick, reads: new Set([...a.reads, ...b.reads]) };
          },
          onCall: (s, call) => {
            if (!canReenter(call, staticViews)) return;
            // a contract this function has just deployed runs code the project wrote (a factory initialising its pair)
            if (createdHere(program, call, fn)) return;
            // a contract the deployer fixed whose code calls no one (a pure helper, a plain token's mint)
            if (fixedCallee(program, call, contract, fixed) === "quiet") return;
            // made inside a nonReentrant function: re-entry is blocked
            if (call.stack.some((f) => f !== fn && f.nodeType === "FunctionDefinition" && hasReentrancyGuard(program, f, contract))) return;
            // the writes after several calls are judged by the most dangerous of them, not by the first: a trusted
            // registry called first does not make the lender's callback after it safe (Teller's repayment listener)
            const rank = dangerOf(program, call, fn, contract, fixed);
            if (!s.pick || rank > s.pick.rank) s.pick = { call, rank, readBefore: new Set(s.reads) };
          },
          onRead: (s, decl) => {
            s.reads.add(decl);
          },
          onWrite: (s, decl, node, sites) => {
            const pick = s.pick;
            if (!pick) return;
            if (isFlashLoanSettlement(program, pick.call, sites, node, contract)) return;
            if (loopCarriedOnly(program, pick.call, sites, node)) return;
            // rolled back by a revert that ends its path: the effect never outlives the interaction
            if ([node, ...sites].some((n) => rolledBack(program, n))) return;
            violations.push({ call: pick.call, decl, write: node, writeSites: sites, readBefore: pick.readBefore.has(decl) });
          },
        });
        if (violations.length === 0) continue;
        // One finding per call.
        const byCall = new Map<AstNode, Violation[]>();
        for (const v of violations) byCall.set(v.call.node, [...(byCall.get(v.call.node) ?? []), v]);
        const restricted = isAccessControlled(program, fn, contract) || (contractKind(contract) === "library" && libraryCallersRestricted(program, fn));
        for (const vs of byCall.values()) {
          const call = vs[0]!.call;
          // ether forwarded to a contract the deployer or an admin chose (a bridge adapter's fee) hands control to
          // that contract, as any call to it does: it is judged as such a call
          const paid = sendsEther(program, call, contract);
          const ether = paid && !trustedTarget(program, call, contract) && !adminReceiver(program, call, contract);
          const readFirst = vs.some((v) => v.readBefore);
          // Nothing decides on the old value: this function reads none of the variables before its call, and no other
          // function that changes state reads them at all (Ethernaut's Denial: `timeLastWithdrawn` is only ever written).
          // Re-entering then does nothing that calling again afterwards could not.
          const unobserved = !readFirst && vs.every((v) => [...(actingReaders.get(v.decl) ?? [])].every((r) => r === fn));
          let severity: Severity = ether ? (readFirst ? "high" : unobserved ? "low" : "medium") : readFirst ? "medium" : "low";
          if (restricted) severity = "low";
          // An ERC-20 transfer of a token the caller does not choose re-enters only through a hooked token (ERC-777).
          const token = tokenCall(program, call, fn, contract);
          const tokenOnly = token !== undefined && !token.callerChosen;
          if (tokenOnly) severity = "low";
          // a contract the deployer fixed whose code is not in the scan: it calls back only if the deployer chose one that does
          const deployerChoice = !tokenOnly && (fixedCallee(program, call, contract, fixed) === "unknown" || adminReceiver(program, call, contract));
          if (deployerChoice) severity = "low";
          // ether sent to an address written into the code (`ILido public constant lido = ILido(0xae7a…)`, Saffron's
          // deposit): a known protocol, not a receiver anyone chooses
          const hardCoded = paid && !tokenOnly && hardCodedTarget(program, call);
          if (hardCoded) severity = "low";
          const vars = [...new Set(vs.map((v) => str(v.decl, "name") ?? "?"))];
          const others = new Set<string>();
          for (const v of vs) for (const r of readers.get(v.decl) ?? []) if (r !== displayName(fn)) others.add(r);
          const lines = linesIn(program, ctx.file, [call.node, ...call.sites, ...vs.flatMap((v) => [v.write, ...v.writeSites])]);
          // the call itself, or (made inside a dependency's helper) the statement here that leads to it
          const shown = [call.node, ...[...call.sites].reverse()].find((n) => program.fileOf(n) === ctx.file);
          const maker = call.stack[call.stack.length - 1];
          const makerOwner = maker ? program.contractOf(maker) : undefined;
          const elsewhere =
            shown !== call.node && maker?.nodeType === "FunctionDefinition" ? ` (made in ${makerOwner ? `${str(makerOwner, "name")}.` : ""}${displayName(maker)}())` : "";
          const callText = (shown ? `\`${program.text(shown).split("\n")[0]!.slice(0, 80)}\`` : "an external call") + elsewhere;
          ctx.report({
            detector: "reentrancy",
            category: "reentrancy",
            severity,
            confidence: readFirst ? "high" : "medium",
            lines,
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() makes ${paid ? "an ether-sending " : "an "}external call ${callText} and only afterwards writes ` +
              `${vars.join(", ")}. The callee can call back into the contract while ${vars.join(", ")} still hold the old value` +
              (others.size > 0 ? ` (cross-function: ${[...others].slice(0, 5).join(", ")} also read${others.size === 1 ? "s" : ""} it).` : ".") +
              (restricted ? " The function is restricted to privileged callers, which lowers the risk." : "") +
              (ether && unobserved ? ` No function that changes state reads ${vars.join(", ")} before it is written, so a re-entrant call gains nothing a later call would not.` : "") +
              (tokenOnly
                ? " The call is a transfer or approval of a token the caller does not choose, which calls no one back unless the token has transfer hooks (ERC-777)."
                : hardCoded
                  ? " The ether goes to an address written into the code (a constant), a known protocol rather than a receiver anyone chooses: it calls back only if that protocol does."
                  : deployerChoice
                    ? " The callee is a contract the deployer or an admin chose (fixed at deployment, or set only by a privileged function) whose code is not in the scan: it calls back only if the contract they chose does."
                    : ""),
            remediation:
              "Follow checks-effects-interactions: update the contract's state before the external call, and make the call last. " +
              "Also add a reentrancy guard (OpenZeppelin ReentrancyGuard) to every function that moves value. For example:\n" +
              "```solidity\nuint256 amount = balances[msg.sender];\nbalances[msg.sender] = 0;            // effect first\n" +
              "(bool ok, ) = msg.sender.call{value: amount}(\"\");  // interaction last\nrequire(ok);\n```\n" +
              "and declare the function `nonReentrant` (contract inherits `ReentrancyGuard`).",
          });
        }
      }
    }
  },
};
