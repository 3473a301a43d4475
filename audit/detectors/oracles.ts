/**
 * Oracle answers used without the checks their providers ask for, and ether sent to an address anyone can set.
 *
 * - `oracle-unchecked-price` (Slither's `pyth-unchecked-confidence`, `pyth-unchecked-publishtime`,
 *   `pyth-deprecated-functions`, `chronicle-unchecked-price`):
 *   - Pyth: a `Price` struct (recognised by its members `price`, `conf`, `expo`, `publishTime`) read with
 *     `getPriceUnsafe`/`getEmaPriceUnsafe`, the deprecated `getPrice`/`getEmaPrice`, or
 *     `getPriceNoOlderThan`/`getEmaPriceNoOlderThan`, whose `price` is used while `publishTime` is never compared (not
 *     needed after a *NoOlderThan getter, which reverts on a stale price) or `conf` is never compared (every getter);
 *     a deprecated getter is reported as such. One finding per function, listing what is missing.
 *   - Chronicle (an interface with `read() returns (uint)` and `readWithAge`/`tryRead`/`tryReadWithAge`): a value read
 *     whose age is thrown away (`read()`, `tryRead()`, an unnamed age) or never compared, or whose `tryRead…` validity
 *     flag is never checked.
 *   A field or variable counts as checked when it takes part in a comparison (not with a literal 0) anywhere in the
 *   function, in internal helpers it is passed to, or in callers of the same contract it is returned to; a flag counts
 *   when it takes part in a condition (require/assert, if, while, `?:`).
 * - `arbitrary-send-eth` (Slither's check of the same name, the part our other detectors do not cover): ether sent
 *   (`transfer`, `send`, `call{value: …}`, `Address.sendValue`, solady's `safeTransferETH`) by a function anyone can
 *   call to an address held in a state variable that a function anyone can call sets from its parameter. Not when the
 *   setter checks the caller, is an `initializer`, sets the variable to `msg.sender` or a constant, only accepts
 *   values a stored list approves, or when the variable decides access (`unprotected-owner-setter` reports that).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program, SourceFile } from "../ast/program";
import { walkDefinitions } from "../ast/taint";
import { hasInitializerModifier, isAccessControlled } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  contractKind,
  effectiveFunctions,
  exprKey,
  externalCall,
  functionKind,
  guardConditions,
  initialValueOf,
  isConstantVariable,
  isEntryPoint,
  isGlobal,
  isLibraryFunction,
  isParameterOf,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  parameters,
  stripConversions,
  stripParens,
  unwrapCallOptions,
} from "../ast/semantics";
import { SIGNATURE_CHECK, privilegedVariables } from "./accessControl";
import { argumentsFor, deployedContracts, internalTarget } from "./defi";
import { callablesOf, displayName, linesIn, type Detector, type DetectorContext } from "./detector";

// ---------------------------------------------------------------------------------------------- shared helpers

/** The declaration of the function an external call names (typed AST). */
function calledDeclaration(program: Program, call: AstNode): AstNode | undefined {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  const d = callee ? program.declOf(callee) : undefined;
  return d?.nodeType === "FunctionDefinition" ? d : undefined;
}

function returnParameters(fn: AstNode): AstNode[] {
  return list(child(fn, "returnParameters"), "parameters");
}

/** A declaration's type as written (`uint256`, `bool`), also on the untyped parse tree. */
function typeOf(decl: AstNode | undefined): string {
  const tn = child(decl, "typeName");
  return (typeString(decl) ?? (tn ? str(tn, "name") : undefined) ?? "").trim();
}

function isZeroLiteral(expr: AstNode | undefined): boolean {
  const e = stripConversions(expr);
  return e?.nodeType === "Literal" && /^(0+|0x0+)$/.test(str(e, "value") ?? "");
}

const COMPARISONS = new Set(["<", ">", "<=", ">=", "==", "!="]);

// ---------------------------------------------------------------------------------------------- tag flow

/**
 * A small value flow with labelled sources: which locals of a function carry which part of which oracle answer
 * (`<call id>:<part>`), followed into internal functions (their parameters carry what the arguments carry, their
 * results what they return, by position) and through struct members (`p.publishTime` of a `<call>:struct` carries
 * `<call>:publishTime`).
 */
type Tags = Set<string>;

interface Frame {
  fn: AstNode;
  depth: number;
  env: Map<AstNode, Tags>;
  /** What each return value carries, by position. */
  returns: Tags[];
  calls: Map<AstNode, Frame>;
}

const STRUCT = ":struct";

function addAll(into: Tags, from: Iterable<string> | undefined): void {
  if (from) for (const t of from) into.add(t);
}

class TagFlow {
  private readonly memo = new Map<string, Frame>();

  constructor(
    readonly program: Program,
    private readonly context: AstNode | undefined,
    /** The tags a node carries by itself (`index`: which value of a tuple result is asked for). */
    private readonly source: (n: AstNode, index: number | undefined) => Tags | undefined,
    private readonly maxDepth = 3,
  ) {}

