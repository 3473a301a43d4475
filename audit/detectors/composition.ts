/**
 * Features that are safe alone and unsafe together, and checks made in the wrong place: an ERC-2771 sender with a
 * self-delegating multicall, a payable multicall with functions that read msg.value, calls made before the check
 * that authorises them, and voting power read at the current block.
 */
import type { AstNode } from "../ast/node";
import { child, children, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program, SourceFile } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import {
  effectiveFunctions,
  baseDeclaration,
  builtinCallName,
  contractKind,
  externalCall,
  findFunction,
  functionKind,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isGlobal,
  isLibraryFunction,
  isPayable,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  memberOf,
  modifierOf,
  parameters,
  stripConversions,
  unwrapCallOptions,
  type LowLevelCall,
} from "../ast/semantics";
import { contractsIn, displayName, linesIn, type Detector, type DetectorContext } from "./detector";

// ---------------------------------------------------------------------------------------------------------------
// Shared: an evaluation-order trace of a function with modifiers, internal and library calls inlined, which keeps
// what each inlined parameter was bound to (so `Address.functionDelegateCall(address(this), data[i])` is known to
// delegatecall this contract with an element of the caller's `data`).
// ---------------------------------------------------------------------------------------------------------------

interface Binding {
  expr: AstNode;
  frame: Frame;
}

interface Frame {
  /** The function or modifier running. */
  fn: AstNode;
  /** Parameters of `fn` → the argument expressions they were called with (in the calling frame). */
  bindings: Map<AstNode, Binding>;
  parent?: Frame;
  /** The call (or modifier invocation) in the parent frame that entered this frame. */
  site?: AstNode;
  /** Entered from inside a loop of some calling frame. */
  inLoop: boolean;
}

type TraceEvent =
  | { kind: "call"; node: AstNode; call: LowLevelCall; frame: Frame; inLoop: boolean }
  | { kind: "guard"; cond: AstNode; node: AstNode; frame: Frame }
  | { kind: "value"; node: AstNode; frame: Frame; inLoop: boolean };

const MAX_DEPTH = 6;
const MAX_STEPS = 20_000;

/** A statement that always reverts (revert(), revert Error(), throw, or a block ending in one). */
function reverts(program: Program, stmt: AstNode | undefined): boolean {
  if (!stmt) return false;
  if (stmt.nodeType === "RevertStatement" || stmt.nodeType === "Throw") return true;
  if (stmt.nodeType === "ExpressionStatement") {
    const e = child(stmt, "expression");
    return e?.nodeType === "FunctionCall" && builtinCallName(program, e) === "revert";
  }
  if (stmt.nodeType === "Block" || stmt.nodeType === "UncheckedBlock") return list(stmt, "statements").some((s) => reverts(program, s));
  return false;
}

/** Whether `node` sits in the body of a loop of `fn`. */
function inLoopOf(program: Program, node: AstNode, fn: AstNode): boolean {
  for (let cur = program.parent(node); cur && cur !== fn; cur = program.parent(cur)) {
    if (cur.nodeType === "ForStatement" || cur.nodeType === "WhileStatement" || cur.nodeType === "DoWhileStatement") return true;
  }
  return false;
}

class Tracer {
  readonly events: TraceEvent[] = [];
  private readonly active = new Set<AstNode>();
  private steps = 0;

  constructor(
    private readonly program: Program,
    private readonly context: AstNode,
  ) {}

  run(fn: AstNode): TraceEvent[] {
    this.callable(fn, { fn, bindings: new Map(), inLoop: false }, 0);
    return this.events;
  }

  private bind(params: AstNode[], args: AstNode[], frame: Frame): Map<AstNode, Binding> {
    const out = new Map<AstNode, Binding>();
    params.forEach((p, i) => {
      if (args[i]) out.set(p, { expr: args[i]!, frame });
    });
    return out;
  }

  private callable(fn: AstNode, frame: Frame, depth: number): void {
    if (this.active.has(fn)) return;
    this.active.add(fn);
    const mods = fn.nodeType === "FunctionDefinition" ? list(fn, "modifiers") : [];
    const runFrom = (i: number): void => {
      if (i < mods.length) {
        const inv = mods[i]!;
        const args = list(inv, "arguments");
        for (const a of args) this.expr(a, frame, depth);
        const mod = modifierOf(this.program, inv, this.context);
        const body = mod ? child(mod, "body") : undefined;
        if (!mod || !body || this.active.has(mod) || depth >= MAX_DEPTH) {
          runFrom(i + 1);
          return;
        }
        const mframe: Frame = { fn: mod, bindings: this.bind(parameters(mod), args, frame), parent: frame, site: inv, inLoop: frame.inLoop };
        this.active.add(mod);
        this.block(body, mframe, depth + 1, () => runFrom(i + 1));
        this.active.delete(mod);
        return;
      }
      const body = child(fn, "body");
      if (body) this.block(body, frame, depth);
    };
    runFrom(0);
    this.active.delete(fn);
  }

  private block(node: AstNode, frame: Frame, depth: number, placeholder?: () => void): void {
    for (const s of list(node, "statements")) this.stmt(s, frame, depth, placeholder);
  }

