/**
 * Storage that is gone while code still reads it through a reference (`storage-ref-after-delete`).
 *
 * A local `storage` reference is a slot number, not a copy: `Loan storage loan = loans[id];` points at the entry, and
 * after `delete loans[id]` the same slot holds zeros. Every read through `loan` that follows the delete returns 0,
 * `false` or `address(0)`:
 *
 * ```solidity
 * Loan storage loan = loans[loanID];
 * if (repaid == loan.amount) delete loans[loanID];
 * else loan.amount -= repaid;
 * debt.transferFrom(msg.sender, loan.lender, repaid);   // lender is address(0) after a full repayment
 * ```
 *
 * The walk follows one function's statements in execution order, forking at branches (`if`, loops run zero, one and
 * two times, try/catch clauses) and dropping paths that return or revert. A reference is bound when a storage local is
 * declared from (or assigned) a storage expression — an element `m[k]`, `m[k][j]`, `s.m[k]`, a field of one, another
 * reference — and it becomes dangling when, on the path, the same entry or one that contains it is removed: `delete` of
 * that expression (compared structurally, through other references, not across a mapping: `delete` leaves a nested
 * mapping alone), `delete` of the whole array, or `arr.pop()` (`arr.length--` before 0.6) while the reference is to
 * `arr[arr.length - 1]` (also through a local holding `arr.length - 1`). A later read through the reference — a field,
 * an element, the reference passed on or copied to memory — is reported; writes through it (`loan.x = …`, `delete
 * loan.x`, `push`) are not reads, and a field written again after the delete reads what was written. Reads through a
 * nested mapping are not reported (the mapping survives the delete). Rebinding the reference, writing the whole entry
 * again (`loans[id] = …`) or changing a local the key is computed from ends the tracking.
 *
 * Severity high (funds paid to / recorded for address(0), amounts of 0); low when every read after the delete only
 * feeds an event (the log is wrong, nothing on chain is).
 */
