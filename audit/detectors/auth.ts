/**
 * Authorisation that does not hold what it promises: guards that try to admit only externally owned accounts,
 * selector checks at fixed calldata offsets (ABI smuggling), secrets kept in `private` storage, and flash-loan
 * callbacks that never ask who started the loan.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { yulArgs, yulCallName } from "../ast/yul";
import { walkFlowEvents } from "../ast/flow";
import { isAuthCondition } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  contractKind,
  functionKind,
  guardConditions,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isConversion,
  isEntryPoint,
  isHashCall,
  isInCondition,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  memberOf,
  modifierOf,
  parameters,
  stopsExecution,
  stripConversions,
  stripParens,
} from "../ast/semantics";
import { callablesOf, contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------

/** The Solidity declaration a Yul identifier of an inline-assembly block refers to (`x`, `x.offset`, `x.slot`). */
function yulDeclaration(program: Program, asm: AstNode, ident: AstNode | undefined): AstNode | undefined {
  if (ident?.nodeType !== "YulIdentifier") return undefined;
  const refs = ((asm.externalReferences as unknown[] | undefined) ?? []) as { declaration?: unknown; src?: unknown }[];
  const ref = refs.find((r) => r.src === ident.src);
  return typeof ref?.declaration === "number" ? program.byId(ref.declaration) : undefined;
}

/** The value of a Yul constant expression: a number literal, or add/sub/mul of constants. */
function yulConstant(n: AstNode | undefined): bigint | undefined {
  if (!n) return undefined;
  if (n.nodeType === "YulLiteral") {
    if (str(n, "kind") !== "number") return undefined;
    try {
      return BigInt(String(n.value ?? n.hexValue ?? ""));
    } catch {
      return undefined;
    }
  }
  const name = yulCallName(n);
  if (name === "add" || name === "sub" || name === "mul") {
    const [a, b] = yulArgs(n).map(yulConstant);
    if (a === undefined || b === undefined) return undefined;
    return name === "add" ? a + b : name === "sub" ? a - b : a * b;
  }
  return undefined;
}

/**
 * The value of a local variable that holds a compile-time constant and is never assigned again
 * (`uint256 calldataOffset = 4 + 32 * 3;` — solc types the initializer `int_const 100`).
 */
function constantLocal(program: Program, decl: AstNode | undefined): bigint | undefined {
  if (decl?.nodeType !== "VariableDeclaration" || decl.stateVariable === true) return undefined;
  const fn = program.callableOf(decl);
  const body = fn ? child(fn, "body") : undefined;
  if (!body) return undefined;
  const stmt = program.parent(decl);
  const init = stmt?.nodeType === "VariableDeclarationStatement" && list(stmt, "declarations").length === 1 ? child(stmt, "initialValue") : undefined;
  const m = /^int_const (\d+)$/.exec(typeString(init) ?? "");
  if (!m) return undefined;
  if (findAll(body, "Assignment").some((a) => program.declOf(child(a, "leftHandSide")) === decl)) return undefined;
  return BigInt(m[1]!);
}

/** The inline-assembly blocks under a node that carry a Yul tree (0.6.0 and later). */
function assemblyBlocks(root: AstNode | undefined): AstNode[] {
  return root ? findAll(root, "InlineAssembly").filter((a) => a.AST !== undefined) : [];
}

function literalNumber(node: AstNode | undefined): bigint | undefined {
  const n = stripConversions(node);
  if (n?.nodeType !== "Literal" || str(n, "kind") !== "number") return undefined;
  try {
    return BigInt(String(n.value ?? "").replace(/_/g, ""));
  } catch {
    return undefined;
  }
}

function literalBool(node: AstNode | undefined): boolean | undefined {
  const n = stripParens(node);
  if (n?.nodeType !== "Literal" || str(n, "kind") !== "bool") return undefined;
  return n.value === "true";
}

/** Whether a Yul block ends the call (revert, return, stop, invalid). */
function yulStops(block: AstNode | undefined): boolean {
  if (!block) return false;
  return findAll(block, "YulFunctionCall").some((c) => ["revert", "return", "stop", "invalid"].includes(yulCallName(c) ?? ""));
}

/** The functions and modifiers a function runs: itself, its modifiers, internal callees (bounded). */
function reachable(program: Program, fn: AstNode, context: AstNode, maxDepth = 3): AstNode[] {
  const out: AstNode[] = [];
  const seen = new Set<AstNode>();
  const visit = (c: AstNode, depth: number): void => {
    if (seen.has(c) || depth > maxDepth) return;
    seen.add(c);
    out.push(c);
    for (const inv of list(c, "modifiers")) {
      const m = modifierOf(program, inv, context);
      if (m && child(m, "body")) visit(m, depth + 1);
    }
    const body = child(c, "body");
    if (!body) return;
    for (const call of findAll(body, "FunctionCall")) {
      const callee = internalCallee(program, call, context);
      if (callee && child(callee, "body")) visit(callee, depth + 1);
    }
  };
  visit(fn, 0);
  return out;
}