  frame(fn: AstNode, args: Tags[] = [], depth = 0): Frame {
    const key = `${fn.id}:${args.map((s) => [...s].sort().join(",")).join("|")}`;
    const known = this.memo.get(key);
    if (known) return known;
    const frame: Frame = { fn, depth, env: new Map(), returns: [], calls: new Map() };
    this.memo.set(key, frame);
    parameters(fn).forEach((p, i) => {
      if (args[i] && args[i]!.size > 0) frame.env.set(p, new Set(args[i]));
    });
    const body = child(fn, "body");
    if (!body) return frame;
    const assign = (decl: AstNode | undefined, tags: Tags): void => {
      if (!decl || decl.nodeType !== "VariableDeclaration" || isStorageVariable(this.program, decl) || tags.size === 0) return;
      const set = frame.env.get(decl) ?? new Set<string>();
      addAll(set, tags);
      frame.env.set(decl, set);
    };
    walkDefinitions(body, 2, {
      declaration: (_n, decls, init) => {
        if (decls.length > 1) decls.forEach((d, i) => d && assign(d, this.taint(frame, init, i)));
        else if (decls[0]) assign(decls[0], this.taint(frame, init));
      },
      assignment: (_n, lhs, rhs) => {
        const targets = lhs?.nodeType === "TupleExpression" ? ((lhs.components as (AstNode | null)[] | undefined) ?? []) : [lhs ?? null];
        targets.forEach((t, i) => {
          if (t) assign(baseDeclaration(this.program, t), this.taint(frame, rhs, targets.length > 1 ? i : undefined));
        });
      },
    });
    // try oracle.f() returns (T a, U b) { … }: the success clause's parameters carry the result
    for (const t of findAll(body, "TryStatement")) {
      const params = list(child(list(t, "clauses")[0], "parameters"), "parameters");
      params.forEach((p, i) => assign(p, this.taint(frame, child(t, "externalCall"), params.length > 1 ? i : undefined)));
    }
    for (const call of findAll(body, "FunctionCall")) this.call(frame, call, undefined);
    const outputs = returnParameters(fn);
    for (const r of findAll(body, "Return")) {
      const e = child(r, "expression");
      const n = Math.max(outputs.length, 1);
      for (let i = 0; i < n; i++) {
        const set = frame.returns[i] ?? new Set<string>();
        addAll(set, this.taint(frame, e, n > 1 ? i : undefined));
        frame.returns[i] = set;
      }
    }
    outputs.forEach((p, i) => {
      const set = frame.returns[i] ?? new Set<string>();
      addAll(set, frame.env.get(p));
      frame.returns[i] = set;
    });
    return frame;
  }

  /** The tags an expression's value carries in `frame` (`index`: one value of a tuple). */
  taint(frame: Frame, expr: AstNode | undefined, index?: number): Tags {
    const out: Tags = new Set();
    if (!expr) return out;
    const own = this.source(expr, index);
    if (own) return new Set(own);
    switch (expr.nodeType) {
      case "Identifier": {
        const d = this.program.declOf(expr);
        if (d) addAll(out, frame.env.get(d));
        return out;
      }
      case "MemberAccess": {
        const member = str(expr, "memberName") ?? "";
        for (const t of this.taint(frame, child(expr, "expression"))) {
          out.add(t.endsWith(STRUCT) ? `${t.slice(0, -STRUCT.length)}:${member}` : t);
        }
        return out;
      }
      case "TupleExpression": {
        const comps = (expr.components as (AstNode | null)[] | undefined) ?? [];
        if (index !== undefined && comps.length > 1) return this.taint(frame, comps[index] ?? undefined);
        for (const c of comps) if (c) addAll(out, this.taint(frame, c, comps.length === 1 ? index : undefined));
        return out;
      }
      case "Conditional":
        addAll(out, this.taint(frame, child(expr, "trueExpression"), index));
        addAll(out, this.taint(frame, child(expr, "falseExpression"), index));
        return out;
      case "FunctionCall": {
        const r = this.call(frame, expr, index);
        if (r) return r;
        for (const a of list(expr, "arguments")) addAll(out, this.taint(frame, a));
        return out;
      }
      case "Literal":
        return out;
      default:
        for (const k of ["leftExpression", "rightExpression", "subExpression", "baseExpression", "indexExpression", "expression"]) {
          addAll(out, this.taint(frame, child(expr, k)));
        }
        return out;
    }
  }

  /** What an internal call's result carries (undefined: not an internal call). */
  private call(frame: Frame, call: AstNode, index: number | undefined): Tags | undefined {
    const fn = internalTarget(this.program, call, this.context);
    if (!fn) return undefined;
    const args = argumentsFor(this.program, call, fn).map((a) => this.taint(frame, a));
    const through = new Set<string>();
    for (const a of args) addAll(through, a);
    if (frame.depth >= this.maxDepth || fn === frame.fn) return through;
    const sub = this.frame(fn, args, frame.depth + 1);
    frame.calls.set(call, sub);
    const out = new Set<string>();
    if (index !== undefined && sub.returns.length > 1) addAll(out, sub.returns[index]);
    else for (const r of sub.returns) addAll(out, r);
    // library maths in assembly: the result depends on the arguments
    if (isLibraryFunction(this.program, fn) || findAll(child(fn, "body")!, "InlineAssembly").length > 0) addAll(out, through);
    return out;
  }

