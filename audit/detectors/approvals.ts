/**
 * Token approvals that lock a feature (`safe-approve-nonzero`).
 *
 * OpenZeppelin's `SafeERC20.safeApprove(token, spender, value)` (v2 … v4, deprecated and removed in v5) reverts unless
 * `value == 0` or the current allowance is 0:
 *
 * ```solidity
 * require((value == 0) || (token.allowance(address(this), spender) == 0),
 *     "SafeERC20: approve from non-zero to non-zero allowance");
 * ```
 *
 * A function that approves a non-zero amount this way, and can run again for the same spender while the previous
 * allowance may not be fully spent, reverts the second time: the feature is stuck (denial of service). Reported from
 * every state-changing entry point (and the internal functions it reaches) that is not a one-time setup, unless:
 * - the value is the literal 0 (also through a helper's parameter);
 * - an approval of 0 for the same token and spender (`safeApprove`, `approve`, `forceApprove`) precedes it on the way,
 *   or one for the variable the function then sets to the spender (`safeApprove(router, 0); router = next;
 *   safeApprove(next, max)`: a spender used before was reset when it was replaced);
 * - it sits under a check that the current allowance is 0 (`if (token.allowance(address(this), spender) == 0)`);
 * - the next state-changing call after it goes to the spender and passes the same amount (the spender pulls it all:
 *   `token.safeApprove(router, amount); router.swapExactTokensForTokens(amount, …)`, also inside a parameter struct or an
 *   array of amounts), except `addLiquidity…`, which takes only what the pool ratio needs;
 * - the spender is a contract created in the same function (`new Vault()`, a clone): its allowance is 0;
 * - the function runs only once (constructor, `initializer` / `reinitializer` / `onlyInitializing`, a function named
 *   `initialize…`, a guard on a flag the function sets to true and nothing sets back) or once per spender (a guard on
 *   `registered[spender]` that the function then writes).
 * The library is recognised by its code (a `safeApprove` library function with three parameters whose guard reads
 * `allowance`), so solmate's and solady's `safeApprove`, which do not check the allowance, are not reported.
 */
