/**
 * Walks a function in evaluation order, running its modifiers around the body and inlining internal calls,
 * and tells a listener about calls out of the contract, state reads and state writes. Branches fork the
 * listener's state and merge it again; paths that revert or return stop.
 */
import type { AstNode } from "./node";
import { child, list, str } from "./node";
import type { Program } from "./program";
import {
  assemblyCalls,
  baseDeclaration,
  builtinCallName,
  externalCall,
  internalCallee,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  modifierOf,
  unwrapCallOptions,
  writtenStateVariable,
  type ExternalCall,
  type LowLevelCall,
} from "./semantics";

export interface OutgoingCall {
  node: AstNode;
  lowLevel?: LowLevelCall;
  external?: ExternalCall;
  /** A call made in inline assembly (inside an inlined library function, typically). */
  assembly?: boolean;
  /** Whether ether is sent along. */
  value: boolean;
  /** The call sites in the analysed function that lead here (outermost first). */
  sites: AstNode[];
  /** Functions and modifiers being run when the call happens (the analysed function first). */
  stack: AstNode[];
}

export interface FlowListener<S> {
  initial(): S;
  clone(state: S): S;
  merge(a: S, b: S): S;
  onCall?(state: S, call: OutgoingCall): void;
  onRead?(state: S, decl: AstNode, node: AstNode, sites: AstNode[]): void;
  onWrite?(state: S, decl: AstNode, node: AstNode, sites: AstNode[]): void;
}

const MAX_DEPTH = 6;

export function walkFlow<S>(program: Program, fn: AstNode, context: AstNode | undefined, listener: FlowListener<S>): S {
  const walker = new FlowWalker(program, context, listener);
  const state = listener.initial();
  walker.runCallable(fn, state, [], 0, new Set());
  return walker.finalState ?? state;
}

/** What a walk with no state of its own is told: calls out, state reads and state writes, in evaluation order. */
export interface FlowEvents {
  onCall?(call: OutgoingCall): void;
  onRead?(decl: AstNode, node: AstNode, sites: AstNode[]): void;
  onWrite?(decl: AstNode, node: AstNode, sites: AstNode[]): void;
}

/** Walks a function like `walkFlow` with nothing to fork or merge at branches, handing every event to `events`. */
export function walkFlowEvents(program: Program, fn: AstNode, context: AstNode | undefined, events: FlowEvents): void {
  walkFlow<number>(program, fn, context, {
    initial: () => 0,
    clone: (s) => s,
    merge: (a) => a,
    onCall: events.onCall && ((_s, call) => events.onCall!(call)),
    onRead: events.onRead && ((_s, decl, node, sites) => events.onRead!(decl, node, sites)),
    onWrite: events.onWrite && ((_s, decl, node, sites) => events.onWrite!(decl, node, sites)),
  });
}

class FlowWalker<S> {
  finalState: S | undefined;
  private readonly stack: AstNode[] = [];
  constructor(
    private readonly program: Program,
    private readonly context: AstNode | undefined,
    private readonly listener: FlowListener<S>,
  ) {}

  /** Runs modifiers then body; returns the state at the end (merging early returns). */
  runCallable(fn: AstNode, state: S, sites: AstNode[], depth: number, active: Set<AstNode>): S {
    active.add(fn);
    this.stack.push(fn);
    const mods = fn.nodeType === "FunctionDefinition" ? list(fn, "modifiers") : [];
    const exits: S[] = [];
    const runFrom = (i: number, st: S): { state: S; stopped: boolean } => {
      if (i < mods.length) {
        const inv = mods[i]!;
        for (const a of list(inv, "arguments")) this.expr(a, st, sites, depth, active);
        const mod = modifierOf(this.program, inv, this.context);
        const body = mod ? child(mod, "body") : undefined;
        if (!mod || !body || active.has(mod) || depth >= MAX_DEPTH) return runFrom(i + 1, st);
        const modSites = depth === 0 ? [...sites, inv] : sites;
        active.add(mod);
        this.stack.push(mod);
        const r = this.block(body, st, modSites, depth, active, () => {
          this.stack.pop();
          const inner = runFrom(i + 1, st);
          this.stack.push(mod);
          return inner;
        });
        this.stack.pop();
        active.delete(mod);
        return r;
      }
      const body = child(fn, "body");
      if (!body) return { state: st, stopped: false };
      return this.block(body, st, sites, depth, active, undefined, exits);
    };
    const r = runFrom(0, state);
    active.delete(fn);
    this.stack.pop();
    let out = r.state;
    for (const e of exits) out = this.listener.merge(out, e);
    if (depth === 0) this.finalState = out;
    return out;
  }

  /** Executes a statement list; `placeholder` runs the rest of a modifier chain at `_`. */
  private block(
    node: AstNode,
    state: S,
    sites: AstNode[],
    depth: number,
    active: Set<AstNode>,
    placeholder?: () => { state: S; stopped: boolean },
    exits?: S[],
  ): { state: S; stopped: boolean } {
    let st = state;
    for (const s of list(node, "statements")) {
      const r = this.stmt(s, st, sites, depth, active, placeholder, exits);
      st = r.state;
      if (r.stopped) return { state: st, stopped: true };
    }
    return { state: st, stopped: false };
  }