  reachable(root: Frame): Frame[] {
    const out: Frame[] = [];
    const seen = new Set<Frame>();
    const visit = (f: Frame): void => {
      if (seen.has(f)) return;
      seen.add(f);
      out.push(f);
      for (const sub of f.calls.values()) visit(sub);
    };
    visit(root);
    return out;
  }
}

/** What the frames compare (`compared`: in a comparison with anything but a literal 0) and test (`conditioned`). */
interface Checked {
  compared: Tags;
  conditioned: Tags;
  /** Member reads `x.<member>` by tag: which struct parts are read. */
  read: Tags;
  /** What public or external functions of the chain return to their callers outside. */
  escapes: Tags;
}

function collectChecks(flow: TagFlow, frames: Frame[], into: Checked): void {
  const program = flow.program;
  for (const frame of frames) {
    const body = child(frame.fn, "body");
    if (!body) continue;
    for (const b of findAll(body, "BinaryOperation")) {
      if (!COMPARISONS.has(str(b, "operator") ?? "")) continue;
      const l = child(b, "leftExpression");
      const r = child(b, "rightExpression");
      if (!isZeroLiteral(r)) addAll(into.compared, flow.taint(frame, l));
      if (!isZeroLiteral(l)) addAll(into.compared, flow.taint(frame, r));
    }
    const conditions: AstNode[] = [];
    for (const n of findAll(body, "IfStatement", "WhileStatement", "DoWhileStatement", "ForStatement", "Conditional")) {
      const c = child(n, "condition");
      if (c) conditions.push(c);
    }
    for (const c of findAll(body, "FunctionCall")) {
      const name = builtinCallName(program, c);
      if ((name === "require" || name === "assert") && list(c, "arguments")[0]) conditions.push(list(c, "arguments")[0]!);
    }
    for (const c of conditions) addAll(into.conditioned, flow.taint(frame, c));
    for (const m of findAll(body, "MemberAccess")) addAll(into.read, flow.taint(frame, m));
  }
}

/**
 * The checks made on an oracle answer read in `fn`: in `fn`, the helpers it passes the values to and — when `fn`
 * returns them — the functions of the contract that call it (two levels up).
 */
function checksFor(
  program: Program,
  contract: AstNode,
  fn: AstNode,
  source: (n: AstNode, index: number | undefined) => Tags | undefined,
): Checked {
  const checked: Checked = { compared: new Set(), conditioned: new Set(), read: new Set(), escapes: new Set() };
  const escape = (f: AstNode, returns: Tags[]): void => {
    if (f.nodeType === "FunctionDefinition" && isEntryPoint(f)) for (const r of returns) addAll(checked.escapes, r);
  };
  const flow = new TagFlow(program, contract, source);
  const root = flow.frame(fn);
  collectChecks(flow, flow.reachable(root), checked);
  escape(fn, root.returns);
  let level: { fn: AstNode; returns: Tags[] }[] = [{ fn, returns: root.returns }];
  const seen = new Set<AstNode>([fn]);
  const callables = program.linearized(contract).flatMap((c) => callablesOf(c));
  for (let depth = 0; depth < 2 && level.length > 0; depth++) {
    const next: { fn: AstNode; returns: Tags[] }[] = [];
    for (const callee of level) {
      if (!callee.returns.some((r) => r.size > 0)) continue;
      for (const caller of callables) {
        if (seen.has(caller)) continue;
        const sites = findAll(child(caller, "body")!, "FunctionCall").filter((c) => internalTarget(program, c, contract) === callee.fn);
        if (sites.length === 0) continue;
        seen.add(caller);
        const up = new TagFlow(program, contract, (n, index) => {
          if (!sites.includes(n)) return undefined;
          const out = new Set<string>();
          if (index !== undefined && callee.returns.length > 1) addAll(out, callee.returns[index]);
          else for (const r of callee.returns) addAll(out, r);
          return out;
        });
        const frame = up.frame(caller);
        collectChecks(up, up.reachable(frame), checked);
        escape(caller, frame.returns);
        next.push({ fn: caller, returns: frame.returns });
      }
    }
    level = next;
  }
  return checked;
}

// ---------------------------------------------------------------------------------------------- oracle-unchecked-price

type PythKind = "unsafe" | "deprecated" | "noOlder";

const PYTH_GETTERS: Record<string, PythKind> = {
  getPriceUnsafe: "unsafe",
  getEmaPriceUnsafe: "unsafe",
  getPrice: "deprecated",
  getEmaPrice: "deprecated",
  getPriceNoOlderThan: "noOlder",
  getEmaPriceNoOlderThan: "noOlder",
};
/** Getter names no other oracle uses: recognised on the untyped parse tree too. */
const PYTH_ONLY = /^(getPriceUnsafe|getEmaPriceUnsafe|getPriceNoOlderThan|getEmaPriceNoOlderThan)$/;
const PYTH_MEMBERS = ["price", "conf", "expo", "publishTime"];