  private stmt(s: AstNode | undefined, frame: Frame, depth: number, placeholder?: () => void): void {
    if (!s || ++this.steps > MAX_STEPS) return;
    switch (s.nodeType) {
      case "Block":
      case "UncheckedBlock":
        this.block(s, frame, depth, placeholder);
        return;
      case "PlaceholderStatement":
        placeholder?.();
        return;
      case "IfStatement": {
        const cond = child(s, "condition");
        if (cond) {
          this.expr(cond, frame, depth);
          if (reverts(this.program, child(s, "trueBody")) || reverts(this.program, child(s, "falseBody"))) {
            this.events.push({ kind: "guard", cond, node: s, frame });
          }
        }
        this.stmt(child(s, "trueBody"), frame, depth, placeholder);
        this.stmt(child(s, "falseBody"), frame, depth, placeholder);
        return;
      }
      case "ForStatement":
      case "WhileStatement":
      case "DoWhileStatement": {
        this.stmt(child(s, "initializationExpression"), frame, depth, placeholder);
        const cond = child(s, "condition");
        if (cond) this.expr(cond, frame, depth);
        this.stmt(child(s, "body"), frame, depth, placeholder);
        this.stmt(child(s, "loopExpression"), frame, depth, placeholder);
        return;
      }
      case "TryStatement": {
        const call = child(s, "externalCall");
        if (call) this.expr(call, frame, depth);
        for (const clause of list(s, "clauses")) this.stmt(child(clause, "block"), frame, depth, placeholder);
        return;
      }
      case "EmitStatement":
        for (const a of list(child(s, "eventCall"), "arguments")) this.expr(a, frame, depth);
        return;
      case "InlineAssembly":
        return;
      default:
        for (const c of children(s)) {
          if (c.nodeType.endsWith("Statement") || c.nodeType === "Block") this.stmt(c, frame, depth, placeholder);
          else this.expr(c, frame, depth);
        }
    }
  }

  private expr(e: AstNode, frame: Frame, depth: number): void {
    if (++this.steps > MAX_STEPS) return;
    if (e.nodeType === "FunctionCall") {
      this.call(e, frame, depth);
      return;
    }
    if (e.nodeType === "MemberAccess" && memberOf(this.program, e, "msg", "value")) {
      this.events.push({ kind: "value", node: e, frame, inLoop: frame.inLoop || inLoopOf(this.program, e, frame.fn) });
      return;
    }
    if (e.nodeType === "VariableDeclaration" || e.nodeType.endsWith("TypeName")) return;
    for (const c of children(e)) this.expr(c, frame, depth);
  }

  private call(e: AstNode, frame: Frame, depth: number): void {
    const program = this.program;
    const args = list(e, "arguments");
    const builtin = builtinCallName(program, e);
    if (builtin === "require" || builtin === "assert") {
      for (const a of args) this.expr(a, frame, depth);
      if (args[0]) this.events.push({ kind: "guard", cond: args[0], node: e, frame });
      return;
    }
    const ll = lowLevelCall(program, e);
    if (ll) {
      for (const c of children(e)) this.expr(c, frame, depth);
      this.events.push({ kind: "call", node: e, call: ll, frame, inLoop: frame.inLoop || inLoopOf(program, e, frame.fn) });
      return;
    }
    const callee = internalCallee(program, e, this.context);
    const calleeExpr = unwrapCallOptions(child(e, "expression")).callee;
    if (callee && child(callee, "body") && depth < MAX_DEPTH && !this.active.has(callee)) {
      const params = parameters(callee);
      let actual = args;
      const names = (e.names as string[] | undefined) ?? [];
      if (names.length === args.length && names.length > 0) {
        actual = params.map((p) => args[names.indexOf(str(p, "name") ?? "")]).filter((a): a is AstNode => a !== undefined);
      } else if (params.length === args.length + 1 && calleeExpr?.nodeType === "MemberAccess") {
        // `x.f(a)` with `using L for T`: x is the first parameter
        const receiver = child(calleeExpr, "expression");
        if (receiver) {
          this.expr(receiver, frame, depth);
          actual = [receiver, ...args];
        }
      }
      for (const a of args) this.expr(a, frame, depth);
      const inner: Frame = {
        fn: callee,
        bindings: this.bind(params, actual, frame),
        parent: frame,
        site: e,
        inLoop: frame.inLoop || inLoopOf(program, e, frame.fn),
      };
      this.callable(callee, inner, depth + 1);
      return;
    }
    for (const c of children(e)) this.expr(c, frame, depth);
    // `Address.functionDelegateCall(target, data)` that could not be followed (parse-tree fallback): the delegatecall it makes
    const name = calleeExpr ? (str(calleeExpr, "memberName") ?? str(calleeExpr, "name")) : undefined;
    if (!callee && name === "functionDelegateCall" && args.length >= 2) {
      const call: LowLevelCall = { kind: "delegatecall", target: args[0]!, args: [args[1]!], call: e };
      this.events.push({ kind: "call", node: e, call, frame, inLoop: frame.inLoop || inLoopOf(program, e, frame.fn) });
    }
  }
}

const TRACES = new WeakMap<Program, Map<string, TraceEvent[]>>();

/** The trace of `fn` run as part of `contract` (cached per compilation). */
function traceOf(program: Program, fn: AstNode, contract: AstNode): TraceEvent[] {
  let byKey = TRACES.get(program);
  if (!byKey) {
    byKey = new Map();
    TRACES.set(program, byKey);
  }
  const key = `${contract.id}:${fn.id}`;
  let t = byKey.get(key);
  if (!t) {
    t = new Tracer(program, contract).run(fn);
    byKey.set(key, t);
  }
  return t;
}

/** The frames from the analysed function down to `frame` (outermost first). */
function framesOf(frame: Frame): Frame[] {
  const out: Frame[] = [];
  for (let f: Frame | undefined = frame; f; f = f.parent) out.unshift(f);
  return out;
}

/** The innermost node of the chain node → call sites → … that lies in `file`. */
function shownNode(program: Program, file: SourceFile, node: AstNode, frame: Frame): AstNode | undefined {
  if (program.fileOf(node) === file) return node;
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) if (f.site && program.fileOf(f.site) === file) return f.site;
  return undefined;
}

/** The functions and modifiers a callable runs (itself, its modifiers, internal callees), up to `maxDepth` deep. */
function reachableCallables(program: Program, root: AstNode, context: AstNode, maxDepth = 4): { fn: AstNode; site?: AstNode }[] {
  const out: { fn: AstNode; site?: AstNode }[] = [];
  const seen = new Set<AstNode>();
  const visit = (fn: AstNode, depth: number, site: AstNode | undefined): void => {
    if (seen.has(fn) || depth > maxDepth) return;
    seen.add(fn);
    out.push({ fn, site });
    for (const inv of list(fn, "modifiers")) {
      const m = modifierOf(program, inv, context);
      if (m && child(m, "body")) visit(m, depth + 1, site ?? inv);
    }
    const body = child(fn, "body");
    if (!body) return;
    for (const call of findAll(body, "FunctionCall")) {
      const callee = internalCallee(program, call, context);
      if (callee && child(callee, "body")) visit(callee, depth + 1, site ?? call);
    }
  };
  visit(root, 0, undefined);
  return out;
}