/** The type of a declaration as solc prints it, or its source text when the AST is untyped (parse-tree fallback). */
function typeOf(program: Program, decl: AstNode | undefined): string {
  if (!decl) return "";
  const t = typeString(decl);
  if (t !== undefined) return t;
  const tn = child(decl, "typeName");
  return tn ? program.text(tn).replace(/\s+/g, " ").replace(/\s*=>\s*/g, " => ").replace(/\(\s+/g, "(") : "";
}

function listNames(names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? "";
  return `${unique.slice(0, -1).join(", ")} and ${unique[unique.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------------------------
// eoa-check
// ---------------------------------------------------------------------------------------------------------------

/**
 * What an expression says about an account's code: its size, or a boolean "has code" (or "has no code"), learnt
 * from the code itself (`via: "code"`) or from comparing the account with `tx.origin` (`via: "origin"`).
 */
type CodeFact = { kind: "size" } | { kind: "bool"; hasCode: boolean; via: "code" | "origin" };

const SIZE: CodeFact = { kind: "size" };
const HAS_CODE: CodeFact = { kind: "bool", hasCode: true, via: "code" };
const NO_CODE: CodeFact = { kind: "bool", hasCode: false, via: "code" };
const IS_ORIGIN: CodeFact = { kind: "bool", hasCode: false, via: "origin" };
const NOT_ORIGIN: CodeFact = { kind: "bool", hasCode: true, via: "origin" };

function negate(f: CodeFact | undefined): CodeFact | undefined {
  if (!f) return undefined;
  if (f.kind === "size") return NO_CODE; // !size is not Solidity, but iszero(size) is Yul
  return { kind: "bool", hasCode: !f.hasCode, via: f.via };
}

/** Whose code is asked about: the caller (msg.sender, tx.origin, caller()) and/or some parameters of a helper. */
interface Subject {
  caller: boolean;
  decls: Set<AstNode>;
}

/** A require/if (or assembly `if`) that lets only callers without code through, and how it tells. */
interface GuardSite {
  node: AstNode;
  via: "code" | "origin";
  /** The check reverts for accounts with code (require, `if (…) revert`), rather than only choosing a branch. */
  stops?: boolean;
}

const IS_CONTRACT_NAME = /^_?(isContract|isSmartContract|hasCode|isCA)$/;
const IS_EOA_NAME = /^_?(isEOA|isEoa|isExternallyOwned|isExternallyOwnedAccount)$/;

class CodeChecks {
  private readonly summaries = new Map<AstNode, Map<number, CodeFact>>();

  constructor(
    private readonly program: Program,
    private readonly context: AstNode | undefined,
  ) {}

  private isOrigin(n: AstNode | undefined): boolean {
    return memberOf(this.program, stripConversions(n), "tx", "origin");
  }

  private subjectDecl(d: AstNode | undefined, s: Subject): boolean {
    if (!d) return false;
    if (s.decls.has(d)) return true;
    if (!s.caller || d.nodeType !== "VariableDeclaration" || isStateVariable(d)) return false;
    const init = initialValueOf(this.program, d);
    return init !== undefined && isSenderLike(this.program, init);
  }

  isSubject(e: AstNode | undefined, s: Subject): boolean {
    const n = stripConversions(e);
    if (!n) return false;
    if (s.caller && isSenderLike(this.program, n)) return true;
    return n.nodeType === "Identifier" && this.subjectDecl(this.program.declOf(n), s);
  }

  /** What a Solidity expression says about the subject's code. */
  fact(e: AstNode | undefined, s: Subject, env: Map<AstNode, CodeFact>, depth = 0): CodeFact | undefined {
    const n = stripParens(e);
    if (!n || depth > 8) return undefined;
    const p = this.program;
    switch (n.nodeType) {
      case "Identifier": {
        const d = p.declOf(n);
        return d ? env.get(d) : undefined;
      }
      case "MemberAccess": {
        if (str(n, "memberName") !== "length") return undefined;
        const base = stripParens(child(n, "expression"));
        if (base?.nodeType === "MemberAccess" && str(base, "memberName") === "code" && this.isSubject(child(base, "expression"), s)) return SIZE;
        return undefined;
      }
      case "UnaryOperation":
        return str(n, "operator") === "!" ? negate(this.fact(child(n, "subExpression"), s, env, depth + 1)) : undefined;
      case "BinaryOperation": {
        const op = str(n, "operator") ?? "";
        const l = child(n, "leftExpression");
        const r = child(n, "rightExpression");
        if (op === "&&" || op === "||") return this.fact(l, s, env, depth + 1) ?? this.fact(r, s, env, depth + 1);
        if (op === "==" || op === "!=") {
          // tx.origin == msg.sender: the caller is the transaction's signer
          const originPair = (a: AstNode | undefined, b: AstNode | undefined): boolean => this.isOrigin(a) && !this.isOrigin(b) && this.isSubject(b, s);
          if (originPair(l, r) || originPair(r, l)) return op === "==" ? IS_ORIGIN : NOT_ORIGIN;
        }
        const fl = this.fact(l, s, env, depth + 1);
        const fr = this.fact(r, s, env, depth + 1);
        const f = fl ?? fr;
        if (!f) return undefined;
        const other = fl ? r : l;
        if (f.kind === "bool") {
          const b = literalBool(other);
          if (b === undefined || (op !== "==" && op !== "!=")) return undefined;
          return b === (op === "==") ? f : negate(f);
        }
        const k = literalNumber(other);
        if (k === undefined) return undefined;
        // normalise to `size OP k`
        const flip: Record<string, string> = { "<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!=" };
        const o = fl ? op : flip[op];
        if (k === 0n) {
          if (o === "==" || o === "<=") return NO_CODE;
          if (o === "!=" || o === ">") return HAS_CODE;
        } else if (k === 1n) {
          if (o === "<") return NO_CODE;
          if (o === ">=") return HAS_CODE;
        }
        return undefined;
      }
      case "FunctionCall": {
        if (isConversion(n)) return this.fact(list(n, "arguments")[0], s, env, depth + 1);
        return this.callFact(n, s, depth);
      }
      default:
        return undefined;
    }
  }

  /** isContract(x), x.isContract(), _isEOA(): a helper's answer about the subject. */
  private callFact(call: AstNode, s: Subject, depth: number): CodeFact | undefined {
    const p = this.program;
    const calleeExpr = child(call, "expression");
    let args = list(call, "arguments");
    const fn = internalCallee(p, call, this.context);
    if (calleeExpr?.nodeType === "MemberAccess" && fn && contractKind(p.contractOf(fn) ?? fn) === "library") {
      const base = child(calleeExpr, "expression");
      const bt = typeString(base) ?? "";
      if (base && !bt.startsWith("type(") && !(base.nodeType === "Identifier" && p.declOf(base)?.nodeType === "ContractDefinition")) args = [base, ...args];
    }
    if (fn && child(fn, "body") && depth < 4) {
      for (const [i, f] of this.summary(fn, depth + 1)) {
        if (i < 0 ? s.caller : this.isSubject(args[i], s)) return f;
      }
      return undefined;
    }
    const name = calleeExpr ? (str(calleeExpr, "name") ?? str(calleeExpr, "memberName") ?? "") : "";
    if (args.length === 1 && this.isSubject(args[0], s)) {
      if (IS_CONTRACT_NAME.test(name)) return HAS_CODE;
      if (IS_EOA_NAME.test(name)) return NO_CODE;
    }
    return undefined;
  }

  /** What a helper returns about the code of its caller (-1) or of each address parameter (its index). */
  summary(fn: AstNode, depth = 0): Map<number, CodeFact> {
    const cached = this.summaries.get(fn);
    if (cached) return cached;
    const out = new Map<number, CodeFact>();
    this.summaries.set(fn, out);
    const returns = list(child(fn, "returnParameters"), "parameters");
    const body = child(fn, "body");
    if (!body || returns.length !== 1 || !/^(bool|uint\d*)$/.test(typeOf(this.program, returns[0]))) return out;
    const params = parameters(fn);
    const subjects: [number, Subject][] = [[-1, { caller: true, decls: new Set() }]];
    params.forEach((q, i) => {
      if (typeOf(this.program, q).startsWith("address")) subjects.push([i, { caller: false, decls: new Set([q]) }]);
    });
    for (const [i, s] of subjects) {
      const env = this.environment(body, s, depth);
      let f: CodeFact | undefined;
      for (const ret of findAll(body, "Return")) {
        f = this.fact(child(ret, "expression"), s, env, depth);
        if (f) break;
      }
      f ??= env.get(returns[0]!);
      if (f) out.set(i, f);
    }
    return out;
  }

  /** Locals (and named return variables) holding a fact about the subject's code, in source order. */
  environment(body: AstNode, s: Subject, depth = 0, sites?: GuardSite[]): Map<AstNode, CodeFact> {
    const env = new Map<AstNode, CodeFact>();
    walk(body, (n) => {
      if (n.nodeType === "VariableDeclarationStatement") {
        const decls = (n.declarations as (AstNode | null)[] | undefined) ?? [];
        const init = child(n, "initialValue");
        if (decls.length === 1 && decls[0] && init) {
          const f = this.fact(init, s, env, depth);
          if (f) env.set(decls[0], f);
        }
      } else if (n.nodeType === "Assignment" && str(n, "operator") === "=") {
        const lhs = stripParens(child(n, "leftHandSide"));
        const d = lhs?.nodeType === "Identifier" ? this.program.declOf(lhs) : undefined;
        const f = d && !isStateVariable(d) ? this.fact(child(n, "rightHandSide"), s, env, depth) : undefined;
        if (d && f) env.set(d, f);
      } else if (n.nodeType === "InlineAssembly") {
        if (n.AST !== undefined) this.yul(n, s, env, sites);
        else this.legacyYul(n, s, env);
        return false;
      }
      return undefined;
    });
    return env;
  }

  /** Assembly kept as text (before 0.6): `size := extcodesize(account)` / `extcodesize(caller)`. */
  private legacyYul(asm: AstNode, s: Subject, env: Map<AstNode, CodeFact>): void {
    const callable = this.program.callableOf(asm);
    if (!callable) return;
    const byName = new Map<string, AstNode>();
    for (const d of [...parameters(callable), ...list(child(callable, "returnParameters"), "parameters"), ...findAll(child(callable, "body") ?? callable, "VariableDeclaration")]) {
      const name = str(d, "name");
      if (name) byName.set(name, d);
    }
    const text = typeof asm.operations === "string" ? asm.operations : this.program.text(asm);
    for (const m of text.matchAll(/([A-Za-z_$][\w$]*)\s*:=\s*extcodesize\(\s*([A-Za-z_$][\w$]*)\s*(\(\s*\))?\s*\)/g)) {
      const arg = m[2]!;
      const subject = arg === "caller" || arg === "origin" ? s.caller : this.subjectDecl(byName.get(arg), s);
      const target = byName.get(m[1]!);
      if (subject && target) env.set(target, SIZE);
    }
  }

  /** Follows an assembly block: extcodesize of the subject into Yul and Solidity variables; `if` guards into `sites`. */
  private yul(asm: AstNode, s: Subject, env: Map<AstNode, CodeFact>, sites?: GuardSite[]): void {
    const yenv = new Map<string, CodeFact>();
    const isSubject = (y: AstNode | undefined): boolean => {
      const name = yulCallName(y);
      if (name === "caller" || name === "origin") return s.caller;
      return this.subjectDecl(yulDeclaration(this.program, asm, y), s);
    };
    const fact = (y: AstNode | undefined, depth = 0): CodeFact | undefined => {
      if (!y || depth > 8) return undefined;
      if (y.nodeType === "YulIdentifier") {
        const d = yulDeclaration(this.program, asm, y);
        return d ? env.get(d) : yenv.get(str(y, "name") ?? "");
      }
      const name = yulCallName(y);
      if (!name) return undefined;
      const [a, b] = yulArgs(y);
      switch (name) {
        case "extcodesize":
          return isSubject(a) ? SIZE : undefined;
        case "iszero":
          return negate(fact(a, depth + 1));
        case "gt":
        case "lt": {
          const size = name === "gt" ? a : b;
          const other = name === "gt" ? b : a;
          return fact(size, depth + 1)?.kind === "size" && yulConstant(other) === 0n ? HAS_CODE : undefined;
        }
        case "eq": {
          if ((yulCallName(a) === "origin" && isSubject(b) && yulCallName(b) !== "origin") || (yulCallName(b) === "origin" && isSubject(a) && yulCallName(a) !== "origin")) {
            return IS_ORIGIN;
          }
          const fa = fact(a, depth + 1);
          const fb = fact(b, depth + 1);
          const f = fa ?? fb;
          if (f?.kind === "size" && yulConstant(fa ? b : a) === 0n) return NO_CODE;
          return undefined;
        }
        case "and":
        case "or":
          return fact(a, depth + 1) ?? fact(b, depth + 1);
        default:
          return undefined;
      }
    };
    walk(asm.AST as AstNode, (y) => {
      if (y.nodeType === "YulVariableDeclaration") {
        const vars = list(y, "variables");
        const f = fact(child(y, "value"));
        if (vars.length === 1 && f) yenv.set(str(vars[0]!, "name") ?? "", f);
      } else if (y.nodeType === "YulAssignment") {
        const names = list(y, "variableNames");
        const f = fact(child(y, "value"));
        if (names.length === 1 && f) {
          const d = yulDeclaration(this.program, asm, names[0]);
          if (d) env.set(d, f);
          else yenv.set(str(names[0]!, "name") ?? "", f);
        }
      } else if (y.nodeType === "YulIf" && sites) {
        const f = fact(child(y, "condition"));
        const truthy = f?.kind === "size" ? HAS_CODE : f;
        if (truthy?.kind === "bool" && truthy.hasCode && yulStops(child(y, "body"))) sites.push({ node: y, via: truthy.via, stops: true });
      }
      return undefined;
    });
  }

  /** The require/if guards of a callable that let only accounts without code through. */
  guards(callable: AstNode, s: Subject = { caller: true, decls: new Set() }): GuardSite[] {
    const body = child(callable, "body");
    if (!body) return [];
    const sites: GuardSite[] = [];
    const env = this.environment(body, s, 0, sites);
    const p = this.program;
    walk(body, (n) => {
      if (n.nodeType === "InlineAssembly") return false;
      if (n.nodeType === "FunctionCall") {
        const name = builtinCallName(p, n);
        if (name === "require" || name === "assert") {
          const f = this.fact(list(n, "arguments")[0], s, env);
          if (f?.kind === "bool" && !f.hasCode) sites.push({ node: n, via: f.via, stops: true });
        }
      } else if (n.nodeType === "IfStatement") {
        const f = this.fact(child(n, "condition"), s, env);
        if (f?.kind === "bool") {
          const trueStops = stopsExecution(p, child(n, "trueBody"));
          const falseStops = stopsExecution(p, child(n, "falseBody"));
          // if (isContract(msg.sender)) revert(); if (!isContract(msg.sender)) { <only for EOAs> }
          const stops = (f.hasCode && trueStops) || (!f.hasCode && falseStops);
          if (stops || (!f.hasCode && !trueStops)) sites.push({ node: n, via: f.via, stops });
        }
      }
      return undefined;
    });
    return sites;
  }
}

/**
 * A check that reverts for an address with code and admits nothing else in its place: a `require`/`assert`, or an
 * `if` with a revert, whose condition has no `||` alternative (`to.code.length == 0 || onReceived(…) == selector`
 * accepts contracts that answer) — not a branch that returns either way (a signature checked by ecrecover or ERC-1271).
 */
function rejectsOutright(program: Program, site: AstNode): boolean {
  const cond = site.nodeType === "IfStatement" ? child(site, "condition") : site.nodeType === "FunctionCall" ? list(site, "arguments")[0] : undefined;
  if (!cond) return false;
  if ([cond, ...findAll(cond, "BinaryOperation")].some((b) => b.nodeType === "BinaryOperation" && str(b, "operator") === "||")) return false;
  if (site.nodeType === "FunctionCall") return true;
  const reverts = (branch: AstNode | undefined): boolean =>
    branch !== undefined &&
    (branch.nodeType === "RevertStatement" ||
      findAll(branch, "RevertStatement").length > 0 ||
      [branch, ...findAll(branch, "FunctionCall")].some((c) => c.nodeType === "FunctionCall" && ["revert", "require"].includes(builtinCallName(program, c) ?? "")));
  return reverts(child(site, "trueBody")) || reverts(child(site, "falseBody"));
}

export const eoaCheck: Detector = {
  id: "eoa-check",
  category: "access_control",
  title: "Guard meant to admit only externally owned accounts (`tx.origin == msg.sender`, `extcodesize`/`code.length == 0`, `isContract`)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      const checks = new CodeChecks(program, contract);
      const sites: (GuardSite & { callable: AstNode; param?: boolean })[] = [];
      for (const callable of callablesOf(contract)) {
        const kind = functionKind(callable);
        if (kind === "constructor") continue;
        // an external view reporting "is an EOA" gates nothing
        if (callable.nodeType === "FunctionDefinition" && isEntryPoint(callable) && isReadOnly(callable)) continue;
        for (const site of checks.guards(callable)) sites.push({ ...site, callable });
        // an address the caller names, required to have no code ("only EOA"): a CREATE2 address that is still empty
        // passes, and its contract is deployed afterwards
        const addressParams = parameters(callable).filter((d) => (typeString(d) ?? "").startsWith("address"));
        if (addressParams.length > 0 && kind !== "modifier") {
          for (const site of checks.guards(callable, { caller: false, decls: new Set(addressParams) })) {
            // only a check that rejects: `if (to.code.length == 0) { … } else { onReceived(…) }` merely dispatches
            if (site.via === "code" && site.stops && rejectsOutright(program, site.node)) sites.push({ ...site, callable, param: true });
          }
        }
      }
      const lines = linesIn(program, file, sites.map((x) => x.node));
      if (lines.length === 0) continue;
      const where = listNames(sites.map((x) => (x.callable.nodeType === "ModifierDefinition" ? `modifier ${displayName(x.callable)}` : `${displayName(x.callable)}()`)));
      const how = [
        sites.some((x) => x.via === "origin") ? "`tx.origin == msg.sender`" : "",
        sites.some((x) => x.via === "code" && !x.param) ? "the caller having no code (`extcodesize`, `code.length == 0`, `isContract`)" : "",
        sites.some((x) => x.param) ? "an address argument having no code (a precomputed CREATE2 address has none until its contract is deployed there)" : "",
      ].filter((x) => x !== "");
      ctx.report({
        detector: "eoa-check",
        category: "access_control",
        // A code check keeps out no contract (a constructor has no code yet): medium. `tx.origin == msg.sender` still
        // keeps out every contract account; only an EOA delegating to code (EIP-7702) passes it: low.
        severity: sites.some((x) => x.via === "code") ? "medium" : "low",
        confidence: "high",
        lines,
        contract: str(contract, "name"),
        function: displayName(sites[0]!.callable),
        message:
          `${str(contract, "name")} tries to admit only externally owned accounts in ${where}, by requiring ${how.join(" or ")}. ` +
          (sites.some((x) => x.via === "code")
            ? "This keeps no contract out: a contract calling from its constructor has no code yet, and since EIP-7702 an EOA can delegate to code and run arbitrary logic "
            : "This does not keep code out: since EIP-7702 an EOA can delegate to code and run arbitrary logic (reentrancy included) ") +
          "while `tx.origin == msg.sender` holds. Whatever the check is meant to prevent (reentrancy, flash-loan or bot abuse, several entries in one transaction) stays possible, " +
          "and smart-contract wallets (multisigs, ERC-4337 accounts) are locked out.",
        remediation:
          "Do not rely on the caller being an EOA; design for contract callers. Protect state with a reentrancy guard and checks-effects-interactions, " +
          "limit per-address or per-block actions explicitly, and pay out by pull payments:\n" +
          "```solidity\nimport {ReentrancyGuard} from \"@openzeppelin/contracts/utils/ReentrancyGuard.sol\";\n" +
          "function enter() external nonReentrant {\n    require(tickets[msg.sender] < MAX_TICKETS, \"max tickets\");\n    tickets[msg.sender] += 1;\n}\n```\n" +
          "If bots are the concern, use commit-reveal, signatures from an allow-list signer, or rate limits instead of `tx.origin`/`extcodesize`.",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// calldata-offset-check
// ---------------------------------------------------------------------------------------------------------------

interface AbiHead {
  dynamic: boolean;
  /** Bytes the value takes in the head of the encoding. */
  size: number;
}

/** How an ABI parameter is encoded in the head: dynamic (one offset word) or static of some size. */
function abiHead(program: Program, typeName: AstNode | undefined, depth = 0): AbiHead {
  if (!typeName || depth > 6) return { dynamic: false, size: 32 };
  switch (typeName.nodeType) {
    case "ElementaryTypeName": {
      const name = str(typeName, "name") ?? typeString(typeName) ?? "";
      return { dynamic: name === "bytes" || name === "string", size: 32 };
    }
    case "ArrayTypeName": {
      const base = abiHead(program, child(typeName, "baseType"), depth + 1);
      const length = literalNumber(child(typeName, "length"));
      if (length === undefined || base.dynamic) return { dynamic: true, size: 32 };
      return { dynamic: false, size: Number(length) * base.size };
    }
    case "UserDefinedTypeName": {
      const d = program.declOf(typeName) ?? program.declOf(child(typeName, "pathNode"));
      if (d?.nodeType !== "StructDefinition") return { dynamic: false, size: 32 };
      let size = 0;
      for (const m of list(d, "members")) {
        const h = abiHead(program, child(m, "typeName"), depth + 1);
        if (h.dynamic) return { dynamic: true, size: 32 };
        size += h.size;
      }
      return { dynamic: false, size };
    }
    default:
      return { dynamic: false, size: 32 };
  }
}

/** Whether a value read from calldata in assembly decides a require/if/revert or indexes a mapping. */
function feedsCheck(program: Program, asm: AstNode, read: AstNode, scanned: AstNode[]): boolean {
  const yulTainted = new Set<string>();
  const memTainted = new Set<bigint>();
  const decls = new Set<AstNode>();
  const taintTarget = (dst: AstNode | undefined): void => {
    if (!dst) return;
    const k = yulConstant(dst);
    if (k !== undefined) memTainted.add(k);
    for (const id of findAll(dst, "YulIdentifier")) {
      const d = yulDeclaration(program, asm, id);
      if (d) decls.add(d);
      else yulTainted.add(str(id, "name") ?? "");
    }
  };
  const tainted = (y: AstNode | undefined): boolean => {
    if (!y) return false;
    let found = false;
    walk(y, (n) => {
      if (found) return false;
      if (n === read) found = true;
      else if (n.nodeType === "YulIdentifier") {
        const d = yulDeclaration(program, asm, n);
        if (d ? decls.has(d) : yulTainted.has(str(n, "name") ?? "")) found = true;
      } else if (yulCallName(n) === "mload") {
        const k = yulConstant(yulArgs(n)[0]);
        if (k !== undefined && memTainted.has(k)) found = true;
      }
      return undefined;
    });
    return found;
  };
  if (yulCallName(read) === "calldatacopy") taintTarget(yulArgs(read)[0]);
  let checkedInYul = false;
  for (let pass = 0; pass < 2 && !checkedInYul; pass++) {
    walk(asm.AST as AstNode, (y) => {
      if (checkedInYul) return false;
      if (y.nodeType === "YulIf" || y.nodeType === "YulSwitch") {
        if (tainted(child(y, y.nodeType === "YulIf" ? "condition" : "expression"))) checkedInYul = true;
      } else if (y.nodeType === "YulAssignment" || y.nodeType === "YulVariableDeclaration") {
        if (tainted(child(y, "value"))) {
          for (const v of list(y, y.nodeType === "YulAssignment" ? "variableNames" : "variables")) {
            const d = y.nodeType === "YulAssignment" ? yulDeclaration(program, asm, v) : undefined;
            if (d) decls.add(d);
            else yulTainted.add(str(v, "name") ?? "");
          }
        }
      } else if (yulCallName(y) === "mstore" && tainted(yulArgs(y)[1])) {
        taintTarget(yulArgs(y)[0]);
      }
      return undefined;
    });
  }
  if (checkedInYul) return true;
  // In Solidity: the variables it landed in, through locals, returns and call sites.
  const callable = program.callableOf(asm);
  if (!callable) return false;
  const returns = new Set(list(child(callable, "returnParameters"), "parameters"));
  for (const d of decls) {
    if (returns.has(d) && callSites(program, callable, scanned).some((c) => usedInCheck(program, c, scanned, 1))) return true;
    if (refsIn(program, child(callable, "body"), d).some((r) => usedInCheck(program, r, scanned, 0))) return true;
  }
  return false;
}

/** Whether a value decides a require/assert/if (same statement) or indexes a mapping, through locals, returns and call sites. */
function usedInCheck(program: Program, expr: AstNode, scanned: AstNode[], depth: number): boolean {
  if (depth > 3) return false;
  if (isInCondition(program, expr)) return true;
  let cur = expr;
  for (let i = 0; i < 8; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    if (p.nodeType === "IndexAccess" && child(p, "indexExpression") === cur) return true;
    if (p.nodeType === "VariableDeclarationStatement") {
      const ds = ((p.declarations as (AstNode | null)[] | undefined) ?? []).filter((d): d is AstNode => d !== null);
      return ds.some((d) => refsIn(program, child(program.callableOf(p) ?? p, "body"), d).some((r) => usedInCheck(program, r, scanned, depth + 1)));
    }
    if (p.nodeType === "Return") return callSites(program, program.callableOf(p), scanned).some((c) => usedInCheck(program, c, scanned, depth + 1));
    if (p.nodeType.endsWith("Statement") || p.nodeType === "Block") return false;
    cur = p;
  }
  return false;
}

/** `msg.data[68:72]`, `msg.data[68]`: the start of a constant-offset read of the raw calldata in Solidity. */
function msgDataOffset(program: Program, n: AstNode): bigint | undefined {
  if (n.nodeType !== "IndexRangeAccess" && n.nodeType !== "IndexAccess") return undefined;
  if (!memberOf(program, stripParens(child(n, "baseExpression")), "msg", "data")) return undefined;
  return literalNumber(child(n, n.nodeType === "IndexRangeAccess" ? "startExpression" : "indexExpression"));
}

function refsIn(program: Program, root: AstNode | undefined, decl: AstNode): AstNode[] {
  return root ? findAll(root, "Identifier").filter((n) => program.declOf(n) === decl) : [];
}

function callSites(program: Program, callee: AstNode | undefined, scanned: AstNode[]): AstNode[] {
  if (!callee) return [];
  const out: AstNode[] = [];
  for (const c of scanned) {
    const body = child(c, "body");
    if (!body) continue;
    for (const call of findAll(body, "FunctionCall")) if (internalCallee(program, call, program.contractOf(c)) === callee) out.push(call);
  }
  return out;
}

export const calldataOffsetCheck: Detector = {
  id: "calldata-offset-check",
  category: "access_control",
  title: "Selector or authorization check on calldata at a fixed offset in a function taking a dynamic argument (ABI smuggling)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) === "library") continue;
      const sites = new Map<AstNode, { fn: AstNode; callable: AstNode; offset: bigint; param: AstNode }>();
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn)) continue;
        const params = parameters(fn);
        const heads = params.map((q) => abiHead(program, child(q, "typeName")));
        const dynamicIndex = heads.findIndex((h) => h.dynamic);
        if (dynamicIndex < 0) continue;
        const headEnd = 4 + heads.reduce((n, h) => n + h.size, 0);
        const scanned = reachable(program, fn, contract);
        for (const callable of scanned) {
          const body = child(callable, "body");
          if (body) {
            walk(body, (n) => {
              const offset = msgDataOffset(program, n);
              if (offset === undefined || offset < BigInt(headEnd) || sites.has(n)) return undefined;
              if (usedInCheck(program, n, scanned, 0)) sites.set(n, { fn, callable, offset, param: params[dynamicIndex]! });
              return undefined;
            });
          }
          for (const asm of assemblyBlocks(body)) {
            walk(asm.AST as AstNode, (y) => {
              const name = yulCallName(y);
              if (name !== "calldataload" && name !== "calldatacopy") return undefined;
              const arg = yulArgs(y)[name === "calldataload" ? 0 : 1];
              const offset = yulConstant(arg) ?? constantLocal(program, yulDeclaration(program, asm, arg));
              if (offset === undefined || offset < BigInt(headEnd) || sites.has(y)) return undefined;
              if (feedsCheck(program, asm, y, scanned)) sites.set(y, { fn, callable, offset, param: params[dynamicIndex]! });
              return undefined;
            });
          }
        }
      }
      if (sites.size === 0) continue;
      const all = [...sites.entries()];
      const lines = linesIn(program, file, all.map(([y]) => y));
      const [firstNode, first] = all[0]!;
      const finalLines = lines.length > 0 ? lines : linesIn(program, file, [first.fn]);
      const paramName = str(first.param, "name") || "its dynamic argument";
      const where = first.callable === first.fn ? `${displayName(first.fn)}()` : `${first.callable.nodeType === "ModifierDefinition" ? "modifier " : ""}${displayName(first.callable)} (run by ${displayName(first.fn)}())`;
      ctx.report({
        detector: "calldata-offset-check",
        category: "access_control",
        severity: "high",
        confidence: "medium",
        lines: finalLines,
        contract: str(contract, "name"),
        function: displayName(first.fn),
        message:
          `${where} checks bytes read from calldata at the fixed offset ${first.offset} (\`${program.text(firstNode).replace(/\s+/g, " ")}\`)` +
          `${all.length > 1 ? ` (and ${all.length - 1} more such check${all.length > 2 ? "s" : ""})` : ""}, ` +
          `assuming \`${paramName}\` sits where a canonical encoding would put it. The ABI offset of a dynamic argument (bytes, string, arrays) is the caller's to choose: ` +
          "an attacker places the allowed selector at the checked offset and points the argument elsewhere, so the bytes checked are not the bytes used (ABI smuggling) " +
          "and any function can be reached through the check.",
        remediation:
          "Check the decoded argument itself, never a fixed calldata position:\n" +
          "```solidity\nfunction flipSwitch(bytes calldata data) external {\n    require(data.length >= 4 && bytes4(data[:4]) == OFF_SELECTOR, \"not allowed\");\n" +
          "    (bool ok, ) = address(this).call(data);\n    require(ok);\n}\n```\n" +
          "In assembly, read through the argument's own offset (`calldataload(data.offset)`), or reject non-canonical encodings (`require(data.offset == <expected>)`).",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// private-data-on-chain
// ---------------------------------------------------------------------------------------------------------------

const SECRET_WORDS = new Set(["password", "passwd", "pwd", "passcode", "secret", "pin", "passphrase", "key", "seed", "mnemonic", "privkey"]);
/** Words that make a secret-sounding name a hash, a public value, a counter or an address book. */
const NOT_SECRET_WORDS = new Set([
  "hash", "hashed", "hashes", "commit", "commitment", "commitments", "digest", "public", "pub", "root", "id", "ids", "index", "idx",
  "count", "counter", "length", "len", "slot", "type", "typehash", "manager", "registry", "holder", "owner", "nonce", "nonces", "version",
  "expiry", "expiration", "deadline", "address", "addr", "location", "storage", "prefix", "encrypted", "enc", "cipher", "used", "salt",
  "signer", "verifier", "set", "list", "map", "to", "timestamp", "time", "block",
]);
/** Names of values a function may well compare with an argument: counters, versions, states. */
const NOT_SECRET_VALUE = new Set([
  ...NOT_SECRET_WORDS, "epoch", "round", "total", "supply", "chain", "chainid", "height", "status", "state", "phase", "stage", "step", "mode",
  "selector", "decimals", "fee", "fees", "price", "rate", "amount", "balance", "balances", "limit", "cap", "threshold", "period", "duration",
  "start", "end", "level", "generation", "seq", "sequence", "batch", "day", "week", "month", "year", "session", "size", "interface", "kind",
  "flag", "flags", "config", "data", "value", "max", "min", "last", "next", "current", "id", "uid", "token", "tokens",
]);

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * Whether a variable is named like a secret. `keys` (an iterable map's key list) is no secret, nor is a constant
 * `…_KEY` (a registry or storage key such as `bytes32 constant KEY_ORACLE = "oracle"`).
 */
function isSecretName(name: string, constant: boolean): boolean {
  const words = nameWords(name);
  const secret = words.some((w) => {
    if (w === "key" || w === "privkey") return !constant;
    return SECRET_WORDS.has(w) || (w.endsWith("s") && w !== "keys" && SECRET_WORDS.has(w.slice(0, -1)));
  });
  return secret && !words.some((w) => NOT_SECRET_WORDS.has(w));
}

/** A type that can hold a secret value: bytesN, bytes, string, integers, or mappings/arrays of them. */
function holdsSecretValue(t: string): boolean {
  let s = t.trim();
  for (let i = 0; i < 4; i++) {
    const m = /^mapping\(.*? => (.*)\)$/.exec(s);
    if (!m) break;
    s = m[1]!.trim();
  }
  s = s.replace(/(\[\d*\])+( storage ref| memory| calldata)?$/, "").replace(/ (storage ref|storage pointer|memory|calldata)$/, "");
  return /^(bytes\d*|string|u?int\d*)$/.test(s);
}

interface WriteIndex {
  writes: Map<AstNode, AstNode[]>;
  /** State variables changed by arithmetic: `x++`, `x += 1` (counters). */
  counters: Set<AstNode>;
}

const writeIndexCache = new WeakMap<Program, WriteIndex>();

function writeIndex(program: Program): WriteIndex {
  let idx = writeIndexCache.get(program);
  if (idx) return idx;
  idx = { writes: new Map(), counters: new Set() };
  for (const f of program.files) {
    walk(f.ast, (n) => {
      let lhs: AstNode | undefined;
      let arithmetic = false;
      if (n.nodeType === "Assignment") {
        lhs = child(n, "leftHandSide");
        arithmetic = str(n, "operator") !== "=";
      } else if (n.nodeType === "UnaryOperation" && (str(n, "operator") === "++" || str(n, "operator") === "--")) {
        lhs = child(n, "subExpression");
        arithmetic = true;
      } else if (n.nodeType === "InlineAssembly") {
        return false;
      }
      const d = lhs ? baseDeclaration(program, lhs) : undefined;
      if (d && isStateVariable(d)) {
        idx!.writes.set(d, [...(idx!.writes.get(d) ?? []), n]);
        if (arithmetic) idx!.counters.add(d);
      }
      return undefined;
    });
  }
  writeIndexCache.set(program, idx);
  return idx;
}

/** State variables compared directly with a parameter (`param == secret`, `secrets[k] == param`) deciding a require or an if. */
function comparedWithParameter(program: Program, fn: AstNode, keyed?: Set<AstNode>): AstNode[] {
  const body = child(fn, "body");
  if (!body) return [];
  const params = new Set(parameters(fn));
  const out: AstNode[] = [];
  const consider = (cond: AstNode | undefined, wantEq: boolean): void => {
    const c = stripParens(cond);
    if (!c || c.nodeType !== "BinaryOperation") return;
    const op = str(c, "operator");
    if (op === "&&" || op === "||") {
      consider(child(c, "leftExpression"), wantEq);
      consider(child(c, "rightExpression"), wantEq);
      return;
    }
    if (op !== (wantEq ? "==" : "!=")) return;
    const sides = [child(c, "leftExpression"), child(c, "rightExpression")].map((x) => stripConversions(x));
    for (const [a, b] of [[sides[0], sides[1]], [sides[1], sides[0]]] as const) {
      if (b?.nodeType !== "Identifier" || !params.has(program.declOf(b)!)) continue;
      if (a?.nodeType !== "Identifier" && a?.nodeType !== "IndexAccess") continue;
      const d = baseDeclaration(program, a);
      if (d && isStateVariable(d)) {
        out.push(d);
        // the argument is named like a secret (`_key`, `password`): what it is checked against is one, whatever its name
        if (keyed && isSecretName(str(program.declOf(b)!, "name") ?? "", false)) keyed.add(d);
      }
    }
  };
  walk(body, (n) => {
    if (n.nodeType === "FunctionCall") {
      const name = builtinCallName(program, n);
      if (name === "require" || name === "assert") consider(list(n, "arguments")[0], true);
    } else if (n.nodeType === "IfStatement") {
      const trueStops = stopsExecution(program, child(n, "trueBody"));
      consider(child(n, "condition"), !trueStops);
    }
    return undefined;
  });
  return out;
}

/** Whether a function changes state or moves value (what a matching secret unlocks). */
function actsOnState(program: Program, fn: AstNode, contract: AstNode, except: AstNode): { acts: boolean; writesSecret: boolean } {
  let acts = false;
  let writesSecret = false;
  walkFlowEvents(program, fn, contract, {
    onWrite: (d) => {
      if (d === except) writesSecret = true;
      else acts = true;
    },
    onCall: (call) => {
      if (call.value || !call.external?.readOnly) acts = true;
    },
  });
  return { acts, writesSecret };
}

/** A literal number below 2^16 (a selector or enum-like code, not a secret). */
function smallConstant(n: AstNode | undefined): boolean {
  const e = stripConversions(n);
  if (e?.nodeType !== "Literal" || str(e, "kind") !== "number") return false;
  const v = str(e, "value") ?? "";
  return /^\d{1,5}$/.test(v) && Number(v) < 65536;
}

export const privateDataOnChain: Detector = {
  id: "private-data-on-chain",
  category: "other",
  title: "Secret (password, PIN, key, seed, unlock code) kept in a `private`/`internal` state variable, readable by anyone from storage",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const index = writeIndex(program);
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const own = list(contract, "nodes").filter(
        (d) => d.nodeType === "VariableDeclaration" && ["private", "internal"].includes(str(d, "visibility") ?? "") && holdsSecretValue(typeOf(program, d)),
      );
      if (own.length === 0) continue;
      const ownSet = new Set(own);
      const found = new Map<AstNode, { named: boolean; unlocks: AstNode[] }>();
      // (a) named like a secret, and given a value
      for (const d of own) {
        if (!isSecretName(str(d, "name") ?? "", d.constant === true || str(d, "mutability") === "constant")) continue;
        const init = child(d, "value");
        if (init && stripConversions(init)?.nodeType === "FunctionCall" && isHashCall(program, stripConversions(init)!)) continue;
        if (!init && (index.writes.get(d) ?? []).length === 0) continue;
        found.set(d, { named: true, unlocks: [] });
      }
      // (b) compared with a caller's argument to unlock something
      for (const c of program.linearized(contract)) {
        for (const fn of functionsOf(c)) {
          if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
          const keyed = new Set<AstNode>();
          for (const decl of comparedWithParameter(program, fn, keyed)) {
            if (!ownSet.has(decl) || index.counters.has(decl)) continue;
            // a constant small number compared with an argument is a selector (`FIXED = 0`, `VARIABLE = 1`: Saffron's side
            // of a deposit), not a secret: there are too few values to hide one among
            if ((decl.constant === true || str(decl, "mutability") === "constant") && smallConstant(child(decl, "value"))) continue;
            const named = found.get(decl);
            if (!named && !keyed.has(decl) && nameWords(str(decl, "name") ?? "").some((w) => NOT_SECRET_VALUE.has(w))) continue;
            const { acts, writesSecret } = actsOnState(program, fn, contract, decl);
            if (!acts || writesSecret) continue;
            const entry = named ?? { named: false, unlocks: [] };
            entry.unlocks.push(fn);
            found.set(decl, entry);
          }
        }
      }
      if (found.size === 0) continue;
      const decls = [...found.keys()];
      const lines = linesIn(program, file, decls);
      if (lines.length === 0) continue;
      const names = decls.map((d) => `\`${str(d, "name")}\``);
      const unlockers = [...new Set([...found.values()].flatMap((v) => v.unlocks))];
      const compared = unlockers.length > 0;
      ctx.report({
        detector: "private-data-on-chain",
        category: "other",
        severity: "medium",
        confidence: compared ? "high" : "medium",
        lines,
        contract: str(contract, "name"),
        function: unlockers[0] ? displayName(unlockers[0]) : undefined,
        message:
          `${str(contract, "name")} keeps ${listNames(names)} on chain as a secret. \`private\`/\`internal\` only stops other contracts from reading a variable: ` +
          "every storage slot is readable by anyone with eth_getStorageAt (constants and immutables sit in the bytecode), and the value also shows in the transaction " +
          "(or constructor arguments) that set it" +
          (compared
            ? `, so anyone can read it and pass it to ${listNames(unlockers.map((f) => `${displayName(f)}()`))}, which ${unlockers.length > 1 ? "accept" : "accepts"} it in clear.`
            : "."),
        remediation:
          "Keep no secret on chain. Store a salted hash commitment and check the hash of what the caller submits, bound to the caller so it cannot be copied from the mempool, " +
          "or authorise with a signature from an off-chain key:\n" +
          "```solidity\nmapping(address => bytes32) private pinHashes; // keccak256(abi.encode(user, pin, salt)), set by the user\n" +
          "function redeem(uint256 pin, bytes32 salt) external {\n    require(pinHashes[msg.sender] == keccak256(abi.encode(msg.sender, pin, salt)), \"wrong pin\");\n    ...\n}\n" +
          "// or: require(ECDSA.recover(digest, signature) == guardian);\n```",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// flash-loan-initiator
// ---------------------------------------------------------------------------------------------------------------

/** The `initiator` parameter of an ERC-3156 or Aave flash-loan callback, or undefined. */
function initiatorParameter(program: Program, fn: AstNode): { param: AstNode; standard: string } | undefined {
  const params = parameters(fn);
  if (params.length !== 5) return undefined;
  const isAddress = (q: AstNode | undefined): boolean => typeOf(program, q).startsWith("address") && !typeOf(program, q).includes("[");
  const isBytes = (q: AstNode | undefined): boolean => /^bytes( |$)/.test(typeOf(program, q));
  const name = str(fn, "name");
  if (name === "onFlashLoan" && isAddress(params[0]) && isAddress(params[1]) && isBytes(params[4])) return { param: params[0]!, standard: "ERC-3156 onFlashLoan" };
  if (name === "executeOperation" && isAddress(params[3]) && isBytes(params[4])) return { param: params[3]!, standard: "Aave executeOperation" };
  return undefined;
}

/** Whether a reference to the initiator checks it: in a condition, or handed to a helper/modifier that may. */
function checksValue(program: Program, ref: AstNode, context: AstNode, depth = 0): boolean {
  if (isInCondition(program, ref, { anyArgument: false })) return true;
  let cur = ref;
  for (let i = 0; i < 6; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    if (p.nodeType === "ModifierInvocation") return true;
    if (p.nodeType === "FunctionCall" && list(p, "arguments").includes(cur) && !isConversion(p)) {
      if (internalCallee(program, p, context)) return true;
      return false;
    }
    if (p.nodeType === "VariableDeclarationStatement" && depth < 2) {
      const ds = ((p.declarations as (AstNode | null)[] | undefined) ?? []).filter((d): d is AstNode => d !== null);
      const scope = child(program.callableOf(p) ?? p, "body");
      return ds.some((d) => refsIn(program, scope, d).some((r) => checksValue(program, r, context, depth + 1)));
    }
    if (p.nodeType === "BinaryOperation" && ["==", "!="].includes(str(p, "operator") ?? "")) return true; // bool ok = initiator == owner;
    if (p.nodeType.endsWith("Statement") || p.nodeType === "Block") return false;
    cur = p;
  }
  return false;
}

/** `a && b && c` → a, b, c (parentheses removed). */
function conjuncts(cond: AstNode | undefined): AstNode[] {
  const c = stripParens(cond);
  if (!c) return [];
  if (c.nodeType === "BinaryOperation" && str(c, "operator") === "&&") return [...conjuncts(child(c, "leftExpression")), ...conjuncts(child(c, "rightExpression"))];
  return [c];
}

/** A guard on a flag or commitment the contract sets itself before borrowing (`require(borrowing)`). */
function checksOwnLoanFlag(program: Program, fn: AstNode, contract: AstNode): boolean {
  for (const callable of reachable(program, fn, contract, 1)) {
    const body = child(callable, "body");
    if (!body) continue;
    for (const g of guardConditions(program, body)) {
      for (const part of conjuncts(g.cond)) {
        if (isAuthCondition(program, part, (n) => isSenderLike(program, n))) continue;
        const reads = findAll(part, "Identifier").map((i) => program.declOf(i));
        if (reads.some((d) => d && isStateVariable(d) && !isConstantVariable(d) && /^(bool|bytes32)$/.test(typeOf(program, d)) && (writeIndex(program).writes.get(d) ?? []).length > 0)) {
          return true;
        }
      }
    }
  }
  return false;
}

export const flashLoanInitiator: Detector = {
  id: "flash-loan-initiator",
  category: "access_control",
  title: "Flash-loan callback (ERC-3156 `onFlashLoan`, Aave `executeOperation`) that never checks the `initiator`",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const sites: { fn: AstNode; standard: string; unnamed: boolean }[] = [];
      for (const fn of functionsOf(contract)) {
        const init = initiatorParameter(program, fn);
        if (!init || isReadOnly(fn)) continue;
        const body = child(fn, "body")!;
        const firstStatement = list(body, "statements")[0];
        if (firstStatement && stopsExecution(program, firstStatement) && firstStatement.nodeType !== "Return") continue; // not supported: reverts
        const unnamed = (str(init.param, "name") ?? "") === "";
        if (!unnamed) {
          const refs = [...refsIn(program, body, init.param), ...list(fn, "modifiers").flatMap((m) => findAll(m, "Identifier").filter((i) => program.declOf(i) === init.param))];
          const inAssembly = assemblyBlocks(body).some((a) =>
            (((a.externalReferences as unknown[] | undefined) ?? []) as { declaration?: unknown }[]).some((r) => r.declaration === init.param.id),
          );
          if (inAssembly || refs.some((r) => checksValue(program, r, contract))) continue;
        }
        if (checksOwnLoanFlag(program, fn, contract)) continue;
        sites.push({ fn, standard: init.standard, unnamed });
      }
      if (sites.length === 0) continue;
      const lines = linesIn(program, file, sites.map((x) => x.fn));
      if (lines.length === 0) continue;
      const what = listNames(sites.map((x) => `${displayName(x.fn)}() (${x.standard}, initiator ${x.unnamed ? "left unnamed" : "never checked"})`));
      ctx.report({
        detector: "flash-loan-initiator",
        category: "access_control",
        severity: "medium",
        confidence: "high",
        lines,
        contract: str(contract, "name"),
        function: displayName(sites[0]!.fn),
        message:
          `${str(contract, "name")} implements the flash-loan callback ${what} without checking who started the loan. ` +
          "Anyone can call the lender's flashLoan naming this contract as the receiver: the lender then calls back, the callback runs with attacker-chosen data and the " +
          "contract pays the fee from its own balance, as often as the attacker likes. Checking only that msg.sender is the lender does not help — it is the lender calling.",
        remediation:
          "Accept only loans this contract started (or its owner):\n" +
          "```solidity\nfunction onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data) external returns (bytes32) {\n" +
          "    require(msg.sender == address(lender), \"untrusted lender\");\n    require(initiator == address(this), \"untrusted initiator\");\n    ...\n}\n```\n" +
          "For Aave's `executeOperation`, check `initiator == address(this)` the same way.",
      });
    }
  },
};

/** The detectors of this group, in report order. */
export const AUTH_DETECTORS: readonly Detector[] = [eoaCheck, calldataOffsetCheck, privateDataOnChain, flashLoanInitiator];