/** The struct a function returns as its only value (`PythStructs.Price memory`). */
function returnedStruct(program: Program, fn: AstNode): AstNode | undefined {
  const outs = returnParameters(fn);
  if (outs.length !== 1) return undefined;
  const tn = child(outs[0], "typeName");
  const d = tn ? program.declOf(tn) ?? program.declOf(child(tn, "pathNode")) : undefined;
  return d?.nodeType === "StructDefinition" ? d : undefined;
}

/** A Pyth price getter: its name, and (when the types are known) a result struct with Pyth's members. */
function pythGetter(program: Program, call: AstNode): { name: string; kind: PythKind } | undefined {
  const ext = externalCall(program, call);
  if (!ext) return undefined;
  const kind = PYTH_GETTERS[ext.functionName];
  if (!kind) return undefined;
  const decl = calledDeclaration(program, call);
  const struct = decl ? returnedStruct(program, decl) : undefined;
  if (struct) {
    const members = new Set(list(struct, "members").map((m) => str(m, "name")));
    return PYTH_MEMBERS.every((m) => members.has(m)) ? { name: ext.functionName, kind } : undefined;
  }
  return !decl && PYTH_ONLY.test(ext.functionName) ? { name: ext.functionName, kind } : undefined;
}

type ChronicleRead = "read" | "readWithAge" | "tryRead" | "tryReadWithAge";

/** Positions of the values a Chronicle read returns. */
const CHRONICLE_LAYOUT: Record<ChronicleRead, ("ok" | "value" | "age")[]> = {
  read: ["value"],
  readWithAge: ["value", "age"],
  tryRead: ["ok", "value"],
  tryReadWithAge: ["ok", "value", "age"],
};

function isUintType(t: string): boolean {
  return /^uint\d*$/.test(t);
}

/** The shapes of the Chronicle functions: `read() returns (uint)`, `tryRead() returns (bool, uint)`… */
function hasChronicleShape(fn: AstNode, name: ChronicleRead): boolean {
  if (parameters(fn).length !== 0) return false;
  const outs = returnParameters(fn).map(typeOf);
  const want = CHRONICLE_LAYOUT[name];
  return outs.length === want.length && want.every((w, i) => (w === "ok" ? outs[i] === "bool" : isUintType(outs[i] ?? "")));
}

/** A contract or interface that has Chronicle's `read()` and one of `readWithAge`/`tryRead`/`tryReadWithAge`. */
function isChronicle(program: Program, contract: AstNode, memo: Map<AstNode, boolean>): boolean {
  const known = memo.get(contract);
  if (known !== undefined) return known;
  const has = (name: ChronicleRead): boolean =>
    program.linearized(contract).some((c) => list(c, "nodes").some((f) => f.nodeType === "FunctionDefinition" && str(f, "name") === name && hasChronicleShape(f, name)));
  const out = has("read") && (has("readWithAge") || has("tryRead") || has("tryReadWithAge"));
  memo.set(contract, out);
  return out;
}

function chronicleRead(program: Program, call: AstNode, memo: Map<AstNode, boolean>): ChronicleRead | undefined {
  const ext = externalCall(program, call);
  if (!ext || !(ext.functionName in CHRONICLE_LAYOUT) || list(call, "arguments").length !== 0) return undefined;
  const name = ext.functionName as ChronicleRead;
  const decl = calledDeclaration(program, call);
  if (!decl || !hasChronicleShape(decl, name)) return undefined;
  // the receiver's own type (an IScribe that extends IChronicle), else the interface that declares the function
  const recv = /^contract (\S+)$/.exec(typeString(ext.target) ?? "")?.[1];
  const contract = (recv ? program.contractsNamed(recv.split(".").pop()!)[0] : undefined) ?? program.contractOf(decl);
  return contract && isChronicle(program, contract, memo) ? name : undefined;
}

/** Whether the value at `position` of a call's result is thrown away: the call is a statement, or the slot is unnamed. */
function discarded(program: Program, call: AstNode, position: number, width: number): boolean {
  let node = call;
  let parent = program.parent(node);
  while (parent && parent.nodeType === "TupleExpression" && list(parent, "components").length === 1) {
    node = parent;
    parent = program.parent(node);
  }
  if (!parent || parent.nodeType === "ExpressionStatement") return true;
  if (width <= 1) return false;
  if (parent.nodeType === "VariableDeclarationStatement" && child(parent, "initialValue") === node) {
    const decls = (parent.declarations as (AstNode | null)[] | undefined) ?? [];
    return decls.length === width && !decls[position];
  }
  if (parent.nodeType === "Assignment" && child(parent, "rightHandSide") === node) {
    const lhs = child(parent, "leftHandSide");
    const comps = lhs?.nodeType === "TupleExpression" ? ((lhs.components as (AstNode | null)[] | undefined) ?? []) : [];
    return comps.length === width && !comps[position];
  }
  return false;
}

interface PythIssue {
  call: AstNode;
  name: string;
  deprecated: boolean;
  missing: string[];
}

interface ChronicleIssue {
  call: AstNode;
  name: ChronicleRead;
  missing: string[];
}