function isThis(program: Program, node: AstNode | undefined, depth = 0): boolean {
  const n = stripConversions(node);
  // the parse-tree fallback keeps `address(this)` as a call of an identifier named `address`
  const callee = n?.nodeType === "FunctionCall" ? child(n, "expression") : undefined;
  if (n && callee?.nodeType === "Identifier" && str(callee, "name") === "address" && list(n, "arguments").length === 1 && depth < 3) {
    return isThis(program, list(n, "arguments")[0], depth + 1);
  }
  return isGlobal(program, n, "this") || (n?.nodeType === "Identifier" && str(n, "name") === "this" && program.declOf(n) === undefined);
}

function isLocalVariable(decl: AstNode): boolean {
  return decl.nodeType === "VariableDeclaration" && decl.stateVariable !== true && str(decl, "storageLocation") !== "storage";
}

const ASSIGNMENTS = new WeakMap<AstNode, Map<AstNode, AstNode[]>>();

/** The values a local variable of `fn` gets: its initial value and every `x = …` assignment. */
function valuesOf(program: Program, decl: AstNode, fn: AstNode): AstNode[] {
  let byDecl = ASSIGNMENTS.get(fn);
  if (!byDecl) {
    byDecl = new Map();
    const body = child(fn, "body");
    if (body) {
      for (const a of findAll(body, "Assignment")) {
        if (str(a, "operator") !== "=") continue;
        const lhs = child(a, "leftHandSide");
        const rhs = child(a, "rightHandSide");
        const d = lhs?.nodeType === "Identifier" ? program.declOf(lhs) : undefined;
        if (d && rhs) byDecl.set(d, [...(byDecl.get(d) ?? []), rhs]);
      }
    }
    ASSIGNMENTS.set(fn, byDecl);
  }
  const out = [...(byDecl.get(decl) ?? [])];
  const init = initialValueOf(program, decl);
  if (init) out.unshift(init);
  else {
    // (bool ok, bytes memory ret) = f(…): the whole call
    const stmt = program.parent(decl);
    const whole = stmt?.nodeType === "VariableDeclarationStatement" ? child(stmt, "initialValue") : undefined;
    if (whole && whole.nodeType !== "TupleExpression") out.unshift(whole);
  }
  return out;
}

/** Follows a value through inlined parameters and single-assignment locals to the expression that produced it. */
function resolve(program: Program, expr: AstNode | undefined, frame: Frame, depth = 0): { expr: AstNode; frame: Frame } | undefined {
  const e = stripConversions(expr);
  if (!e) return undefined;
  if (e.nodeType === "Identifier" && depth < 12) {
    const d = program.declOf(e);
    const b = d ? frame.bindings.get(d) : undefined;
    if (b) return resolve(program, b.expr, b.frame, depth + 1);
    if (d && isLocalVariable(d)) {
      const vals = valuesOf(program, d, frame.fn);
      if (vals.length === 1) return resolve(program, vals[0], frame, depth + 1);
    }
  }
  return { expr: e, frame };
}

const NON_VALUE_MEMBERS = new Set(["length", "balance", "code", "codehash", "selector", "address"]);

/**
 * Whether a value is taken whole from the analysed function's parameters (`data`, `data[i]`, `calls[i].target`,
 * `abi.decode(message, …)`), followed through inlined parameters and locals. `msg.data` counts when asked.
 */
function fromInput(program: Program, expr: AstNode | undefined, frame: Frame, withMsgData: boolean, depth = 0): boolean {
  const e = stripConversions(expr);
  if (!e || depth > 16) return false;
  switch (e.nodeType) {
    case "Identifier": {
      const d = program.declOf(e);
      if (!d) return false;
      const b = frame.bindings.get(d);
      if (b) return fromInput(program, b.expr, b.frame, withMsgData, depth + 1);
      if (!frame.parent && parameters(frame.fn).includes(d)) return true;
      if (isLocalVariable(d)) return valuesOf(program, d, frame.fn).some((v) => fromInput(program, v, frame, withMsgData, depth + 1));
      return false;
    }
    case "MemberAccess": {
      if (memberOf(program, e, "msg", "data")) return withMsgData;
      if (NON_VALUE_MEMBERS.has(str(e, "memberName") ?? "")) return false;
      return fromInput(program, child(e, "expression"), frame, withMsgData, depth + 1);
    }
    case "IndexAccess":
    case "IndexRangeAccess":
      return fromInput(program, child(e, "baseExpression"), frame, withMsgData, depth + 1);
    case "Conditional":
      return (
        fromInput(program, child(e, "trueExpression"), frame, withMsgData, depth + 1) ||
        fromInput(program, child(e, "falseExpression"), frame, withMsgData, depth + 1)
      );
    case "FunctionCall":
      return builtinCallName(program, e) === "abi.decode" && fromInput(program, list(e, "arguments")[0], frame, withMsgData, depth + 1);
    default:
      return false;
  }
}

/** Whether any part of an expression comes from the analysed function's parameters (or msg.data). */
function mentionsInput(program: Program, expr: AstNode, frame: Frame): boolean {
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if ((n.nodeType === "Identifier" || n.nodeType === "MemberAccess") && fromInput(program, n, frame, true)) found = true;
    return undefined;
  });
  return found;
}

/**
 * `msg.value` compared with zero (`msg.value == 0`, `msg.value > 0`: a check that no ether came, not a credit) or
 * split (`msg.value / recipients.length`).
 */
function notACredit(program: Program, valueRead: AstNode): boolean {
  const p = program.parent(valueRead);
  if (p?.nodeType === "BinaryOperation" && str(p, "operator") === "/" && child(p, "leftExpression") === valueRead) return true;
  if (p?.nodeType !== "BinaryOperation" || !["==", "!=", ">", "<", ">=", "<="].includes(str(p, "operator") ?? "")) return false;
  const other = child(p, "leftExpression") === valueRead ? child(p, "rightExpression") : child(p, "leftExpression");
  const o = stripConversions(other);
  return o?.nodeType === "Literal" && /^0+$/.test(String(o.value ?? ""));
}