import type { AstNode } from "../ast/node";
import { child, children, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { hasInitializerModifier } from "../ast/access";
import {
  baseDeclaration,
  contractKind,
  effectiveFunctions,
  exprKey,
  externalCall,
  guardConditions,
  initialValueOf,
  isConversion,
  isFromDependency,
  isEntryPoint,
  isLibraryFunction,
  isReadOnly,
  isStateVariable,
  isThis,
  lowLevelCall,
  parameters,
  stripConversions,
  stripParens,
  unwrapCallOptions,
  writtenStateVariable,
} from "../ast/semantics";
import { argumentsFor, deployedContracts, internalTarget } from "./defi";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const MAX_DEPTH = 6;
/** A one-time setup function by name (an upgradeable contract's `initialize`, `__Vault_init`). */
const SETUP_NAME = /^_{0,2}(init|initiali[sz]e)/i;
/** Calls that set an allowance (a reset to 0 through any of them counts). */
const APPROVE_NAME = /^(approve|safeApprove|forceApprove)$/;
/** Spenders created in the function: their allowance is 0. */
const CREATE_NAME = /^(clone|cloneDeterministic|create2?|createPair|deploy\w*)$/;
/** Functions that take only part of what they are given (the pool ratio decides): the allowance is not spent in full. */
const PARTIAL_PULL = /^addLiquidity/i;

/** One internal function being run on the way from an entry point: its parameters bound to the caller's arguments. */
interface Frame {
  fn: AstNode;
  parent?: Frame;
  /** The call in the parent frame that runs this function. */
  site?: AstNode;
  params: Map<AstNode, AstNode>;
  depth: number;
}

/** An approval (`oz`: OpenZeppelin's checked safeApprove) or another state-changing call out, in evaluation order. */
type FlowEvent =
  | { kind: "approve"; call: AstNode; token: AstNode; spender: AstNode; value: AstNode; frame: Frame; oz: boolean }
  | { kind: "call"; call: AstNode; target: AstNode; args: AstNode[]; name: string; frame: Frame };

/** Whether a library function is OpenZeppelin's checked `safeApprove(token, spender, value)`: a guard reads `allowance`. */
function isCheckedSafeApprove(program: Program, fn: AstNode | undefined): boolean {
  if (fn?.nodeType !== "FunctionDefinition" || str(fn, "name") !== "safeApprove" || parameters(fn).length !== 3) return false;
  if (!isLibraryFunction(program, fn)) return false;
  const body = child(fn, "body");
  if (!body) return false;
  return guardConditions(program, body).some(({ cond }) => findAll(cond, "MemberAccess").some((m) => str(m, "memberName") === "allowance"));
}

/** The checked safeApprove of a library named SafeERC20… in the program (parse-tree fallback, where calls are not resolved). */
function namedCheckedSafeApprove(program: Program): boolean {
  return program.files.some((f) =>
    list(f.ast, "nodes").some(
      (c) =>
        c.nodeType === "ContractDefinition" &&
        contractKind(c) === "library" &&
        /^SafeERC20(Upgradeable)?$/.test(str(c, "name") ?? "") &&
        list(c, "nodes").some((fn) => isCheckedSafeApprove(program, fn)),
    ),
  );
}

/** `token.safeApprove(spender, value)` / `SafeERC20.safeApprove(token, spender, value)` of OpenZeppelin's checked kind. */
function ozSafeApprove(program: Program, call: AstNode): { token: AstNode; spender: AstNode; value: AstNode } | undefined {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== "safeApprove") return undefined;
  const decl = program.declOf(callee);
  const typed = program.fileOf(call)?.typed !== false;
  let args: AstNode[];
  if (decl) {
    if (!isCheckedSafeApprove(program, decl)) return undefined;
    args = argumentsFor(program, call, decl);
  } else {
    if (typed || !namedCheckedSafeApprove(program)) return undefined;
    const base = child(callee, "expression");
    const raw = list(call, "arguments");
    const isLibraryName = base?.nodeType === "Identifier" && /^SafeERC20(Upgradeable)?$/.test(str(base, "name") ?? "");
    args = isLibraryName ? raw : base ? [base, ...raw] : raw;
  }
  if (args.length !== 3) return undefined;
  return { token: args[0]!, spender: args[1]!, value: args[2]! };
}

/** Another allowance setter (`approve`, `forceApprove`, any library's `safeApprove`) as token, spender, value. */
function otherApprove(program: Program, call: AstNode, context: AstNode): { token: AstNode; spender: AstNode; value: AstNode } | undefined {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (callee?.nodeType !== "MemberAccess" || !APPROVE_NAME.test(str(callee, "memberName") ?? "")) return undefined;
  const ext = externalCall(program, call);
  if (ext) {
    const args = list(call, "arguments");
    return args.length === 2 ? { token: ext.target, spender: args[0]!, value: args[1]! } : undefined;
  }
  const target = internalTarget(program, call, context);
  if (!target || !isLibraryFunction(program, target)) return undefined;
  const args = argumentsFor(program, call, target);
  return args.length === 3 ? { token: args[0]!, spender: args[1]!, value: args[2]! } : undefined;
}

/**
 * The approvals and state-changing calls out of an entry point, in evaluation order, with internal functions inlined
 * (library functions are not entered: a state-changing library call counts as a call to its first argument, as
 * `token.safeTransfer(to, amount)` calls the token).
 */
class ApprovalFlow {
  readonly events: FlowEvent[] = [];
  readonly frames: Frame[] = [];
  private readonly active = new Set<AstNode>();

  constructor(
    private readonly program: Program,
    private readonly context: AstNode,
  ) {}

  run(fn: AstNode, frame: Frame): void {
    const body = child(fn, "body");
    if (!body || this.active.has(fn)) return;
    this.active.add(fn);
    this.frames.push(frame);
    this.visit(body, frame);
    this.active.delete(fn);
  }

  private visit(node: AstNode, frame: Frame): void {
    if (node.nodeType === "InlineAssembly") return;
    if (node.nodeType === "FunctionCall") {
      this.call(node, frame);
      return;
    }
    for (const c of children(node)) this.visit(c, frame);
  }