export const oracleUncheckedPrice: Detector = {
  id: "oracle-unchecked-price",
  category: "oracle_manipulation",
  title: "Pyth prices used without checking publishTime and conf (or read with deprecated getters); Chronicle values without age or validity checks",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    const chronicleMemo = new Map<AstNode, boolean>();
    for (const contract of deployedContracts(ctx)) {
      for (const fn of callablesOf(contract)) {
        const body = child(fn, "body")!;
        const pyth = new Map<AstNode, { name: string; kind: PythKind }>();
        const chronicle = new Map<AstNode, ChronicleRead>();
        for (const call of findAll(body, "FunctionCall")) {
          const p = pythGetter(program, call);
          if (p) {
            pyth.set(call, p);
            continue;
          }
          const c = chronicleRead(program, call, chronicleMemo);
          if (c) chronicle.set(call, c);
        }
        if (pyth.size === 0 && chronicle.size === 0) continue;
        const source = (n: AstNode, index: number | undefined): Tags | undefined => {
          if (pyth.has(n)) return new Set([`${n.id}${STRUCT}`]);
          const c = chronicle.get(n);
          if (!c) return undefined;
          const layout = CHRONICLE_LAYOUT[c];
          const parts = index !== undefined && layout.length > 1 ? [layout[index]] : layout;
          return new Set(parts.filter((p) => p !== undefined).map((p) => `${n.id}:${p}`));
        };
        const checked = checksFor(program, contract, fn, source);
        const compared = (call: AstNode, part: string): boolean => checked.compared.has(`${call.id}:${part}`);
        const returned = (call: AstNode): boolean => [...checked.escapes].some((t) => t.startsWith(`${call.id}:`));

        // Pyth
        const pythIssues: PythIssue[] = [];
        for (const [call, getter] of pyth) {
          const priceUsed = checked.read.has(`${call.id}:price`) || returned(call);
          const missing: string[] = [];
          if (priceUsed) {
            if (getter.kind !== "noOlder" && !compared(call, "publishTime")) missing.push("publishTime");
            if (!compared(call, "conf")) missing.push("conf");
          }
          if (missing.length > 0 || getter.kind === "deprecated") pythIssues.push({ call, name: getter.name, deprecated: getter.kind === "deprecated", missing });
        }
        if (pythIssues.length > 0) reportPyth(ctx, contract, fn, pythIssues);

        // Chronicle: an age checked for one read of an oracle covers the other reads of the same oracle here
        const oracleKey = (call: AstNode): string => {
          const ext = externalCall(program, call);
          return ext ? exprKey(program, stripConversions(ext.target) ?? ext.target) : "";
        };
        const agedOracles = new Set(
          [...chronicle].filter(([call, name]) => CHRONICLE_LAYOUT[name].includes("age") && compared(call, "age")).map(([call]) => oracleKey(call)),
        );
        const chronicleIssues: ChronicleIssue[] = [];
        for (const [call, name] of chronicle) {
          const layout = CHRONICLE_LAYOUT[name];
          if (discarded(program, call, layout.indexOf("value"), layout.length)) continue; // the value is not used
          const missing: string[] = [];
          const agePos = layout.indexOf("age");
          if (agePos < 0) {
            if (!agedOracles.has(oracleKey(call))) missing.push(`${name}() returns no age, so a value the oracle stopped updating is used as current`);
          } else if (discarded(program, call, agePos, layout.length)) {
            missing.push("the age it returns is thrown away");
          } else if (!compared(call, "age")) {
            missing.push("the age it returns is never compared with block.timestamp");
          }
          const okPos = layout.indexOf("ok");
          if (okPos >= 0 && (discarded(program, call, okPos, layout.length) || !checked.conditioned.has(`${call.id}:ok`))) {
            missing.push(`the validity flag ${name}() returns is never checked (the value is 0 or invalid when it is false)`);
          }
          if (missing.length > 0) chronicleIssues.push({ call, name, missing });
        }
        if (chronicleIssues.length > 0) reportChronicle(ctx, contract, fn, chronicleIssues);
      }
    }
  },
};

function reportPyth(ctx: DetectorContext, contract: AstNode, fn: AstNode, issues: PythIssue[]): void {
  const { program, file } = ctx;
  const name = displayName(fn);
  const parts: string[] = [];
  const deprecated = [...new Set(issues.filter((i) => i.deprecated).map((i) => i.name))];
  if (deprecated.length > 0) {
    parts.push(
      `calls the deprecated Pyth getter${deprecated.length > 1 ? "s" : ""} ${deprecated.map((d) => `\`${d}()\``).join(", ")}, ` +
        "which only enforces the contract-wide valid time period and is removed from newer Pyth contracts",
    );
  }
  const noTime = issues.some((i) => i.missing.includes("publishTime"));
  const noConf = issues.some((i) => i.missing.includes("conf"));
  const getters = [...new Set(issues.filter((i) => i.missing.length > 0).map((i) => `\`${i.name}()\``))];
  const unchecked = [
    ...(noTime
      ? ["its `publishTime` (the price can be arbitrarily old: nobody has to push an update, and anyone can push whichever recent signed update suits him)"]
      : []),
    ...(noConf ? ["its `conf` (in a volatile or thin market the confidence interval is wide and `price` may be far from the real price)"] : []),
  ];
  if (unchecked.length > 0) parts.push(`uses the price of ${getters.join(", ")} without comparing ${unchecked.join(" or ")}`);
  const anyTime = noTime || deprecated.length > 0;
  ctx.report({
    detector: "oracle-unchecked-price",
    category: "oracle_manipulation",
    severity: "medium",
    confidence: anyTime ? "high" : "medium",
    lines: linesIn(program, file, issues.map((i) => i.call)),
    contract: str(contract, "name"),
    function: name,
    message: `${name}() ${parts.join(", and ")}. Users can then borrow, liquidate, mint or swap at a wrong price.`,
    remediation:
      "Read the price with `getPriceNoOlderThan` (it reverts when the price is older than `maxAge`; push a fresh update with " +
      "`updatePriceFeeds` first) and reject prices whose confidence interval is too wide:\n```solidity\n" +
      "PythStructs.Price memory p = pyth.getPriceNoOlderThan(priceId, MAX_PRICE_AGE);\n" +
      "require(p.price > 0, \"invalid price\");\n" +
      "require(p.conf * 10_000 <= uint64(p.price) * MAX_CONF_BPS, \"price too uncertain\");\n```\n" +
      "With `getPriceUnsafe`, check the age yourself: `require(block.timestamp - p.publishTime <= MAX_PRICE_AGE)`.",
  });
}