import type { AstNode } from "../ast/node";
import { child, children, findAll, list, span, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { builtinCallName, exprKey, initialValueOf, stopsExecution, stripParens, unwrapCallOptions } from "../ast/semantics";
import type { Severity } from "../types";
import { displayName, linesIn, type Detector, type DetectorContext } from "./detector";
import { assemblyEnds, isFalseLiteral } from "./logic";

/** One step of a storage path, from the reference's target up to its root: `loans[id]`, `loans`. */
interface Step {
  key: string;
  /** The step is a mapping (a `delete` above it does not clear what lies beyond it). */
  mapping: boolean;
  /** For an index step, its index resolved through locals that hold a fixed value (`last` = `arr.length-1`). */
  index?: string;
}

/** What a path knows of a local storage reference. */
interface Ref {
  /** Where it points; undefined when that is not known (a key local changed, branches disagree). */
  chain?: Step[];
  /** The expression it was bound to, for the message. */
  origin?: AstNode;
  /** Locals and state variables the target's keys read: writing one of them ends the tracking. */
  deps: Set<AstNode>;
  /** The `delete`/`pop` that removed the entry on this path, if it did. */
  deleted?: AstNode;
  /** Paths written again after the delete (`loans[id].lender`): reading them is fine. */
  rewritten: string[];
}

type State = Map<AstNode, Ref>;

interface Hit {
  ref: AstNode;
  origin?: AstNode;
  del: AstNode;
  /** The read: the whole access through the reference (`loan.lender`), or the reference itself when passed on. */
  use: AstNode;
}

interface LoopContext {
  breaks: State[];
  continues: State[];
}

const LOOP_ROUNDS = 2;

function isStorageLocal(decl: AstNode | undefined): decl is AstNode {
  return decl?.nodeType === "VariableDeclaration" && decl.stateVariable !== true && str(decl, "storageLocation") === "storage";
}

function isMapping(node: AstNode | undefined): boolean {
  return typeString(node)?.startsWith("mapping(") === true;
}

function clone(st: State): State {
  return new Map(st);
}

function sameChain(a: Step[] | undefined, b: Step[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return a.every((s, i) => s.key === b[i]!.key);
}

function merge(a: State | undefined, b: State | undefined): State | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: State = new Map();
  for (const decl of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(decl);
    const y = b.get(decl);
    if (!x || !y) {
      const only = (x ?? y)!;
      out.set(decl, { ...only, chain: undefined });
      continue;
    }
    const rewritten = x.deleted && y.deleted ? x.rewritten.filter((k) => y.rewritten.includes(k)) : x.deleted ? x.rewritten : y.rewritten;
    out.set(decl, {
      chain: sameChain(x.chain, y.chain) ? x.chain : undefined,
      origin: x.origin ?? y.origin,
      deps: new Set([...x.deps, ...y.deps]),
      deleted: x.deleted ?? y.deleted,
      rewritten,
    });
  }
  return out;
}

function mergeAll(states: (State | undefined)[]): State | undefined {
  return states.reduce<State | undefined>((acc, s) => merge(acc, s), undefined);
}

/** The bottom of an access chain (`loans` in `loans[id].lender`). */
function rootOf(expr: AstNode | undefined): AstNode | undefined {
  let cur = stripParens(expr);
  while (cur && (cur.nodeType === "MemberAccess" || cur.nodeType === "IndexAccess")) {
    cur = stripParens(child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression"));
  }
  return cur;
}


/** `require(false, …)` / `assert(false)`: a statement that always reverts. */
function failsAlways(program: Program, stmt: AstNode): boolean {
  const e = stripParens(child(stmt, "expression"));
  if (e?.nodeType !== "FunctionCall") return false;
  const name = builtinCallName(program, e);
  return (name === "require" || name === "assert") && isFalseLiteral(list(e, "arguments")[0]);
}

class LifetimeWalker {
  readonly hits: Hit[] = [];
  /** Locals assigned somewhere in the function (their initial value is not a fixed key). */
  private readonly reassigned = new Set<AstNode>();

  constructor(
    private readonly program: Program,
    body: AstNode,
  ) {
    for (const n of findAll(body, "Assignment", "UnaryOperation")) {
      if (n.nodeType === "UnaryOperation" && !["++", "--", "delete"].includes(str(n, "operator") ?? "")) continue;
      const lhs = stripParens(child(n, n.nodeType === "Assignment" ? "leftHandSide" : "subExpression"));
      const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : lhs ? [lhs] : [];
      for (const t of targets) {
        const d = t.nodeType === "Identifier" ? program.declOf(t) : undefined;
        if (d) this.reassigned.add(d);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- keys and chains

  /** Canonical text of an expression, with tracked references replaced by what they point at. */
  key(expr: AstNode | undefined, st: State, resolveLocals = false): string {
    const e = stripParens(expr);
    if (!e) return "";
    switch (e.nodeType) {
      case "Identifier": {
        const decl = this.program.declOf(e);
        const ref = decl ? st.get(decl) : undefined;
        if (ref) return ref.chain ? ref.chain[0]!.key : `?${decl!.id}`;
        if (resolveLocals && decl?.nodeType === "VariableDeclaration" && decl.stateVariable !== true && !this.reassigned.has(decl)) {
          const init = initialValueOf(this.program, decl);
          if (init) return this.key(init, st, true);
        }
        return str(e, "name") ?? exprKey(this.program, e);
      }
      case "MemberAccess":
        return `${this.key(child(e, "expression"), st, resolveLocals)}.${str(e, "memberName") ?? ""}`;
      case "IndexAccess":
        return `${this.key(child(e, "baseExpression"), st, resolveLocals)}[${this.key(child(e, "indexExpression"), st, resolveLocals)}]`;
      case "BinaryOperation":
        return `${this.key(child(e, "leftExpression"), st, resolveLocals)}${str(e, "operator") ?? ""}${this.key(child(e, "rightExpression"), st, resolveLocals)}`;
      default:
        return exprKey(this.program, e);
    }
  }

  /** The storage path an expression names, from itself up to its root. */
  chain(expr: AstNode | undefined, st: State): Step[] {
    const e = stripParens(expr);
    if (!e) return [];
    if (e.nodeType === "Identifier") {
      const decl = this.program.declOf(e);
      const ref = decl ? st.get(decl) : undefined;
      if (ref) return ref.chain ? ref.chain : [{ key: `?${decl!.id}`, mapping: false }];
      return [{ key: this.key(e, st), mapping: isMapping(e) }];
    }
    if (e.nodeType === "MemberAccess") {
      const base = this.chain(child(e, "expression"), st);
      return [{ key: `${base[0]?.key ?? ""}.${str(e, "memberName") ?? ""}`, mapping: isMapping(e) }, ...base];
    }
    if (e.nodeType === "IndexAccess") {
      const base = this.chain(child(e, "baseExpression"), st);
      const index = child(e, "indexExpression");
      return [
        { key: `${base[0]?.key ?? ""}[${this.key(index, st)}]`, mapping: isMapping(e), index: this.key(index, st, true) },
        ...base,
      ];
    }
    return [{ key: exprKey(this.program, e), mapping: isMapping(e) }];
  }

  /** Declarations read by the keys of a storage expression (not tracked references: their target is a snapshot). */
  private deps(expr: AstNode | undefined, st: State): Set<AstNode> {
    const out = new Set<AstNode>();
    if (!expr) return out;
    for (const id of findAll(expr, "Identifier")) {
      const d = this.program.declOf(id);
      if (d?.nodeType !== "VariableDeclaration") continue;
      const ref = st.get(d);
      if (ref) for (const x of ref.deps) out.add(x);
      else out.add(d);
    }
    return out;
  }

  /** Binds a reference to a storage expression (declaration or assignment). */
  private bind(decl: AstNode, expr: AstNode | undefined, st: State): void {
    const e = stripParens(expr);
    const storagePath = e && (e.nodeType === "IndexAccess" || e.nodeType === "MemberAccess" || e.nodeType === "Identifier");
    const root = storagePath ? rootOf(e) : undefined;
    const rootDecl = root?.nodeType === "Identifier" ? this.program.declOf(root) : undefined;
    const from = rootDecl ? st.get(rootDecl) : undefined;
    st.set(decl, {
      chain: e ? this.chain(e, st) : undefined,
      origin: from?.origin && e?.nodeType === "Identifier" ? from.origin : e,
      deps: this.deps(e, st),
      // an alias of a dangling reference dangles too
      deleted: from?.deleted,
      rewritten: from?.deleted ? from.rewritten : [],
    });
  }

  /** Evaluates the keys of a storage path without counting the path itself as a read (`Loan storage b = loan;`). */
  private pathKeys(expr: AstNode | undefined, st: State): void {
    let cur = stripParens(expr);
    while (cur && (cur.nodeType === "MemberAccess" || cur.nodeType === "IndexAccess")) {
      if (cur.nodeType === "IndexAccess") this.expr(child(cur, "indexExpression"), st);
      cur = stripParens(child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression"));
    }
    if (cur && cur.nodeType !== "Identifier") this.expr(cur, st);
  }

  // ------------------------------------------------------------------------------------------- effects

  /** `delete <expr>`: every reference whose target is that entry, or lies inside it short of a mapping, dangles. */
  private deleted(expr: AstNode, node: AstNode, st: State): void {
    const k = this.key(expr, st);
    for (const [decl, ref] of st) {
      const chain = ref.chain;
      if (!chain) continue;
      const j = chain.findIndex((s) => s.key === k);
      if (j < 0 || chain.slice(1, j + 1).some((s) => s.mapping)) continue;
      st.set(decl, { ...ref, deleted: node, rewritten: [] });
    }
  }

  /** `arr.pop()` / `arr.length--`: a reference to `arr[arr.length - 1]` (or inside it) dangles. */
  private popped(base: AstNode, node: AstNode, st: State): void {
    const b = this.key(base, st);
    const last = `${b}.length-1`;
    for (const [decl, ref] of st) {
      const chain = ref.chain;
      if (!chain) continue;
      const j = chain.findIndex((s, i) => chain[i + 1]?.key === b && s.index === last);
      if (j < 0 || chain.slice(1, j + 1).some((s) => s.mapping)) continue;
      st.set(decl, { ...ref, deleted: node, rewritten: [] });
    }
  }

  /** After a write to `lhs`: key locals changed end tracking; the entry written whole is live again; a field written again reads its new value. */
  private written(lhs: AstNode | undefined, whole: boolean, st: State): void {
    const l = stripParens(lhs);
    if (!l) return;
    if (l.nodeType === "TupleExpression") {
      for (const c of list(l, "components")) this.written(c, whole, st);
      return;
    }
    if (l.nodeType === "Identifier") {
      const d = this.program.declOf(l);
      if (d) for (const [decl, ref] of st) if (ref.deps.has(d)) st.set(decl, { ...ref, chain: undefined, deps: new Set() });
    }
    if (l.nodeType !== "MemberAccess" && l.nodeType !== "IndexAccess") return;
    const k = this.key(l, st);
    for (const [decl, ref] of st) {
      if (!ref.deleted || !ref.chain) continue;
      const j = ref.chain.findIndex((s) => s.key === k);
      if (whole && j >= 0 && !ref.chain.slice(1, j + 1).some((s) => s.mapping)) st.set(decl, { ...ref, deleted: undefined, rewritten: [] });
      else if (k.startsWith(`${ref.chain[0]!.key}.`) || k.startsWith(`${ref.chain[0]!.key}[`)) st.set(decl, { ...ref, rewritten: [...ref.rewritten, k] });
    }
  }

  /** An identifier naming a tracked reference: a read when it is not written through, nor read through a mapping. */
  private used(id: AstNode, st: State): void {
    const decl = this.program.declOf(id);
    const ref = decl ? st.get(decl) : undefined;
    if (!ref?.deleted) return;
    let top = id;
    let throughMapping = false;
    for (;;) {
      const p = this.program.parent(top);
      if (!p) break;
      if (p.nodeType === "MemberAccess" && child(p, "expression") === top) {
        const m = str(p, "memberName");
        const call = this.program.parent(p);
        const called = call?.nodeType === "FunctionCall" && child(call, "expression") === p;
        if (called && (m === "push" || m === "pop")) return; // a write through the reference
        if (called || typeString(p)?.startsWith("function")) break; // passed on to a bound library function
      } else if (p.nodeType === "IndexAccess" && child(p, "baseExpression") === top) {
        // an element
      } else if (p.nodeType === "TupleExpression" && list(p, "components").length === 1 && p.isInlineArray !== true) {
        // parentheses
      } else {
        break;
      }
      if (isMapping(top)) throughMapping = true;
      top = p;
    }
    if (throughMapping) return;
    const p = this.program.parent(top);
    if (p?.nodeType === "Assignment" && child(p, "leftHandSide") === top && str(p, "operator") === "=") return;
    if (p?.nodeType === "UnaryOperation" && str(p, "operator") === "delete") return;
    const k = this.key(top, st);
    if (ref.rewritten.some((w) => k === w || k.startsWith(`${w}.`) || k.startsWith(`${w}[`))) return;
    this.hits.push({ ref: decl!, origin: ref.origin, del: ref.deleted, use: top });
  }

  // ------------------------------------------------------------------------------------------- expressions

  expr(node: AstNode | undefined, st: State): void {
    const n = stripParens(node);
    if (!n) return;
    switch (n.nodeType) {
      case "Identifier": {
        this.used(n, st);
        return;
      }
      case "Assignment": {
        const lhs = stripParens(child(n, "leftHandSide"));
        const rhs = child(n, "rightHandSide");
        const op = str(n, "operator");
        const decl = lhs?.nodeType === "Identifier" ? this.program.declOf(lhs) : undefined;
        if (isStorageLocal(decl) && op === "=") {
          this.pathKeys(rhs, st);
          this.bind(decl, rhs, st);
          this.written(lhs, true, st);
          return;
        }
        this.expr(rhs, st);
        this.expr(lhs, st);
        const l = stripParens(lhs);
        if (op === "-=" && l?.nodeType === "MemberAccess" && str(l, "memberName") === "length") this.popped(child(l, "expression")!, n, st);
        this.written(lhs, op === "=", st);
        return;
      }
      case "UnaryOperation": {
        const sub = child(n, "subExpression");
        const op = str(n, "operator");
        this.expr(sub, st);
        if (op === "delete" && sub) {
          this.deleted(sub, n, st);
          this.written(sub, false, st);
        } else if (op === "++" || op === "--") {
          const s = stripParens(sub);
          if (op === "--" && s?.nodeType === "MemberAccess" && str(s, "memberName") === "length") this.popped(child(s, "expression")!, n, st);
          this.written(sub, false, st);
        }
        return;
      }
      case "FunctionCall": {
        const callee = unwrapCallOptions(child(n, "expression")).callee;
        if (callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "pop" && list(n, "arguments").length === 0) {
          const base = child(callee, "expression");
          const t = typeString(base);
          if (base && (t === undefined || t.includes("[]"))) {
            this.expr(base, st);
            this.popped(base, n, st);
            return;
          }
        }
        break;
      }
      default:
        break;
    }
    const kids = children(n).sort((a, b) => span(a).start - span(b).start);
    for (const k of kids) this.expr(k, st);
  }

  // ------------------------------------------------------------------------------------------- statements

  /** Runs a statement; the state after it, or undefined when no path goes on. */
  stmt(s: AstNode | undefined, st: State, loop?: LoopContext): State | undefined {
    if (!s) return st;
    switch (s.nodeType) {
      case "Block":
      case "UncheckedBlock": {
        let cur: State | undefined = st;
        for (const x of list(s, "statements")) {
          cur = this.stmt(x, cur, loop);
          if (!cur) return undefined;
        }
        return cur;
      }
      case "VariableDeclarationStatement": {
        const decls = ((s.declarations as (AstNode | null)[] | undefined) ?? []).filter((d): d is AstNode => d !== null);
        const init = child(s, "initialValue");
        if (decls.length === 1 && isStorageLocal(decls[0]) && init) {
          this.pathKeys(init, st);
          this.bind(decls[0]!, init, st);
          return st;
        }
        this.expr(init, st);
        for (const d of decls) if (isStorageLocal(d)) st.set(d, { chain: undefined, deps: new Set(), rewritten: [] });
        return st;
      }
      case "ExpressionStatement":
        this.expr(child(s, "expression"), st);
        return stopsExecution(this.program, s) || failsAlways(this.program, s) ? undefined : st;
      case "EmitStatement":
        this.expr(child(s, "eventCall"), st);
        return st;
      case "Return":
        this.expr(child(s, "expression"), st);
        return undefined;
      case "RevertStatement":
      case "Throw":
        return undefined;
      case "InlineAssembly":
        return assemblyEnds(s) ? undefined : st;
      case "IfStatement": {
        this.expr(child(s, "condition"), st);
        const t = this.stmt(child(s, "trueBody"), clone(st), loop);
        const fb = child(s, "falseBody");
        const f = fb ? this.stmt(fb, clone(st), loop) : st;
        return merge(t, f);
      }
      case "WhileStatement":
      case "ForStatement":
      case "DoWhileStatement":
        return this.loop(s, st);
      case "TryStatement": {
        this.expr(child(s, "externalCall"), st);
        return mergeAll(list(s, "clauses").map((c) => this.stmt(child(c, "block"), clone(st), loop)));
      }
      case "Break":
        loop?.breaks.push(st);
        return undefined;
      case "Continue":
        loop?.continues.push(st);
        return undefined;
      default:
        return st;
    }
  }

  /** A loop runs zero, one or two rounds here: enough for a delete in one round to meet a read in the next. */
  private loop(s: AstNode, st: State): State | undefined {
    const doWhile = s.nodeType === "DoWhileStatement";
    let cur: State | undefined = st;
    if (s.nodeType === "ForStatement") cur = this.stmt(child(s, "initializationExpression"), cur);
    const exits: (State | undefined)[] = [];
    for (let round = 0; round < LOOP_ROUNDS && cur; round++) {
      if (!doWhile || round > 0) {
        this.expr(child(s, "condition"), cur);
        exits.push(clone(cur));
      }
      const ctx: LoopContext = { breaks: [], continues: [] };
      let after = this.stmt(child(s, "body"), clone(cur), ctx);
      after = mergeAll([after, ...ctx.continues]);
      exits.push(...ctx.breaks);
      if (after && s.nodeType === "ForStatement") {
        const post = child(s, "loopExpression");
        if (post) this.stmt(post, after);
      }
      cur = after;
    }
    if (cur) {
      this.expr(child(s, "condition"), cur);
      exits.push(cur);
    }
    return mergeAll(exits);
  }
}

// ---------------------------------------------------------------------------------------------- reporting

function oneLine(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

/** What a zeroed value of the read's type is, in words. */
function zeroOf(use: AstNode): string {
  const t = typeString(use) ?? "";
  if (/^address/.test(t) || /^contract /.test(t)) return "address(0)";
  if (t === "bool") return "false";
  if (/^(u?int|fixed|ufixed)\d*$/.test(t) || /^enum /.test(t)) return "0";
  if (/^bytes\d+$/.test(t)) return "zero bytes";
  if (/^(string|bytes) /.test(t)) return "an empty value";
  if (/^struct /.test(t)) return "an all-zero record";
  if (/\[\]/.test(t)) return "an empty array";
  return "zero";
}

/** A value type as it is declared (`address payable`, `uint256`, `IERC20`, `Status`), or undefined for reference types. */
function declarableType(t: string | undefined): string | undefined {
  if (!t) return undefined;
  if (/^(address( payable)?|bool|u?int\d*|bytes\d+)$/.test(t)) return t;
  const m = /^(contract|enum) (.+)$/.exec(t);
  return m ? m[2] : undefined;
}

function inEvent(program: Program, n: AstNode): boolean {
  return program.ancestor(n, "EmitStatement") !== undefined;
}

function report(ctx: DetectorContext, fn: AstNode, hits: Hit[]): void {
  const { program, file } = ctx;
  const first = hits[0]!;
  const name = str(first.ref, "name") ?? "the reference";
  const fnName = displayName(fn) ?? "function";
  const contract = program.contractOf(fn);
  const del = first.del;
  const removal = del.nodeType === "FunctionCall" || del.nodeType === "Assignment" || str(del, "operator") !== "delete";
  const delText = oneLine(program, del);
  const target = first.origin ? oneLine(program, first.origin) : undefined;
  const passedOn = first.use.nodeType === "Identifier";
  const shown = passedOn ? (program.ancestor(first.use, "FunctionCall", "ExpressionStatement", "VariableDeclarationStatement", "Return") ?? first.use) : first.use;
  const readText = oneLine(program, shown);
  const zero = passedOn ? "an all-zero record" : zeroOf(first.use);
  const eventsOnly = hits.every((h) => inEvent(program, h.use));
  const severity: Severity = eventsOnly ? "low" : "high";
  const what = passedOn ? `\`${name}\` is passed on (\`${readText}\`)` : `\`${readText}\` is read`;
  const effect =
    zero === "address(0)"
      ? "funds sent to it, or records made for it, go to nobody"
      : zero === "0"
        ? "an amount taken from it is 0 (nothing paid, nothing checked)"
        : "the code works with an emptied record";
  const typeName = child(first.ref, "typeName");
  const typeText = typeName ? program.text(typeName).replace(/\s+/g, " ") : "Record";
  const source = target ?? "entries[id]";
  const field = !passedOn && first.use.nodeType === "MemberAccess" ? str(first.use, "memberName") : undefined;
  const fieldType = declarableType(typeString(first.use));
  const delLine = program.line(del);
  const useLine = program.line(first.use);
  ctx.report({
    detector: "storage-ref-after-delete",
    category: "other",
    severity,
    confidence: "medium",
    lines: linesIn(program, file, [del, first.use]),
    contract: contract ? str(contract, "name") : undefined,
    function: fnName,
    message:
      `${fnName}() holds \`${name}\` as a storage reference${target ? ` to \`${target}\`` : ""}; ${removal ? `\`${delText}\` removes that element` : `\`${delText}\` clears what it points at`} ` +
      `(line ${delLine}) and afterwards ${what} (line ${useLine}). A storage reference is the slot, not a copy: after the ${removal ? "pop" : "delete"} it reads ${zero}` +
      `${eventsOnly ? " — here only an event gets it, so the log shows the wrong values" : `, so ${effect}`}.`,
    remediation:
      "Read what you need before deleting, or take a memory copy (a copy survives the delete):\n```solidity\n" +
      `${typeText} memory ${name} = ${source};   // a copy survives the delete\n` +
      `${delText};\n` +
      (field ? `… ${name}.${field} …                     // the value the entry held\n` : "") +
      "```\n" +
      (field && fieldType ? `or save the field first: \`${fieldType} ${field} = ${name}.${field};\` before the \`${removal ? "pop" : "delete"}\`. ` : "") +
      "If the function also writes through the reference on other paths, keep the `storage` reference for those writes and copy the values before the delete.",
    swc: [],
  });
}

export const storageRefAfterDelete: Detector = {
  id: "storage-ref-after-delete",
  category: "other",
  title: "A local storage reference read after its entry was deleted or popped (it now reads zeros: address(0), 0)",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    for (const fn of findAll(ctx.file.ast, "FunctionDefinition")) {
      const body = child(fn, "body");
      if (!body) continue;
      if (findAll(body, "UnaryOperation").every((u) => str(u, "operator") !== "delete" && str(u, "operator") !== "--") && !/\bpop\b|\.length\s*-=/.test(program.text(body))) continue;
      const walker = new LifetimeWalker(program, body);
      walker.stmt(body, new Map());
      const byRef = new Map<AstNode, Hit[]>();
      const seen = new Set<AstNode>();
      for (const h of walker.hits) {
        if (seen.has(h.use)) continue;
        seen.add(h.use);
        byRef.set(h.ref, [...(byRef.get(h.ref) ?? []), h]);
      }
      for (const hits of byRef.values()) report(ctx, fn, hits);
    }
  },
};

export const LIFETIME_DETECTORS: Detector[] = [storageRefAfterDelete];