  private call(call: AstNode, frame: Frame): void {
    const program = this.program;
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    // the receiver and the arguments are evaluated first
    if (callee?.nodeType === "MemberAccess" && child(callee, "expression")) this.visit(child(callee, "expression")!, frame);
    else if (callee?.nodeType === "FunctionCall") this.visit(callee, frame);
    for (const a of list(call, "arguments")) this.visit(a, frame);
    if (isConversion(call) || str(call, "kind") === "structConstructorCall") return;
    const oz = ozSafeApprove(program, call);
    if (oz) {
      this.events.push({ kind: "approve", call, ...oz, frame, oz: true });
      return;
    }
    const other = otherApprove(program, call, this.context);
    if (other && isZero(program, other.value, frame)) {
      this.events.push({ kind: "approve", call, ...other, frame, oz: false });
      return;
    }
    const ext = externalCall(program, call);
    if (ext) {
      if (!ext.readOnly) this.events.push({ kind: "call", call, target: ext.target, args: list(call, "arguments"), name: ext.functionName, frame });
      return;
    }
    const ll = lowLevelCall(program, call);
    if (ll) {
      if (ll.kind !== "staticcall") this.events.push({ kind: "call", call, target: ll.target, args: [], name: ll.kind, frame });
      return;
    }
    const target = internalTarget(program, call, this.context);
    if (!target) return;
    const args = argumentsFor(program, call, target);
    if (isLibraryFunction(program, target)) {
      if (!isReadOnly(target) && args[0]) this.events.push({ kind: "call", call, target: args[0], args: args.slice(1), name: str(target, "name") ?? "", frame });
      return;
    }
    if (frame.depth >= MAX_DEPTH) return;
    const params = new Map<AstNode, AstNode>();
    parameters(target).forEach((p, i) => {
      if (args[i]) params.set(p, args[i]!);
    });
    this.run(target, { fn: target, parent: frame, site: call, params, depth: frame.depth + 1 });
  }
}

/** A parameter's argument in the calling frame, followed up the frames. */
function bound(program: Program, expr: AstNode | undefined, frame: Frame): { expr: AstNode | undefined; frame: Frame } {
  let e = stripConversions(expr);
  let f = frame;
  for (let i = 0; i <= MAX_DEPTH && e?.nodeType === "Identifier" && f.parent; i++) {
    const decl = program.declOf(e);
    const arg = decl ? f.params.get(decl) : undefined;
    if (!arg) break;
    e = stripConversions(arg);
    f = f.parent;
  }
  return { expr: e, frame: f };
}

/** A structural key of an expression across frames: parameters replaced by the caller's arguments, conversions dropped. */
function keyOf(program: Program, expr: AstNode | undefined, frame: Frame, depth = 0): string {
  const { expr: e, frame: f } = bound(program, expr, frame);
  if (!e || depth > 12) return "";
  switch (e.nodeType) {
    case "Identifier": {
      const d = program.declOf(e);
      // locals of different functions with the same name are different values
      return d && d.nodeType === "VariableDeclaration" && !isStateVariable(d) ? `${str(e, "name")}#${d.id}` : (str(e, "name") ?? "");
    }
    case "MemberAccess":
      return `${keyOf(program, child(e, "expression"), f, depth + 1)}.${str(e, "memberName")}`;
    case "IndexAccess":
      return `${keyOf(program, child(e, "baseExpression"), f, depth + 1)}[${keyOf(program, child(e, "indexExpression"), f, depth + 1)}]`;
    case "Literal":
      return String(e.value ?? e.hexValue ?? "");
    case "FunctionCall": {
      const callee = child(e, "expression");
      const name = callee?.nodeType === "MemberAccess" ? keyOf(program, callee, f, depth + 1) : callee ? exprKey(program, callee) : "";
      return `${name}(${list(e, "arguments").map((a) => keyOf(program, a, f, depth + 1)).join(",")})`;
    }
    case "BinaryOperation":
      return `(${keyOf(program, child(e, "leftExpression"), f, depth + 1)}${str(e, "operator")}${keyOf(program, child(e, "rightExpression"), f, depth + 1)})`;
    default:
      return exprKey(program, e);
  }
}