  private stmt(
    s: AstNode,
    state: S,
    sites: AstNode[],
    depth: number,
    active: Set<AstNode>,
    placeholder?: () => { state: S; stopped: boolean },
    exits?: S[],
  ): { state: S; stopped: boolean } {
    const L = this.listener;
    const site = (n: AstNode): AstNode[] => (depth === 0 ? [...sites, n] : sites);
    switch (s.nodeType) {
      case "Block":
      case "UncheckedBlock":
        return this.block(s, state, sites, depth, active, placeholder, exits);
      case "PlaceholderStatement": {
        if (!placeholder) return { state, stopped: false };
        const r = placeholder();
        return { state: r.state, stopped: r.stopped };
      }
      case "ExpressionStatement": {
        const e = child(s, "expression");
        if (e) this.expr(e, state, site(s), depth, active);
        if (e?.nodeType === "FunctionCall" && builtinCallName(this.program, e) === "revert") return { state, stopped: true };
        return { state, stopped: false };
      }
      case "VariableDeclarationStatement": {
        const init = child(s, "initialValue");
        if (init) this.expr(init, state, site(s), depth, active);
        return { state, stopped: false };
      }
      case "EmitStatement": {
        const call = child(s, "eventCall");
        for (const a of list(call, "arguments")) this.expr(a, state, site(s), depth, active);
        return { state, stopped: false };
      }
      case "Return": {
        const e = child(s, "expression");
        if (e) this.expr(e, state, site(s), depth, active);
        if (exits) exits.push(state);
        return { state, stopped: true };
      }
      case "Throw":
      case "RevertStatement":
        return { state, stopped: true };
      case "IfStatement": {
        const cond = child(s, "condition");
        if (cond) this.expr(cond, state, site(s), depth, active);
        const a = L.clone(state);
        const ra = child(s, "trueBody") ? this.stmt(child(s, "trueBody")!, a, sites, depth, active, placeholder, exits) : { state: a, stopped: false };
        const b = L.clone(state);
        const rb = child(s, "falseBody") ? this.stmt(child(s, "falseBody")!, b, sites, depth, active, placeholder, exits) : { state: b, stopped: false };
        if (ra.stopped && rb.stopped) return { state: L.merge(ra.state, rb.state), stopped: true };
        if (ra.stopped) return { state: rb.state, stopped: false };
        if (rb.stopped) return { state: ra.state, stopped: false };
        return { state: L.merge(ra.state, rb.state), stopped: false };
      }
      case "ForStatement":
      case "WhileStatement":
      case "DoWhileStatement": {
        const init = child(s, "initializationExpression");
        if (init) this.stmt(init, state, sites, depth, active);
        const cond = child(s, "condition");
        if (cond) this.expr(cond, state, site(s), depth, active);
        const loopState = L.clone(state);
        const body = child(s, "body");
        let r = { state: loopState, stopped: false };
        if (body) r = this.stmt(body, loopState, sites, depth, active, placeholder, exits);
        const loopExpr = child(s, "loopExpression");
        if (loopExpr && !r.stopped) this.stmt(loopExpr, r.state, sites, depth, active);
        // Second pass: a call late in the body precedes writes early in the next iteration.
        if (body && !r.stopped) r = this.stmt(body, r.state, sites, depth, active, placeholder, exits);
        return { state: L.merge(state, r.state), stopped: false };
      }
      case "TryStatement": {
        const call = child(s, "externalCall");
        if (call) this.expr(call, state, site(s), depth, active);
        let merged: S | undefined;
        for (const clause of list(s, "clauses")) {
          const b = child(clause, "block");
          if (!b) continue;
          const r = this.block(b, L.clone(state), sites, depth, active, placeholder, exits);
          if (!r.stopped) merged = merged === undefined ? r.state : L.merge(merged, r.state);
        }
        return { state: merged ?? state, stopped: merged === undefined && list(s, "clauses").length > 0 };
      }
      case "InlineAssembly":
        if (assemblyCalls(s)) {
          const value = this.stack.some((f) => /sendValue|WithValue/i.test(str(f, "name") ?? ""));
          L.onCall?.(state, { node: s, assembly: true, value, sites: site(s), stack: [...this.stack] });
        }
        return { state, stopped: false };
      default:
        for (const c of Program_children(s)) this.expr(c, state, site(s), depth, active);
        return { state, stopped: false };
    }
  }