function reportChronicle(ctx: DetectorContext, contract: AstNode, fn: AstNode, issues: ChronicleIssue[]): void {
  const { program, file } = ctx;
  const name = displayName(fn);
  const parts = issues.map((i) => `\`${i.name}()\`: ${i.missing.join("; ")}`);
  ctx.report({
    detector: "oracle-unchecked-price",
    category: "oracle_manipulation",
    severity: "medium",
    confidence: "medium",
    lines: linesIn(program, file, issues.map((i) => i.call)),
    contract: str(contract, "name"),
    function: name,
    message:
      `${name}() uses a Chronicle oracle's value without the checks it needs — ${parts.join("; ")}. A feed that stopped ` +
      "updating (or was deprecated) keeps returning its last value, and users borrow, liquidate or swap at that price.",
    remediation:
      "Read the value with its age and reject stale (and, with `tryRead…`, invalid) values:\n```solidity\n" +
      "(bool ok, uint256 value, uint256 age) = chronicle.tryReadWithAge();\n" +
      "require(ok, \"invalid price\");\n" +
      "require(block.timestamp - age <= MAX_PRICE_AGE, \"stale price\");\n```",
  });
}

// ---------------------------------------------------------------------------------------------- arbitrary-send-eth

/** One inlined run of a function: what its parameters are bound to at the call site that led here. */
interface Scope {
  fn: AstNode;
  bindings: Map<AstNode, { expr: AstNode; scope: Scope }>;
  /** The call that led here (undefined for the analysed function). */
  site?: AstNode;
  parent?: Scope;
}

/** Visits the calls and assignments of `fn` and of the internal functions it calls (parameters bound), in source order. */
function inline(program: Program, contract: AstNode, scope: Scope, visit: (node: AstNode, scope: Scope) => void, depth = 0, active = new Set<AstNode>()): void {
  const body = child(scope.fn, "body");
  if (!body || active.has(scope.fn)) return;
  active.add(scope.fn);
  for (const n of findAll(body, "FunctionCall", "Assignment")) {
    visit(n, scope);
    if (n.nodeType !== "FunctionCall" || depth >= 5) continue;
    const callee = internalTarget(program, n, contract);
    if (!callee) continue;
    const args = argumentsFor(program, n, callee);
    const bindings = new Map<AstNode, { expr: AstNode; scope: Scope }>();
    parameters(callee).forEach((p, i) => {
      if (args[i]) bindings.set(p, { expr: args[i]!, scope });
    });
    inline(program, contract, { fn: callee, bindings, site: n, parent: scope }, visit, depth + 1, active);
  }
  active.delete(scope.fn);
}

type Origin =
  | { kind: "state"; key: AstNode; expr: AstNode }
  | { kind: "sender" }
  | { kind: "param"; decl: AstNode }
  | { kind: "const" }
  | { kind: "other" };

/**
 * A stored address a destination or an assigned variable names: a (non-constant) state variable, or a struct member
 * reached from one (`config.treasury`, `$.treasury` in namespaced storage), not an element of a mapping or array.
 */
function storedKey(program: Program, expr: AstNode | undefined): AstNode | undefined {
  const e = stripParens(expr);
  if (e?.nodeType === "Identifier") {
    const d = program.declOf(e);
    return d && isStateVariable(d) && !isConstantVariable(d) ? d : undefined;
  }
  if (e?.nodeType !== "MemberAccess") return undefined;
  const member = program.declOf(e);
  if (member?.nodeType !== "VariableDeclaration" || program.parent(member)?.nodeType !== "StructDefinition") return undefined;
  let cur: AstNode | undefined = e;
  while (cur?.nodeType === "MemberAccess") cur = stripParens(child(cur, "expression"));
  if (cur?.nodeType !== "Identifier") return undefined; // through a mapping or array element: a per-key record
  const root = program.declOf(cur);
  if (!root || root.nodeType !== "VariableDeclaration") return undefined;
  if (isStateVariable(root) ? isConstantVariable(root) : str(root, "storageLocation") !== "storage") return undefined;
  return member;
}