function isZero(program: Program, expr: AstNode | undefined, frame: Frame): boolean {
  const e = bound(program, expr, frame).expr;
  return e?.nodeType === "Literal" && /^(0+|0x0+)$/i.test(String(e.value ?? ""));
}

/** The approval is under a check that the current allowance for the spender is 0. */
function underZeroAllowanceCheck(program: Program, ev: FlowEvent & { kind: "approve" }, spenderKey: string): boolean {
  const fn = ev.frame.fn;
  const body = child(fn, "body");
  if (!body) return false;
  const conds: AstNode[] = [];
  for (let p = program.parent(ev.call); p && p !== body; p = program.parent(p)) {
    if (p.nodeType === "IfStatement" && child(p, "condition") && program.contains(child(p, "trueBody") ?? p, ev.call)) conds.push(child(p, "condition")!);
  }
  for (const g of guardConditions(program, body)) if (program.before(g.node, ev.call) && g.node.nodeType !== "IfStatement") conds.push(g.cond);
  return conds.some((cond) =>
    findAll(cond, "BinaryOperation").some((op) => {
      if (str(op, "operator") !== "==") return false;
      const sides = [stripParens(child(op, "leftExpression")), stripParens(child(op, "rightExpression"))];
      const zero = sides.some((s) => s?.nodeType === "Literal" && /^0+$/.test(String(s.value ?? "")));
      const allowance = sides.find((s) => {
        if (s?.nodeType !== "FunctionCall") return false;
        const c = unwrapCallOptions(child(s, "expression")).callee;
        return c?.nodeType === "MemberAccess" && str(c, "memberName") === "allowance";
      });
      return zero && allowance !== undefined && list(allowance, "arguments").some((a) => keyOf(program, a, ev.frame) === spenderKey);
    }),
  );
}

/** Whether the walked functions assign the value keyed `valueKey` to the variable keyed `targetKey` (`router = next`). */
function assigns(program: Program, flow: ApprovalFlow, targetKey: string, valueKey: string): boolean {
  return flow.frames.some((frame) =>
    findAll(child(frame.fn, "body") ?? frame.fn, "Assignment").some(
      (a) => str(a, "operator") === "=" && keyOf(program, child(a, "leftHandSide"), frame) === targetKey && keyOf(program, child(a, "rightHandSide"), frame) === valueKey,
    ),
  );
}

/** The spender is a contract the function creates (`new X()`, a clone): nothing was approved to it before. */
function freshContract(program: Program, expr: AstNode | undefined, frame: Frame): boolean {
  const created = (x: AstNode | undefined): boolean => {
    const e = stripConversions(x);
    if (e?.nodeType !== "FunctionCall") return false;
    const callee = stripParens(child(e, "expression"));
    if (callee?.nodeType === "NewExpression" || (callee?.nodeType === "FunctionCallOptions" && child(callee, "expression")?.nodeType === "NewExpression")) return true;
    const name = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : callee?.nodeType === "Identifier" ? str(callee, "name") : undefined;
    return CREATE_NAME.test(name ?? "");
  };
  const { expr: e, frame: f } = bound(program, expr, frame);
  if (created(e)) return true;
  if (e?.nodeType !== "Identifier") return false;
  const d = program.declOf(e);
  if (d?.nodeType !== "VariableDeclaration" || isStateVariable(d)) return false;
  if (created(initialValueOf(program, d))) return true;
  const body = child(f.fn, "body");
  return body !== undefined && findAll(body, "Assignment").some((a) => {
    const lhs = stripParens(child(a, "leftHandSide"));
    return lhs?.nodeType === "Identifier" && program.declOf(lhs) === d && created(child(a, "rightHandSide"));
  });
}

/** The next state-changing call after the approval goes to the spender with the approved amount (it is pulled in full). */
function spentInFull(program: Program, events: FlowEvent[], i: number, spenderKey: string, valueKey: string): boolean {
  const next = events.slice(i + 1).find((e) => e.kind === "call" || (e.kind === "approve" && e.oz));
  if (!next || next.kind !== "call" || PARTIAL_PULL.test(next.name)) return false;
  if (keyOf(program, next.target, next.frame) !== spenderKey) return false;
  const passes = (a: AstNode): boolean => {
    if (keyOf(program, a, next.frame) === valueKey) return true;
    const s = stripParens(a);
    // a parameter struct built in place (`ExactInputSingleParams({…, amountIn: amount, …})`), an array of amounts
    // (Curve's `add_liquidity([amount, 0], minOut)`)
    if (s?.nodeType === "FunctionCall" && str(s, "kind") === "structConstructorCall") return list(s, "arguments").some(passes);
    return s?.nodeType === "TupleExpression" && s.isInlineArray === true && list(s, "components").some(passes);
  };
  return next.args.some(passes);
}