  private expr(e: AstNode, state: S, sites: AstNode[], depth: number, active: Set<AstNode>): void {
    const L = this.listener;
    const program = this.program;
    switch (e.nodeType) {
      case "Identifier": {
        const d = program.declOf(e);
        if (d && isStateVariable(d)) L.onRead?.(state, d, e, sites);
        return;
      }
      case "MemberAccess": {
        // $.field through a namespaced-storage pointer reads that field
        const base = child(e, "expression");
        if (base?.nodeType === "Identifier") {
          const d = baseDeclaration(program, e);
          if (d && d !== program.declOf(base) && isStorageVariable(program, d) && !isStateVariable(d)) L.onRead?.(state, d, e, sites);
        }
        for (const c of Program_children(e)) this.expr(c, state, sites, depth, active);
        return;
      }
      case "Assignment": {
        const rhs = child(e, "rightHandSide");
        if (rhs) this.expr(rhs, state, sites, depth, active);
        const lhs = child(e, "leftHandSide");
        if (lhs) this.lvalue(lhs, state, sites, depth, active, str(e, "operator") !== "=");
        const w = writtenStateVariable(program, e);
        if (w) L.onWrite?.(state, w.decl, e, sites);
        return;
      }
      case "UnaryOperation": {
        const sub = child(e, "subExpression");
        const op = str(e, "operator");
        if (sub) {
          if (op === "++" || op === "--" || op === "delete") this.lvalue(sub, state, sites, depth, active, op !== "delete");
          else this.expr(sub, state, sites, depth, active);
        }
        const w = writtenStateVariable(program, e);
        if (w) L.onWrite?.(state, w.decl, e, sites);
        return;
      }
      case "Conditional": {
        const cond = child(e, "condition");
        if (cond) this.expr(cond, state, sites, depth, active);
        for (const k of ["trueExpression", "falseExpression"]) {
          const x = child(e, k);
          if (x) this.expr(x, state, sites, depth, active);
        }
        return;
      }
      case "FunctionCall":
        this.call(e, state, sites, depth, active);
        return;
      default:
        for (const c of Program_children(e)) this.expr(c, state, sites, depth, active);
    }
  }

  /** Evaluates the reads inside an lvalue (indices, and the old value for compound assignments). */
  private lvalue(lhs: AstNode, state: S, sites: AstNode[], depth: number, active: Set<AstNode>, readsOld: boolean): void {
    if (readsOld) {
      this.expr(lhs, state, sites, depth, active);
      return;
    }
    let cur: AstNode | undefined = lhs;
    while (cur && (cur.nodeType === "IndexAccess" || cur.nodeType === "MemberAccess")) {
      const idx = cur.nodeType === "IndexAccess" ? child(cur, "indexExpression") : undefined;
      if (idx) this.expr(idx, state, sites, depth, active);
      cur = child(cur, cur.nodeType === "IndexAccess" ? "baseExpression" : "expression");
    }
    if (cur?.nodeType === "TupleExpression") for (const c of list(cur, "components")) this.lvalue(c, state, sites, depth, active, false);
  }

  private call(e: AstNode, state: S, sites: AstNode[], depth: number, active: Set<AstNode>): void {
    const L = this.listener;
    const program = this.program;
    const ll = lowLevelCall(program, e);
    if (ll) {
      this.expr(ll.target, state, sites, depth, active);
      if (ll.value) this.expr(ll.value, state, sites, depth, active);
      for (const a of ll.args) if (a !== ll.value) this.expr(a, state, sites, depth, active);
      L.onCall?.(state, { node: e, lowLevel: ll, value: ll.value !== undefined && !isZero(ll.value), sites, stack: [...this.stack] });
      return;
    }
    const ext = externalCall(program, e);
    if (ext) {
      this.expr(ext.target, state, sites, depth, active);
      if (ext.value) this.expr(ext.value, state, sites, depth, active);
      for (const a of list(e, "arguments")) this.expr(a, state, sites, depth, active);
      L.onCall?.(state, { node: e, external: ext, value: ext.value !== undefined && !isZero(ext.value), sites, stack: [...this.stack] });
      return;
    }
    for (const a of list(e, "arguments")) this.expr(a, state, sites, depth, active);
    const w = writtenStateVariable(program, e); // push / pop
    if (w) {
      L.onWrite?.(state, w.decl, e, sites);
      return;
    }
    const callee = internalCallee(program, e, this.context);
    if (callee && child(callee, "body") && !active.has(callee) && depth < MAX_DEPTH) {
      const calleeSites = depth === 0 ? sites : sites;
      this.runCallable(callee, state, calleeSites, depth + 1, active);
      return;
    }
    // Member calls on values (x.add(y) with SafeMath, etc.): evaluate the receiver.
    const target = unwrapCallOptions(child(e, "expression")).callee;
    if (target?.nodeType === "MemberAccess") {
      const base = child(target, "expression");
      if (base) this.expr(base, state, sites, depth, active);
    }
  }
}

function isZero(node: AstNode): boolean {
  return node.nodeType === "Literal" && /^0+$/.test(String(node.value ?? ""));
}

function Program_children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === "typeDescriptions" || key === "typeName" || key === "argumentTypes") continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x === "object" && typeof (x as AstNode).nodeType === "string") out.push(x as AstNode);
    } else if (v && typeof v === "object" && typeof (v as AstNode).nodeType === "string") out.push(v as AstNode);
  }
  return out;
}