/** Where the value of an address expression comes from, through conversions, locals, bound parameters and getters. */
function originOf(program: Program, contract: AstNode, expr: AstNode | undefined, scope: Scope, depth = 0): Origin {
  const e = stripConversions(expr);
  if (!e || depth > 6) return { kind: "other" };
  if (e.nodeType === "Literal") return { kind: "const" };
  if (isSenderLike(program, e)) return { kind: "sender" };
  if (isGlobal(program, e, "this")) return { kind: "const" };
  const key = storedKey(program, e);
  if (key) return { kind: "state", key, expr: e };
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (!d || d.nodeType !== "VariableDeclaration") return { kind: "other" };
    const bound = scope.bindings.get(d);
    if (bound) return originOf(program, contract, bound.expr, bound.scope, depth + 1);
    if (isParameterOf(program, d, scope.fn)) return scope.parent ? { kind: "other" } : { kind: "param", decl: d };
    if (isStateVariable(d)) return isConstantVariable(d) ? { kind: "const" } : { kind: "other" };
    // a local given its value once
    const reassigned = findAll(child(scope.fn, "body") ?? scope.fn, "Assignment").some((a) => baseDeclaration(program, child(a, "leftHandSide")) === d);
    const init = reassigned ? undefined : initialValueOf(program, d);
    return init ? originOf(program, contract, init, scope, depth + 1) : { kind: "other" };
  }
  if (e.nodeType === "FunctionCall") {
    // a getter: `owner()`, `_treasury()` returning one stored address
    const callee = internalTarget(program, e, contract);
    if (!callee || returnParameters(callee).length !== 1) return { kind: "other" };
    const rets = findAll(child(callee, "body")!, "Return");
    if (rets.length !== 1) return { kind: "other" };
    const args = argumentsFor(program, e, callee);
    const bindings = new Map<AstNode, { expr: AstNode; scope: Scope }>();
    parameters(callee).forEach((p, i) => {
      if (args[i]) bindings.set(p, { expr: args[i]!, scope });
    });
    return originOf(program, contract, child(rets[0]!, "expression"), { fn: callee, bindings, site: e, parent: scope }, depth + 1);
  }
  return { kind: "other" };
}

/** The destination of an ether transfer: a low-level send, or a call of a helper that sends (sendValue, safeTransferETH). */
function etherDestination(program: Program, contract: AstNode, call: AstNode): { to: AstNode; amount?: AstNode } | undefined {
  const ll = lowLevelCall(program, call);
  if (ll) {
    if (ll.kind === "transfer" || ll.kind === "send") return { to: ll.target, amount: ll.value };
    if (ll.kind === "call" && ll.value && !isZeroLiteral(ll.value)) return { to: ll.target, amount: ll.value };
    return undefined;
  }
  // solady/solmate SafeTransferLib.safeTransferETH(to, amount): the call is made in assembly
  const callee = internalTarget(program, call, contract);
  if (callee && /^_?(force|try)?safeTransfer(All)?ETH$/i.test(str(callee, "name") ?? "") && findAll(child(callee, "body")!, "InlineAssembly").length > 0) {
    const args = argumentsFor(program, call, callee);
    return args[0] ? { to: args[0], amount: args[1] } : undefined;
  }
  return undefined;
}


/** Authorisation the caller checks do not show: a signature checked in the function or a helper it calls. */
function checksSignature(program: Program, fn: AstNode, contract: AstNode): boolean {
  let found = false;
  inline(program, contract, { fn, bindings: new Map() }, (n) => {
    if (found || n.nodeType !== "FunctionCall") return;
    const callee = unwrapCallOptions(child(n, "expression")).callee;
    const name = builtinCallName(program, n) ?? (callee ? (str(callee, "memberName") ?? str(callee, "name")) : undefined) ?? "";
    if (SIGNATURE_CHECK.test(name)) found = true;
  });
  return found;
}

/** A function anyone may call that changes state: no caller check, no `initializer`, no signature check. */
function openToAnyone(program: Program, fn: AstNode, contract: AstNode): boolean {
  return (
    isEntryPoint(fn) &&
    !isReadOnly(fn) &&
    !hasInitializerModifier(fn) &&
    !isAccessControlled(program, fn, contract) &&
    !checksSignature(program, fn, contract)
  );
}

const INIT_NAME = /^_?(init|initiali[sz]e|setup|set_?up)([A-Z_0-9]\w*)?$/;

/**
 * Whether the setter only accepts values the contract has approved: a guard that reads the parameter together with a
 * stored variable (`require(approved[r])`, `require(r == pendingRecipient)`).
 */
function restrictsValue(program: Program, fn: AstNode, param: AstNode): boolean {
  return guardConditions(program, child(fn, "body")!).some(({ cond }) => {
    const ids = findAll(cond, "Identifier");
    return (
      ids.some((i) => program.declOf(i) === param) &&
      ids.some((i) => {
        const d = program.declOf(i);
        return d !== undefined && isStorageVariable(program, d) && !isConstantVariable(d);
      })
    );
  });
}