/**
 * Whether the entry point can run only once (a guard on a flag it sets to true that nothing sets back) or only once per
 * spender (a guard on `known[spender]` that it writes).
 */
function runsOncePer(program: Program, flow: ApprovalFlow, contract: AstNode, spenderKey: string): boolean {
  const guardedFlags = new Set<AstNode>();
  const guardedSlots = new Set<string>();
  const setFlags = new Set<AstNode>();
  const writtenSlots = new Set<string>();
  for (const frame of flow.frames) {
    const body = child(frame.fn, "body");
    if (!body) continue;
    for (const { cond } of guardConditions(program, body)) {
      for (const n of findAll(cond, "Identifier", "IndexAccess")) {
        if (n.nodeType === "Identifier") {
          const d = program.declOf(n);
          if (d && isStateVariable(d)) guardedFlags.add(d);
        } else {
          const d = baseDeclaration(program, n);
          if (d) guardedSlots.add(`${d.id}:${keyOf(program, child(n, "indexExpression"), frame)}`);
        }
      }
    }
    for (const a of findAll(body, "Assignment")) {
      const lhs = stripParens(child(a, "leftHandSide"));
      const w = writtenStateVariable(program, a);
      if (!w || !lhs) continue;
      if (lhs.nodeType === "Identifier" && isTrue(child(a, "rightHandSide"))) setFlags.add(w.decl);
      if (lhs.nodeType === "IndexAccess") writtenSlots.add(`${w.decl.id}:${keyOf(program, child(lhs, "indexExpression"), frame)}`);
      if (lhs.nodeType === "MemberAccess") {
        const base = stripParens(child(lhs, "expression"));
        if (base?.nodeType === "IndexAccess") writtenSlots.add(`${w.decl.id}:${keyOf(program, child(base, "indexExpression"), frame)}`);
      }
    }
  }
  for (const slot of guardedSlots) if (writtenSlots.has(slot) && slot.endsWith(`:${spenderKey}`)) return true;
  for (const flag of guardedFlags) if (setFlags.has(flag) && onlySetTrue(program, contract, flag)) return true;
  return false;
}

function isTrue(expr: AstNode | undefined): boolean {
  const e = stripParens(expr);
  return e?.nodeType === "Literal" && str(e, "value") === "true";
}

/** Every write of a state variable in the contract sets it to `true` (a one-shot flag, not a mutex that is cleared). */
function onlySetTrue(program: Program, contract: AstNode, decl: AstNode): boolean {
  for (const c of program.linearized(contract)) {
    for (const n of findAll(c, "Assignment", "UnaryOperation")) {
      const w = writtenStateVariable(program, n);
      if (w?.decl !== decl) continue;
      if (n.nodeType !== "Assignment" || !isTrue(child(n, "rightHandSide"))) return false;
    }
  }
  return true;
}

/** The innermost node of the chain call → call sites that lies in the scanned file. */
function shownNode(program: Program, ctx: DetectorContext, ev: FlowEvent): AstNode | undefined {
  if (program.fileOf(ev.call) === ctx.file) return ev.call;
  for (let f: Frame | undefined = ev.frame; f; f = f.parent) if (f.site && program.fileOf(f.site) === ctx.file) return f.site;
  return undefined;
}