function firstLine(program: Program, node: AstNode): string {
  return program.text(node).split("\n")[0]!.replace(/[;{]\s*$/, "").trim().slice(0, 90);
}

// ---------------------------------------------------------------------------------------------------------------
// Delegatecalls of the contract into itself (multicall)
// ---------------------------------------------------------------------------------------------------------------

interface SelfDelegatecall {
  event: Extract<TraceEvent, { kind: "call" }>;
  /** The calldata is a caller-supplied element taken whole (nothing appended to it). */
  wholeInput: boolean;
}

function selfDelegatecalls(program: Program, events: TraceEvent[]): SelfDelegatecall[] {
  const out: SelfDelegatecall[] = [];
  for (const ev of events) {
    if (ev.kind !== "call" || (ev.call.kind !== "delegatecall" && ev.call.kind !== "callcode")) continue;
    const target = resolve(program, ev.call.target, ev.frame);
    if (!target || !isThis(program, target.expr)) continue;
    const data = ev.call.args[0];
    out.push({ event: ev, wholeInput: data !== undefined && fromInput(program, data, ev.frame, false) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// erc2771-multicall
// ---------------------------------------------------------------------------------------------------------------

/** Inline assembly that reads calldata (`calldataload`, `calldatasize`, `calldatacopy`). */
function assemblyReadsCalldata(asm: AstNode): boolean {
  const text = JSON.stringify(asm.AST ?? asm.operations ?? "");
  return /calldataload|calldatasize|calldatacopy/.test(text);
}

/**
 * The effective `_msgSender()` of a contract when it takes the sender from the end of the calldata (ERC-2771:
 * OpenZeppelin's ERC2771Context, or a hand-written `shr(96, calldataload(sub(calldatasize(), 20)))`).
 */
function erc2771Sender(program: Program, contract: AstNode): { fn: AstNode; reader: AstNode } | undefined {
  const fn = findFunction(program, contract, "_msgSender", 0) ?? findFunction(program, contract, "msgSender", 0);
  if (!fn) return undefined;
  for (const { fn: callable } of reachableCallables(program, fn, contract, 3)) {
    const body = child(callable, "body");
    if (!body) continue;
    let found = false;
    walk(body, (n) => {
      if (found) return false;
      if (n.nodeType === "InlineAssembly") {
        if (assemblyReadsCalldata(n)) found = true;
        return false;
      }
      if (memberOf(program, n, "msg", "data")) found = true;
      return undefined;
    });
    if (found) return { fn, reader: callable };
  }
  return undefined;
}

const FORWARDER_CHECK = /forwarder/i;

/** A guard that refuses relayed calls: `require(!isTrustedForwarder(msg.sender))`, `require(_msgSender() == msg.sender)`. */
function rejectsRelayedCalls(program: Program, events: TraceEvent[], before: TraceEvent): boolean {
  for (const ev of events) {
    if (ev === before) return false;
    if (ev.kind !== "guard") continue;
    // isTrustedForwarder(msg.sender), msg.sender != trustedForwarder
    if (FORWARDER_CHECK.test(program.text(ev.cond)) && findAll(ev.cond, "MemberAccess").some((m) => memberOf(program, m, "msg", "sender"))) return true;
    let senderVsMsgSender = false;
    walk(ev.cond, (n) => {
      if (n.nodeType !== "BinaryOperation" || !["==", "!="].includes(str(n, "operator") ?? "")) return undefined;
      const l = stripConversions(child(n, "leftExpression"));
      const r = stripConversions(child(n, "rightExpression"));
      const isMsgSender = (x: AstNode | undefined): boolean => memberOf(program, x, "msg", "sender");
      const isContextSender = (x: AstNode | undefined): boolean => x?.nodeType === "FunctionCall" && isSenderLike(program, x);
      if ((isMsgSender(l) && isContextSender(r)) || (isMsgSender(r) && isContextSender(l))) senderVsMsgSender = true;
      return undefined;
    });
    if (senderVsMsgSender) return true;
  }
  return false;
}

interface Erc2771Multicall {
  sender: { fn: AstNode; reader: AstNode };
  multicalls: { fn: AstNode; calls: SelfDelegatecall[] }[];
}

function erc2771Multicall(program: Program, contract: AstNode, memo: Map<AstNode, Erc2771Multicall | null>): Erc2771Multicall | undefined {
  if (memo.has(contract)) return memo.get(contract) ?? undefined;
  memo.set(contract, null);
  const sender = erc2771Sender(program, contract);
  if (!sender) return undefined;
  const multicalls: Erc2771Multicall["multicalls"] = [];
  for (const fn of effectiveFunctions(program, contract)) {
    if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
    const events = traceOf(program, fn, contract);
    const calls = selfDelegatecalls(program, events).filter((c) => c.wholeInput && !rejectsRelayedCalls(program, events, c.event));
    if (calls.length === 0) continue;
    if (isAccessControlled(program, fn, contract)) continue;
    multicalls.push({ fn, calls });
  }
  const result = multicalls.length > 0 ? { sender, multicalls } : undefined;
  memo.set(contract, result ?? null);
  return result;
}

export const erc2771MulticallDetector: Detector = {
  id: "erc2771-multicall",
  category: "access_control",
  title: "ERC-2771 `_msgSender()` (sender taken from the calldata) combined with a multicall that delegatecalls itself with caller-supplied data",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const memo = new Map<AstNode, Erc2771Multicall | null>();
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const found = erc2771Multicall(program, contract, memo);
      if (!found) continue;
      // reported once, in the first contract of the hierarchy that combines the two
      if (program.linearized(contract).slice(1).some((base) => erc2771Multicall(program, base, memo) !== undefined)) continue;
      const cname = str(contract, "name") ?? "?";
      const sites = found.multicalls.flatMap((m) => m.calls.map((c) => shownNode(program, file, c.event.node, c.event.frame)));
      let lines = linesIn(program, file, [...sites, found.sender.fn]);
      if (lines.length === 0) lines = linesIn(program, file, [contract]);
      const names = found.multicalls.map((m) => `${displayName(m.fn)}()`);
      const reader = `${str(program.contractOf(found.sender.reader) ?? contract, "name")}.${displayName(found.sender.reader)}()`;
      ctx.report({
        detector: "erc2771-multicall",
        category: "access_control",
        severity: "high",
        confidence: "high",
        lines,
        contract: cname,
        function: found.multicalls.length === 1 ? displayName(found.multicalls[0]!.fn) : undefined,
        message:
          `${cname}${cname.endsWith("s") ? "'" : "'s"} _msgSender() takes the caller from the last 20 bytes of the calldata when the trusted forwarder calls it (ERC-2771, read in ${reader}), ` +
          `and ${names.join(", ")} delegatecall${names.length === 1 ? "s" : ""} the contract itself with calldata the caller supplies, unchanged. ` +
          "Relayed through the forwarder, each sub-call keeps msg.sender = forwarder but ends with whatever 20 bytes the caller put there: " +
          "anyone can append a victim's address and act as the victim (transfer or burn their tokens, spend their approvals, call owner functions) — OpenZeppelin advisory, December 2023.",
        remediation:
          "Append the real sender's context to every sub-call, as OpenZeppelin ≥ 5.0.1 (and 4.9.4) `Multicall` does, or do not offer a self-delegating multicall in an ERC-2771 contract:\n" +
          "```solidity\nfunction multicall(bytes[] calldata data) external returns (bytes[] memory results) {\n" +
          "    bytes memory context = msg.sender == _msgSender()\n        ? new bytes(0)\n        : msg.data[msg.data.length - _contextSuffixLength():];\n" +
          "    results = new bytes[](data.length);\n    for (uint256 i = 0; i < data.length; i++) {\n" +
          "        results[i] = Address.functionDelegateCall(address(this), bytes.concat(data[i], context));\n    }\n}\n```\n" +
          "Simplest: inherit `Multicall` from @openzeppelin/contracts ≥ 5.0.1 instead of a copied one.",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// multicall-msg-value
// ---------------------------------------------------------------------------------------------------------------

type ValueEvent = Extract<TraceEvent, { kind: "value" }>;

/** Reads of msg.value in a trace that can credit a payment (not `msg.value == 0`, not `msg.value / n`). */
function valueReads(program: Program, events: TraceEvent[]): ValueEvent[] {
  return events.filter((e): e is ValueEvent => e.kind === "value" && !notACredit(program, e.node));
}

interface MsgValueShapes {
  /** The functions reported (the multicall, or the function with the loop). */
  fns: AstNode[];
  nodes: { node: AstNode; frame: Frame }[];
  shapes: string[];
}

function msgValueShapes(program: Program, contract: AstNode, memo: Map<AstNode, MsgValueShapes | null>): MsgValueShapes | undefined {
  if (memo.has(contract)) return memo.get(contract) ?? undefined;
  memo.set(contract, null);
  const fns = effectiveFunctions(program, contract);
  const payable = fns.filter(
    (f) =>
      isPayable(f) &&
      (isEntryPoint(f) || functionKind(f) === "receive" || functionKind(f) === "fallback") &&
      !isAccessControlled(program, f, contract), // a stranger's sub-call to an onlyOwner function reverts
  );
  const out: MsgValueShapes = { fns: [], nodes: [], shapes: [] };
  const readsValue = (g: AstNode): ValueEvent[] => valueReads(program, traceOf(program, g, contract));
  for (const f of payable) {
    const events = traceOf(program, f, contract);
    // the function accounts for msg.value itself (require(msg.value == total), a budget for the sub-calls…)
    if (events.some((e) => e.kind === "value" && !e.frame.parent)) continue;
    // (a) payable multicall: every sub-call sees the whole msg.value
    const loops = selfDelegatecalls(program, events).filter((c) => c.event.inLoop);
    const readers = loops.length > 0 ? payable.filter((g) => g !== f && readsValue(g).length > 0) : [];
    if (readers.length > 0) {
      for (const c of loops) out.nodes.push({ node: c.event.node, frame: c.event.frame });
      for (const g of readers) for (const r of readsValue(g)) out.nodes.push({ node: r.node, frame: r.frame });
      out.fns.push(f);
      out.shapes.push(
        `${displayName(f)}() is payable and delegatecalls this contract in a loop, and ${readers.map((g) => `${displayName(g)}()`).join(", ")} ` +
          `read${readers.length === 1 ? "s" : ""} msg.value: every sub-call sees the full msg.value of the batch, so one payment is credited once per sub-call`,
      );
    }
    // (b) msg.value read by a helper the function calls in a loop (reads in the loop itself are msg-value-in-loop's)
    const inHelpers = valueReads(program, events).filter((e) => e.frame.parent && e.inLoop && !isLibraryFunction(program, e.frame.fn));
    if (inHelpers.length > 0) {
      const helpers = [...new Set(inHelpers.map((e) => framesOf(e.frame)[1]?.fn).filter((x): x is AstNode => x !== undefined))];
      for (const e of inHelpers) {
        out.nodes.push({ node: e.node, frame: e.frame });
        const top = framesOf(e.frame)[1];
        if (top?.site) out.nodes.push({ node: top.site, frame: framesOf(e.frame)[0]! });
      }
      if (!out.fns.includes(f)) out.fns.push(f);
      out.shapes.push(
        `${displayName(f)}() calls ${helpers.map((h) => `${displayName(h)}()`).join(", ")} in a loop and msg.value is read inside: ` +
          "each iteration checks or credits the same payment again",
      );
    }
  }
  const result = out.shapes.length > 0 ? out : undefined;
  memo.set(contract, result ?? null);
  return result;
}

export const multicallMsgValue: Detector = {
  id: "multicall-msg-value",
  category: "other",
  title: "Payable multicall delegatecalling the contract in a loop while functions read msg.value (or msg.value read in a helper called in a loop)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const memo = new Map<AstNode, MsgValueShapes | null>();
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const found = msgValueShapes(program, contract, memo);
      if (!found) continue;
      // reported once, in the first contract of the hierarchy that has the problem
      if (program.linearized(contract).slice(1).some((base) => msgValueShapes(program, base, memo) !== undefined)) continue;
      let lines = linesIn(program, file, found.nodes.map((n) => shownNode(program, file, n.node, n.frame)));
      if (lines.length === 0) lines = linesIn(program, file, [contract]);
      ctx.report({
        detector: "multicall-msg-value",
        category: "other",
        severity: "high",
        confidence: "high",
        lines,
        contract: str(contract, "name"),
        function: found.fns.length === 1 ? displayName(found.fns[0]) : undefined,
        message: `${found.shapes.join("; ")}. A caller pays once and is credited (deposits, purchases, mints) many times, draining the ether other users paid in.`,
        remediation:
          "Make the multicall non-payable (OpenZeppelin's `Multicall` is), or read msg.value once and track what the sub-calls spend; " +
          "in a batch function, add up what the iterations need and compare it with msg.value once:\n" +
          "```solidity\nfunction buyMany(uint256[] calldata ids) external payable {\n    uint256 total;\n" +
          "    for (uint256 i; i < ids.length; i++) total += _buy(ids[i]); // _buy returns the price instead of reading msg.value\n" +
          "    require(msg.value == total, \"wrong payment\");\n}\n```",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// unchecked-before-verify
// ---------------------------------------------------------------------------------------------------------------

const VERIFY_NAME =
  /ready|verif|valid|proof|approv|authori[sz]|allowed|whitelist|inclu[ds]|root|sign|quorum|confirm|executable|queued|timelock|\beta\b|pending|scheduled|operation|state|status|succeeded|passed|accepted/i;

/** Names a guard condition checks: functions it calls, state variables and storage fields it reads, enum values. */
function checkedNames(program: Program, cond: AstNode): Set<string> {
  const out = new Set<string>();
  walk(cond, (n) => {
    if (n.nodeType === "FunctionCall") {
      const callee = unwrapCallOptions(child(n, "expression")).callee;
      const name = callee ? (str(callee, "name") ?? str(callee, "memberName")) : undefined;
      if (name && builtinCallName(program, n) === undefined && str(n, "kind") !== "typeConversion") out.add(name);
    } else if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && isStateVariable(d)) out.add(str(n, "name") ?? "");
    } else if (n.nodeType === "MemberAccess") {
      const base = child(n, "expression");
      const baseType = typeString(base) ?? "";
      const d = baseDeclaration(program, n);
      if (baseType.startsWith("type(enum ") || (d && isStorageVariable(program, d))) out.add(str(n, "memberName") ?? "");
    }
    return undefined;
  });
  out.delete("");
  return new Set([...out].filter((n) => VERIFY_NAME.test(n)));
}

const READS_STATE = new WeakMap<AstNode, boolean>();

/** Whether a function (or expression) depends on state the calls can change: non-constant storage or another contract. */
function readsMutableState(program: Program, root: AstNode, context: AstNode, depth = 0): boolean {
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && isStateVariable(d) && !isConstantVariable(d)) found = true;
    } else if (n.nodeType === "MemberAccess") {
      const d = baseDeclaration(program, n);
      if (d && !isStateVariable(d) && isStorageVariable(program, d)) found = true;
    } else if (n.nodeType === "FunctionCall") {
      if (externalCall(program, n) || lowLevelCall(program, n)) found = true;
      else if (memberOf(program, n, "address", "balance")) found = true;
      else if (depth < 4) {
        const callee = internalCallee(program, n, context);
        if (callee && child(callee, "body")) {
          let r = READS_STATE.get(callee);
          if (r === undefined) {
            READS_STATE.set(callee, false);
            r = readsMutableState(program, child(callee, "body")!, context, depth + 1);
            READS_STATE.set(callee, r);
          }
          if (r) found = true;
        }
      }
    } else if (n.nodeType === "InlineAssembly") {
      if (/sload|balance|extcode/.test(JSON.stringify(n.AST ?? n.operations ?? ""))) found = true;
      return false;
    }
    return undefined;
  });
  if (!found && /\.balance\b/.test(program.text(root))) found = true;
  return found;
}

interface LateCheck {
  fn: AstNode;
  calls: Extract<TraceEvent, { kind: "call" }>[];
  guards: Extract<TraceEvent, { kind: "guard" }>[];
  names: string[];
}

/** The state variables (and namespaced-storage fields) a condition reads, directly or through internal functions. */
function stateRead(program: Program, root: AstNode, context: AstNode, out = new Set<AstNode>(), seen = new Set<AstNode>(), depth = 0): Set<AstNode> {
  walk(root, (n) => {
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && isStateVariable(d) && !isConstantVariable(d)) out.add(d);
    } else if (n.nodeType === "MemberAccess") {
      const d = baseDeclaration(program, n);
      if (d && !isStateVariable(d) && isStorageVariable(program, d)) out.add(d);
    } else if (n.nodeType === "FunctionCall" && depth < 4) {
      const callee = internalCallee(program, n, context);
      if (callee && child(callee, "body") && !seen.has(callee)) {
        seen.add(callee);
        stateRead(program, child(callee, "body")!, context, out, seen, depth + 1);
      }
    }
    return undefined;
  });
  return out;
}

function lateCheck(program: Program, fn: AstNode, contract: AstNode): LateCheck | undefined {
  const events = traceOf(program, fn, contract);
  const controlled = events.filter(
    (e): e is Extract<TraceEvent, { kind: "call" }> =>
      e.kind === "call" &&
      e.call.kind === "call" &&
      fromInput(program, e.call.target, e.frame, false) &&
      e.call.args[0] !== undefined &&
      mentionsInput(program, e.call.args[0], e.frame),
  );
  if (controlled.length === 0) return undefined;
  const first = events.indexOf(controlled[0]!);
  const before = new Set<string>();
  const checkedState = new Set<AstNode>();
  for (const e of events.slice(0, first)) {
    if (e.kind !== "guard") continue;
    for (const n of checkedNames(program, e.cond)) before.add(n);
    stateRead(program, e.cond, contract, checkedState);
  }
  // the late check reads only state a check before the calls already looked at (the same check, written differently)
  const alreadyChecked = (cond: AstNode): boolean => {
    const read = stateRead(program, cond, contract);
    return read.size > 0 && [...read].every((d) => checkedState.has(d));
  };
  // locals holding a controlled call's results (`ok`, `returndata`): checks of the call itself, not of the operation
  const callNodes = new Set<AstNode>();
  for (const c of controlled) {
    callNodes.add(c.node);
    for (let f: Frame | undefined = c.frame; f?.site; f = f.parent) callNodes.add(f.site);
  }
  const mentionsResult = (cond: AstNode): boolean => {
    let found = false;
    walk(cond, (n) => {
      if (found) return false;
      if (n.nodeType !== "Identifier") return undefined;
      const d = program.declOf(n);
      const stmt = d ? program.parent(d) : undefined;
      const init = stmt?.nodeType === "VariableDeclarationStatement" ? child(stmt, "initialValue") : undefined;
      if (init && findAll(init, "FunctionCall").some((c) => callNodes.has(c))) found = true;
      return undefined;
    });
    return found;
  };
  const guards: LateCheck["guards"] = [];
  const names = new Set<string>();
  for (const e of events.slice(first + 1)) {
    if (e.kind !== "guard") continue;
    if (isLibraryFunction(program, e.frame.fn)) continue;
    const checked = [...checkedNames(program, e.cond)].filter((n) => !before.has(n));
    if (checked.length === 0 || mentionsResult(e.cond) || alreadyChecked(e.cond)) continue;
    if (!readsMutableState(program, e.cond, contract)) continue;
    guards.push(e);
    for (const n of checked) names.add(n);
  }
  if (guards.length === 0) return undefined;
  const lastGuard = events.indexOf(guards[guards.length - 1]!);
  const calls = controlled.filter((c) => events.indexOf(c) < lastGuard);
  return { fn, calls, guards, names: [...names] };
}

export const uncheckedBeforeVerify: Detector = {
  id: "unchecked-before-verify",
  category: "access_control",
  title: "Calls to caller-chosen targets with caller-chosen data made before the check that authorises them (execute first, verify after)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const found: LateCheck[] = [];
      for (const fn of list(contract, "nodes")) {
        if (fn.nodeType !== "FunctionDefinition" || !isEntryPoint(fn) || isReadOnly(fn)) continue;
        const lc = lateCheck(program, fn, contract);
        if (lc) found.push(lc);
      }
      if (found.length === 0) continue;
      const nodes = found.flatMap((lc) => [
        ...lc.calls.map((c) => shownNode(program, file, c.node, c.frame)),
        ...lc.guards.map((g) => shownNode(program, file, g.node.nodeType === "IfStatement" ? g.cond : g.node, g.frame)),
      ]);
      let lines = linesIn(program, file, nodes);
      if (lines.length === 0) lines = linesIn(program, file, [contract]);
      const open = found.some((lc) => !isAccessControlled(program, lc.fn, contract));
      const describe = (lc: LateCheck): string => {
        const call = shownNode(program, file, lc.calls[0]!.node, lc.calls[0]!.frame) ?? lc.calls[0]!.node;
        const guard = lc.guards[0]!;
        const check = shownNode(program, file, guard.node.nodeType === "IfStatement" ? guard.cond : guard.node, guard.frame) ?? guard.cond;
        return `${displayName(lc.fn)}() makes the calls (\`${firstLine(program, call)}\`) and only afterwards checks \`${firstLine(program, check)}\``;
      };
      ctx.report({
        detector: "unchecked-before-verify",
        category: "access_control",
        severity: "high",
        confidence: open ? "high" : "medium",
        lines,
        contract: str(contract, "name"),
        function: found.length === 1 ? displayName(found[0]!.fn) : undefined,
        message:
          `${found.map(describe).join("; ")}. The targets and calldata come from the caller and the check reads state (${[...new Set(found.flatMap((lc) => lc.names))].join(", ")}) ` +
          "that those very calls can change: a caller makes the contract call itself to schedule, approve or record the operation (grant a role, set the delay to 0, store a root) " +
          "and the late check then passes — any operation runs without having been authorised.",
        remediation:
          "Checks before interactions: verify the operation (ready, proof, signature, inclusion), mark it executed, and only then make the calls; " +
          "a check after the calls may stay as a second line, never as the only one:\n" +
          "```solidity\nfunction execute(address[] calldata targets, uint256[] calldata values, bytes[] calldata data, bytes32 salt) external payable {\n" +
          "    bytes32 id = hashOperation(targets, values, data, salt);\n    require(isOperationReady(id), \"not ready\");   // verify first\n" +
          "    _timestamps[id] = DONE;                          // mark executed\n" +
          "    for (uint256 i; i < targets.length; ++i) Address.functionCallWithValue(targets[i], data[i], values[i]); // then call\n}\n```",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// governance-flash-vote
// ---------------------------------------------------------------------------------------------------------------

/** Functions that create, queue or vote on governance actions, and predicates that gate them. */
const GOVERNANCE_ACTION = /^_?(propose|queue|castVote|vote|submitProposal|createProposal|newProposal|makeProposal)/i;
const GOVERNANCE_GATE = /^_?(hasEnough|canPropose|canVote|canQueue|canExecute|hasVotingPower|meetsThreshold|meetsQuorum|checkVotes|checkVotingPower|checkProposer|isEligible|quorumReached|hasQuorum|isQuorum)/i;
/** Current voting power: `getVotes(a)`, `getCurrentVotes(a)`, `balanceOf(a)`, `votingPower(a)`, `totalSupply()`. */
const CURRENT_POWER = new Map<string, number>([
  ["getVotes", 1],
  ["getCurrentVotes", 1],
  ["balanceOf", 1],
  ["votingPower", 1],
  ["getVotingPower", 1],
  ["totalSupply", 0],
]);

const VOTE_ESCROW = /escrow|\bve[A-Z_]|\bve\b|^_?ve[A-Z]|locker|locked/i;

/** A token the contract keeps (`token`, `IVotes public immutable govToken`, `token()`, `$.token`), not one the caller passes. */
function storedToken(program: Program, target: AstNode | undefined): boolean {
  const t = stripConversions(target);
  if (!t) return false;
  // vote-escrowed (locked, non-transferable) balances cannot be flash-borrowed
  if (VOTE_ESCROW.test(program.text(t))) return false;
  if (t.nodeType === "FunctionCall") {
    if (list(t, "arguments").length !== 0) return false;
    const callee = program.declOf(unwrapCallOptions(child(t, "expression")).callee);
    return callee?.nodeType === "FunctionDefinition" && isReadOnly(callee);
  }
  if (t.nodeType === "Identifier") return isStateVariable(program.declOf(t));
  if (t.nodeType === "MemberAccess") return isStorageVariable(program, baseDeclaration(program, t));
  return false;
}

function currentPowerRead(program: Program, call: AstNode, contract: AstNode): string | undefined {
  if (call.nodeType !== "FunctionCall" || str(call, "kind") === "typeConversion") return undefined;
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  const name = callee ? (str(callee, "memberName") ?? str(callee, "name")) : undefined;
  const args = list(call, "arguments");
  if (!name || CURRENT_POWER.get(name) !== args.length) return undefined;
  if (args[0] && isThis(program, args[0])) return undefined;
  if (callee?.nodeType === "MemberAccess") {
    const ext = externalCall(program, call);
    if (!ext || !storedToken(program, ext.target)) return undefined;
    return `${firstLine(program, ext.target)}.${name}`;
  }
  // the contract is the token itself (a DAO token with propose/vote functions)
  const fn = internalCallee(program, call, contract);
  return fn && program.contractOf(fn) && contractKind(program.contractOf(fn)!) === "contract" ? name : undefined;
}

/** Whether the function pulls or locks the same token from the voter (an escrowed vote, not a balance snapshot). */
function escrowsToken(program: Program, callables: AstNode[], tokenText: string): boolean {
  for (const fn of callables) {
    const body = child(fn, "body");
    if (!body) continue;
    for (const call of findAll(body, "FunctionCall")) {
      const callee = unwrapCallOptions(child(call, "expression")).callee;
      if (callee?.nodeType !== "MemberAccess") continue;
      const m = str(callee, "memberName") ?? "";
      if (!/^(transferFrom|safeTransferFrom|lock|stake|deposit)$/.test(m)) continue;
      const base = child(callee, "expression");
      const receiver = m === "safeTransferFrom" && list(call, "arguments").length === 4 ? list(call, "arguments")[0] : base; // SafeERC20.safeTransferFrom(token, …)
      if (receiver && tokenText.startsWith(`${firstLine(program, receiver)}.`)) return true;
    }
  }
  return false;
}

export const governanceFlashVote: Detector = {
  id: "governance-flash-vote",
  category: "access_control",
  title: "Voting power read at the current block (getVotes(a), balanceOf(a), totalSupply()) where proposals are created, queued or voted",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const reads: { node: AstNode; what: string; fn: AstNode }[] = [];
      const seen = new Set<AstNode>();
      for (const fn of list(contract, "nodes")) {
        if (fn.nodeType !== "FunctionDefinition" || !child(fn, "body")) continue;
        const name = str(fn, "name") ?? "";
        const action = GOVERNANCE_ACTION.test(name) && !isReadOnly(fn);
        if (!action && !GOVERNANCE_GATE.test(name)) continue;
        const reach = reachableCallables(program, fn, contract, 3);
        const callables = reach.map((r) => r.fn);
        for (const { fn: callable, site } of reach) {
          const body = child(callable, "body");
          if (!body) continue;
          for (const call of findAll(body, "FunctionCall")) {
            const what = currentPowerRead(program, call, contract);
            if (!what || seen.has(call) || escrowsToken(program, callables, what)) continue;
            const shown = program.fileOf(call) === file ? call : site && program.fileOf(site) === file ? site : undefined;
            if (!shown) continue;
            seen.add(call);
            reads.push({ node: shown, what, fn });
          }
        }
      }
      if (reads.length === 0) continue;
      const fns = [...new Set(reads.map((r) => r.fn))];
      const whats = [...new Set(reads.map((r) => `${r.what}(…)`))];
      ctx.report({
        detector: "governance-flash-vote",
        category: "access_control",
        severity: "medium",
        confidence: "medium",
        lines: linesIn(program, file, reads.map((r) => r.node)),
        contract: str(contract, "name"),
        function: fns.length === 1 ? displayName(fns[0]) : undefined,
        message:
          `${fns.map((f) => `${displayName(f)}()`).join(", ")} decide${fns.length === 1 ? "s" : ""} with voting power read at the current block (${whats.join(", ")}). ` +
          "Balances and current votes can be borrowed for one transaction: a flash loan of the governance token (delegated to oneself) passes the proposal threshold, " +
          "casts a decisive vote or meets the quorum, and is repaid in the same transaction — governance actions are taken without holding any tokens.",
        remediation:
          "Take voting power at a past block: snapshot the proposal's start block and read `getPastVotes(account, snapshot)` / `getPastTotalSupply(snapshot)` " +
          "(ERC20Votes, or ERC20Snapshot's `balanceOfAt`); for the proposal threshold use the previous block:\n" +
          "```solidity\nuint256 snapshot = proposals[id].snapshot;                 // block.number - 1 at creation\n" +
          "uint256 weight = token.getPastVotes(msg.sender, snapshot);\n" +
          "require(token.getPastVotes(msg.sender, block.number - 1) >= proposalThreshold, \"below threshold\");\n```\n" +
          "OpenZeppelin's `Governor` with `GovernorVotes` does this.",
      });
    }
  },
};

/** The detectors of this group, in report order. */
export const COMPOSITION_DETECTORS: readonly Detector[] = [erc2771MulticallDetector, multicallMsgValue, uncheckedBeforeVerify, governanceFlashVote];