/** The node to report for something found in an inlined helper: itself in the scanned file, else the innermost call site there. */
function siteIn(program: Program, file: SourceFile, node: AstNode, scope: Scope): AstNode | undefined {
  if (program.fileOf(node) === file) return node;
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.site && program.fileOf(s.site) === file) return s.site;
  return undefined;
}

interface Setter {
  fn: AstNode;
  write: AstNode;
  scope: Scope;
  param: AstNode;
}

export const arbitrarySendEth: Detector = {
  id: "arbitrary-send-eth",
  category: "access_control",
  title: "Ether sent to an address kept in a state variable that anyone can set (unprotected setter)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const reported = new Set<string>();
    for (const contract of deployedContracts(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const fns = effectiveFunctions(program, contract).filter((f) => functionKind(f) !== "constructor" && isEntryPoint(f) && !isReadOnly(f));
      const openMemo = new Map<AstNode, boolean>();
      const open = (fn: AstNode): boolean => {
        if (!openMemo.has(fn)) openMemo.set(fn, openToAnyone(program, fn, contract));
        return openMemo.get(fn)!;
      };

      // Ether sent to a stored address by a function anyone calls.
      const sends: { fn: AstNode; node: AstNode; scope: Scope; key: AstNode; expr: AstNode; amount?: AstNode }[] = [];
      for (const fn of fns) {
        inline(program, contract, { fn, bindings: new Map() }, (n, scope) => {
          if (n.nodeType !== "FunctionCall") return;
          const dest = etherDestination(program, contract, n);
          const to = dest ? originOf(program, contract, dest.to, scope) : undefined;
          if (to?.kind === "state") sends.push({ fn, node: n, scope, key: to.key, expr: to.expr, amount: dest!.amount });
        });
      }
      const targets = new Set(sends.filter((x) => open(x.fn)).map((x) => x.key));
      if (targets.size === 0) continue;
      const privileged = privilegedVariables(program, contract);
      for (const k of [...targets]) if (privileged.has(k)) targets.delete(k);
      if (targets.size === 0) continue;

      // Unprotected setters of those addresses: stored address := a parameter of a function anyone calls.
      const setters = new Map<AstNode, Setter[]>();
      for (const fn of fns) {
        const once = INIT_NAME.test(str(fn, "name") ?? "") && guardConditions(program, child(fn, "body")!).length > 0;
        if (once) continue; // a once-only setup: unprotected-initializer's case
        inline(program, contract, { fn, bindings: new Map() }, (n, scope) => {
          if (n.nodeType !== "Assignment" || str(n, "operator") !== "=") return;
          const key = storedKey(program, child(n, "leftHandSide"));
          if (!key || !targets.has(key)) return;
          const value = originOf(program, contract, child(n, "rightHandSide"), scope);
          if (value.kind !== "param" || restrictsValue(program, fn, value.decl) || !open(fn)) return;
          const found = setters.get(key) ?? [];
          found.push({ fn, write: n, scope, param: value.decl });
          setters.set(key, found);
        });
      }
      if (setters.size === 0) continue;

      for (const { fn, node: n, scope, key, expr, amount } of sends) {
        const setter = setters.get(key)?.[0];
        if (!setter || !open(fn)) continue;
        const sendAt = siteIn(program, file, n, scope);
        const writeAt = siteIn(program, file, setter.write, setter.scope);
        if (!sendAt || !writeAt) continue;
        const id = `${sendAt.id}:${writeAt.id}`;
        if (reported.has(id)) continue;
        reported.add(id);
        const variable = str(key, "name") ?? program.text(expr);
        const sender = displayName(fn);
        const set = displayName(setter.fn);
        const sent = amount ? program.text(amount) : "ether";
        const onlyForwarded = amount !== undefined && /^msg\.value$/.test(program.text(stripConversions(amount) ?? amount).replace(/\s+/g, ""));
        ctx.report({
          detector: "arbitrary-send-eth",
          category: "access_control",
          severity: "high",
          confidence: onlyForwarded ? "medium" : "high",
          lines: linesIn(program, file, [sendAt, writeAt]),
          contract: str(contract, "name"),
          function: sender,
          swc: ["SWC-105"],
          message:
            `${sender}() sends ${sent} to \`${variable}\`, and anyone can change \`${variable}\`: ${set}() sets it to its ` +
            `parameter \`${str(setter.param, "name")}\` without checking who calls. An attacker calls ${set}() with his own ` +
            `address and then ${sender}()${onlyForwarded ? ", and every later payment goes to him" : " to take the contract's ether"}.`,
          remediation:
            `Restrict ${set}() to the owner (or fix \`${variable}\` at deployment, \`immutable\`):\n\`\`\`solidity\n` +
            `function ${set}(address payable ${str(setter.param, "name") || "newValue"}) external onlyOwner {\n` +
            `    require(${str(setter.param, "name") || "newValue"} != address(0), "zero address");\n` +
            `    ${variable} = ${str(setter.param, "name") || "newValue"};\n}\n\`\`\``,
        });
      }
    }
  },
};

export const ORACLE_DETECTORS: Detector[] = [oracleUncheckedPrice, arbitrarySendEth];