function snippet(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

export const safeApproveNonzero: Detector = {
  id: "safe-approve-nonzero",
  category: "denial_of_service",
  title: "SafeERC20.safeApprove of a non-zero amount without a reset to 0, in a function that runs again: reverts while an allowance is left",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    type Hit = { ev: FlowEvent & { kind: "approve" }; shown: AstNode; explain: AstNode[]; next?: AstNode; contract: AstNode; entries: string[] };
    const hits = new Map<AstNode, Hit>();
    for (const contract of deployedContracts(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      for (const entry of effectiveFunctions(program, contract)) {
        if (!isEntryPoint(entry) || isReadOnly(entry) || hasInitializerModifier(entry) || SETUP_NAME.test(str(entry, "name") ?? "")) continue;
        const flow = new ApprovalFlow(program, contract);
        flow.run(entry, { fn: entry, params: new Map(), depth: 0 });
        flow.events.forEach((ev, i) => {
          if (ev.kind !== "approve" || !ev.oz || isZero(program, ev.value, ev.frame)) return;
          const tokenKey = keyOf(program, ev.token, ev.frame);
          const spenderKey = keyOf(program, ev.spender, ev.frame);
          const valueKey = keyOf(program, ev.value, ev.frame);
          const resets = flow.events
            .slice(0, i)
            .filter((p) => p.kind === "approve" && isZero(program, p.value, p.frame) && keyOf(program, p.token, p.frame) === tokenKey)
            .map((p) => keyOf(program, (p as FlowEvent & { kind: "approve" }).spender, p.frame));
          // reset for this spender, or for the variable that now holds it (`safeApprove(router, 0); router = next;`)
          const reset = resets.includes(spenderKey) || resets.some((r) => assigns(program, flow, r, spenderKey));
          if (reset) return;
          if (underZeroAllowanceCheck(program, ev, spenderKey)) return;
          if (spentInFull(program, flow.events, i, spenderKey, valueKey)) return;
          if (freshContract(program, ev.spender, ev.frame)) return;
          if (runsOncePer(program, flow, contract, spenderKey)) return;
          const shown = shownNode(program, ctx, ev);
          if (!shown) return;
          // the lines that explain it: the internal calls leading to the approval, and the call to the spender after it
          const sites: AstNode[] = [];
          for (let f: Frame | undefined = ev.frame; f; f = f.parent) if (f.site) sites.push(f.site);
          const nextToSpender = flow.events.slice(i + 1).find((e) => e.kind === "call" && keyOf(program, e.target, e.frame) === spenderKey);
          const hit = hits.get(ev.call) ?? { ev, shown, explain: [...sites, ...(nextToSpender ? [nextToSpender.call] : [])], next: nextToSpender?.call, contract, entries: [] };
          const name = displayName(entry) ?? "";
          if (!hit.entries.includes(name)) hit.entries.push(name);
          hits.set(ev.call, hit);
        });
      }
    }
    for (const { ev, shown, explain, next, contract, entries } of hits.values()) {
      const inFile = program.fileOf(ev.call) === file;
      // an approval in a scanned base of another file is reported there, once, not again in every contract deriving from it
      if (!inFile && !isFromDependency(program, ev.call)) continue;
      const where = inFile ? ev.frame.fn : program.callableOf(shown);
      const fnName = displayName(where) ?? entries[0]!;
      const token = snippet(program, ev.token);
      const spender = snippet(program, ev.spender);
      const value = snippet(program, ev.value);
      const owner = program.contractOf(shown) ?? contract;
      const reached = entries.filter((e) => e !== fnName);
      const entryText = entries.length === 1 ? `${entries[0]}()` : entries.slice(0, 3).map((e) => `${e}()`).join(", ") + (entries.length > 3 ? "…" : "");
      ctx.report({
        detector: "safe-approve-nonzero",
        category: "denial_of_service",
        severity: "medium",
        confidence: "medium",
        lines: linesIn(program, file, [shown, ...explain]),
        contract: str(owner, "name"),
        function: displayName(where),
        swc: ["SWC-113"],
        message:
          `${fnName}() calls \`safeApprove\` on \`${token}\` for spender \`${spender}\` with \`${value}\`` +
          (reached.length > 0 ? ` (reached from ${entryText})` : "") +
          " without first resetting the allowance to 0" +
          (next ? ` (the call that follows, \`${snippet(program, next)}\`, need not spend all of it)` : "") +
          ". OpenZeppelin's SafeERC20.safeApprove reverts with \"SafeERC20: approve " +
          "from non-zero to non-zero allowance\" unless the current allowance is 0, so whenever the previous allowance was not " +
          `fully used by \`${spender}\`, the next call of ${entryText} reverts and the function is blocked (denial of service).`,
        remediation:
          "Do not approve a non-zero amount on top of a possibly non-zero allowance. With OpenZeppelin v5 use `forceApprove` " +
          "(or `safeIncreaseAllowance`); with v4, reset the allowance to 0 first:\n```solidity\n" +
          `${token}.safeApprove(${spender}, 0);\n${token}.safeApprove(${spender}, ${value});\n` +
          `// OpenZeppelin v5: ${token}.forceApprove(${spender}, ${value});\n\`\`\``,
      });
    }
  },
};

/** The approval detectors, in report order. */

/**
 * `self-transfer-from`: an ERC-20 `transferFrom` (or SafeERC20's `safeTransferFrom`) whose `from` is the contract
 * itself. It spends the contract's allowance to itself, which nothing grants: OpenZeppelin's and solmate's ERC-20, USDC
 * and most tokens revert, so the function is blocked for every token but the few that skip the allowance when the
 * spender is the owner (Smilee M-3: PositionManager refunds the excess premium with `safeTransferFrom(address(this),
 * …)`). Not reported for ERC-721 transfers (an owner contract moves its own NFT with `transferFrom`), nor when the
 * project approves itself somewhere (`approve(address(this), …)`).
 */
function selfApproves(program: Program): boolean {
  return program.files.some((f) =>
    findAll(f.ast, "FunctionCall").some((c) => {
      const callee = child(c, "expression");
      const name = callee ? (str(callee, "memberName") ?? str(callee, "name") ?? "") : "";
      if (!/^(approve|safeApprove|forceApprove|safeIncreaseAllowance|increaseAllowance)$/.test(name)) return false;
      return list(c, "arguments").some((a) => isThis(program, stripConversions(a)));
    }),
  );
}

/** The `from` of an ERC-20 transferFrom call (external, or a SafeERC20-style library function), else undefined. */
function erc20TransferFromSource(program: Program, call: AstNode): AstNode | undefined {
  const args = list(call, "arguments");
  const ext = externalCall(program, call);
  if (ext) {
    if (ext.functionName !== "transferFrom" || args.length !== 3) return undefined;
    // IERC721.transferFrom(from, to, tokenId): the owner contract moves its own token
    const decl = program.declOf(unwrapCallOptions(child(call, "expression")).callee);
    const third = decl?.nodeType === "FunctionDefinition" ? str(parameters(decl)[2], "name") ?? "" : "";
    if (/id$/i.test(third)) return undefined;
    return args[0];
  }
  const callee = program.declOf(child(call, "expression"));
  if (callee?.nodeType !== "FunctionDefinition" || !isLibraryFunction(program, callee) || str(callee, "name") !== "safeTransferFrom") return undefined;
  const params = parameters(callee);
  if (params.length !== 4 || /id$/i.test(str(params[3], "name") ?? "")) return undefined;
  return args.length === params.length ? args[1] : args[0];
}

export const selfTransferFrom: Detector = {
  id: "self-transfer-from",
  category: "denial_of_service",
  title: "An ERC-20 transferFrom from the contract itself: it needs an allowance to itself that nothing grants",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    let approvesItself: boolean | undefined;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body) continue;
        for (const call of findAll(body, "FunctionCall")) {
          const from = stripConversions(erc20TransferFromSource(program, call));
          if (!from || !isThis(program, from)) continue;
          approvesItself ??= selfApproves(program);
          if (approvesItself) continue;
          ctx.report({
            detector: "self-transfer-from",
            category: "denial_of_service",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [call]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() moves the contract's own tokens with transferFrom(address(this), …), which spends an allowance from the contract to ` +
              `itself that nothing grants: OpenZeppelin's and solmate's ERC-20, USDC and most tokens revert, so ${displayName(fn)}() fails every time.`,
            remediation: "Send the contract's own tokens with `transfer` (SafeERC20's `safeTransfer`):\n```solidity\ntoken.safeTransfer(recipient, amount);\n```",
          });
        }
      }
    }
  },
};

export const APPROVAL_DETECTORS: Detector[] = [safeApproveNonzero, selfTransferFrom];
