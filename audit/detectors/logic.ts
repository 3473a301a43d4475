/**
 * Logic slips the compiler accepts: `msg.value` read where it is always 0 (`msg-value-in-nonpayable`), comparisons
 * decided by the operands' types (`tautology`), boolean literals that fix a condition (`boolean-constant`) and
 * modifiers that let a caller through without running the function or reverting (`incorrect-modifier`).
 *
 * - **msg-value-in-nonpayable** (Slither's check of the same name): since 0.5 solc rejects `msg.value` in a
 *   non-payable public function and in a modifier such a function uses, but not in an internal or private helper
 *   (or a modifier on one) that only non-payable entry points reach. The reach is computed per concrete contract over
 *   its linearised hierarchy: public/external functions (the effective ones), `receive`, `fallback` and the
 *   constructors are the roots, internal calls (virtual ones resolved against the contract, `super.f()`) and modifier
 *   invocations the edges. A read is reported when no payable root reaches it in any concrete contract that inherits
 *   its code, and some non-payable one does. Not reported: library code and free functions (they run in a caller's
 *   context), code of abstract contracts nothing concrete in the compilation inherits, helpers also used as function
 *   values (their callers are unknown), comparisons of msg.value with 0 (`require(msg.value == 0)`: a defensive
 *   check that holds anyway), and files that did not compile (their imported bases may be missing). Inline assembly's
 *   `callvalue()` is not looked at.
 * - **tautology** (Slither `tautology`/`tautological-compare`, Aderyn `tautology-or-contradiction`): a comparison of an
 *   integer with a constant (literals, `type(T).max/min`, constant arithmetic, `uint(-1)`) outside the operand's
 *   type range, or at its edge on the side that includes the whole range (`x >= 0`, `x <= type(uint8).max` for a
 *   uint8), also through widening conversions (`uint256(small) <= 255`); and an expression without side effects
 *   compared with itself (`a.b >= a.b`). Medium in a condition (if, loops, `?:`, require/assert), low elsewhere.
 * - **boolean-constant** (Slither `boolean-cst`, Aderyn `misused-boolean`): `true`/`false` as an operand of `&&`/`||`
 *   or as the whole condition of if/while/for/`?:`/require/assert. Medium when it decides the outcome (`x || true`,
 *   `x && false`, `if (true)`, `require(true)`), low when it has no effect (`x && true`, `x || false`). Not
 *   `while (true)`/`for (; true;)` loops that a `break`, `return` or revert leaves, `do { … } while (false)` (a block
 *   run once), `require(false)`/`assert(false)` (a revert), nor literals returned, assigned or passed as arguments.
 * - **incorrect-modifier** (Slither `incorrect-modifier`): a modifier with a path that ends (falls off the end or
 *   `return`s) without running `_` and without reverting: the caller gets no error, the function's body is skipped
 *   and its return values are zero. Every path of the body's control flow is followed (if/else, blocks, loops,
 *   try/catch, early `return`, require/assert/revert, helpers that always revert, an assembly block ending in
 *   `revert`/`return`). Low, as Slither rates it: access is still denied, what is lost is the caller's error. The
 *   message says so when the modifier guards access (named `only…`, `auth`, `when…Paused`, `…Owner`, `…Role`,
 *   NatSpec naming the owner/admin/a role/pausing, or its skipping condition compares the caller with an account,
 *   looks it up in a role or owner mapping, or reads a pause flag).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import {
  builtinCallName,
  contractKind,
  effectiveFunctions,
  exprKey,
  functionKind,
  internalCallee,
  isConversion,
  isEntryPoint,
  isInCondition,
  isPayable,
  isSenderLike,
  memberOf,
  modifierOf,
  stopsExecution,
  stripParens,
} from "../ast/semantics";
import { yulCallName } from "../ast/yul";
import type { Severity } from "../types";
import { callablesOf, contractsIn, displayName, linesIn, type Detector, type DetectorContext } from "./detector";

const COMPARISON = new Set(["<", ">", "<=", ">=", "==", "!="]);

// ---------------------------------------------------------------------------------------------------------------
// msg-value-in-nonpayable
// ---------------------------------------------------------------------------------------------------------------

/** How the roots of one concrete contract reach its callables. */
interface Reach {
  /** Callables a payable root (payable function, receive, payable fallback or constructor) reaches. */
  payable: Set<AstNode>;
  /** Callables a non-payable root reaches → the roots' names (for the message). */
  nonPayable: Map<AstNode, Set<string>>;
  /** Names of functions used as values (`fnPointer = _helper`): who calls them is unknown. */
  escaped: Set<string>;
}

const REACH = new WeakMap<Program, Map<AstNode, Reach>>();

function isMsgValue(program: Program, node: AstNode): boolean {
  return memberOf(program, node, "msg", "value");
}

/** A constant integer expression's value, or undefined. */
export function constValue(program: Program, expr: AstNode | undefined, depth = 0): bigint | undefined {
  const e = stripParens(expr);
  if (!e || depth > 8) return undefined;
  switch (e.nodeType) {
    case "Literal":
      return str(e, "kind") === "number" ? literalNumber(str(e, "value") ?? "", str(e, "subdenomination")) : undefined;
    case "UnaryOperation": {
      if (str(e, "operator") !== "-") return undefined;
      const v = constValue(program, child(e, "subExpression"), depth + 1);
      return v === undefined ? undefined : -v;
    }
    case "BinaryOperation": {
      const op = str(e, "operator") ?? "";
      const a = constValue(program, child(e, "leftExpression"), depth + 1);
      const b = a === undefined ? undefined : constValue(program, child(e, "rightExpression"), depth + 1);
      if (a === undefined || b === undefined) return undefined;
      switch (op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return b !== 0n && a % b === 0n ? a / b : undefined;
        case "%":
          return b !== 0n ? a % b : undefined;
        case "**":
          return b >= 0n && b <= 1024n ? a ** b : undefined;
        case "<<":
          return b >= 0n && b <= 1024n ? a << b : undefined;
        case ">>":
          return b >= 0n && b <= 1024n ? a >> b : undefined;
        case "&":
          return a & b;
        case "|":
          return a | b;
        case "^":
          return a ^ b;
        default:
          return undefined;
      }
    }
    case "FunctionCall": {
      // uint256(-1), uint8(300): a conversion of a constant wraps into the target type (before 0.8)
      if (!isConversion(e)) return undefined;
      const range = rangeOfType(typeString(e) ?? program.text(child(e, "expression") ?? e));
      const v = constValue(program, list(e, "arguments")[0], depth + 1);
      if (!range || v === undefined) return undefined;
      const size = range.hi - range.lo + 1n;
      return ((((v - range.lo) % size) + size) % size) + range.lo;
    }
    case "MemberAccess": {
      // type(uint8).max, type(int256).min
      const member = str(e, "memberName");
      const base = stripParens(child(e, "expression"));
      if ((member !== "max" && member !== "min") || base?.nodeType !== "FunctionCall") return undefined;
      const callee = child(base, "expression");
      if (callee?.nodeType !== "Identifier" || str(callee, "name") !== "type") return undefined;
      const arg = list(base, "arguments")[0];
      const range = arg ? rangeOfType(program.text(arg).replace(/\s+/g, "")) : undefined;
      if (!range) return undefined;
      return member === "max" ? range.hi : range.lo;
    }
    default:
      return undefined;
  }
}

const UNIT: Record<string, bigint> = {
  wei: 1n,
  gwei: 10n ** 9n,
  szabo: 10n ** 12n,
  finney: 10n ** 15n,
  ether: 10n ** 18n,
  seconds: 1n,
  minutes: 60n,
  hours: 3600n,
  days: 86_400n,
  weeks: 604_800n,
  years: 31_536_000n,
};

/** `0`, `1_000`, `0xff`, `1e18`, `2.5e3`, `1.5 ether` → its integer value (undefined when it is not an integer). */
function literalNumber(raw: string, subdenomination: string | undefined): bigint | undefined {
  const text = raw.replace(/_/g, "");
  const unit = subdenomination ? UNIT[subdenomination] : 1n;
  if (unit === undefined) return undefined;
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text) * unit;
  const m = /^(\d*)(?:\.(\d*))?(?:e(-?\d+))?$/i.exec(text);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return undefined;
  const frac = m[2] ?? "";
  const exp = Number(m[3] ?? "0") - frac.length;
  let num = BigInt((m[1] || "0") + frac) * unit;
  if (Math.abs(exp) > 1024) return undefined;
  if (exp >= 0) return num * 10n ** BigInt(exp);
  const den = 10n ** BigInt(-exp);
  if (num % den !== 0n) return undefined;
  num /= den;
  return num;
}

/** The value range of `uintN`/`intN` (solc's type string), else undefined. */
function rangeOfType(type: string | undefined): { lo: bigint; hi: bigint } | undefined {
  const m = /^(u?)int(\d*)$/.exec(type ?? "");
  if (!m) return undefined;
  const bits = BigInt(m[2] ? Number(m[2]) : 256);
  return m[1] === "u" ? { lo: 0n, hi: 2n ** bits - 1n } : { lo: -(2n ** (bits - 1n)), hi: 2n ** (bits - 1n) - 1n };
}

/** A comparison of msg.value with zero (`msg.value == 0`, `msg.value > 0`): a defensive check, true or false as meant. */
function isZeroCheck(program: Program, read: AstNode): boolean {
  let cur: AstNode = read;
  let p = program.parent(cur);
  while (p?.nodeType === "TupleExpression" && list(p, "components").length === 1) {
    cur = p;
    p = program.parent(p);
  }
  if (p?.nodeType !== "BinaryOperation" || !COMPARISON.has(str(p, "operator") ?? "")) return false;
  const other = child(p, "leftExpression") === cur ? child(p, "rightExpression") : child(p, "leftExpression");
  return constValue(program, other) === 0n;
}

/** Names of functions referenced other than by calling them (function values), in a contract's hierarchy. */
function escapedFunctions(program: Program, contract: AstNode): Set<string> {
  const out = new Set<string>();
  for (const c of program.linearized(contract)) {
    for (const n of findAll(c, "Identifier", "MemberAccess")) {
      const d = program.declOf(n);
      if (d?.nodeType !== "FunctionDefinition") continue;
      const p = program.parent(n);
      if (p?.nodeType === "FunctionCall" && child(p, "expression") === n) continue;
      // f.selector, this.f (an external call's callee is handled by the caller), C.f as a call target
      if (p?.nodeType === "MemberAccess") continue;
      if (p?.nodeType === "FunctionCallOptions" || p?.nodeType === "ModifierInvocation" || p?.nodeType === "OverrideSpecifier") continue;
      out.add(str(d, "name") ?? "");
    }
  }
  return out;
}

function reachOf(program: Program, contract: AstNode): Reach {
  let memo = REACH.get(program);
  if (!memo) REACH.set(program, (memo = new Map()));
  const known = memo.get(contract);
  if (known) return known;
  const reach: Reach = { payable: new Set(), nonPayable: new Map(), escaped: escapedFunctions(program, contract) };
  memo.set(contract, reach);
  const roots: { fn: AstNode; payable: boolean; name: string }[] = [];
  const ctors = program
    .linearized(contract)
    .flatMap((c) => list(c, "nodes"))
    .filter((n) => n.nodeType === "FunctionDefinition" && functionKind(n) === "constructor");
  // the deployment's value check is the most derived constructor's; any payable constructor in the chain counts (lenient)
  const deployPayable = ctors.some(isPayable);
  for (const c of ctors) if (child(c, "body")) roots.push({ fn: c, payable: deployPayable, name: "the constructor" });
  for (const f of effectiveFunctions(program, contract)) {
    const kind = functionKind(f);
    if (kind === "receive" || kind === "fallback" || isEntryPoint(f)) roots.push({ fn: f, payable: isPayable(f), name: `${displayName(f)}()` });
  }
  for (const root of roots) {
    const seen = new Set<AstNode>();
    const stack = [root.fn];
    while (stack.length > 0) {
      const fn = stack.pop()!;
      if (seen.has(fn)) continue;
      seen.add(fn);
      if (root.payable) reach.payable.add(fn);
      else {
        const names = reach.nonPayable.get(fn) ?? new Set<string>();
        names.add(root.name);
        reach.nonPayable.set(fn, names);
      }
      for (const inv of list(fn, "modifiers")) {
        const m = modifierOf(program, inv, contract);
        if (m && child(m, "body")) stack.push(m);
      }
      for (const call of findAll(fn, "FunctionCall")) {
        const callee = internalCallee(program, call, contract);
        if (callee && child(callee, "body")) stack.push(callee);
      }
    }
  }
  return reach;
}

/** Concrete contracts of the compilation whose hierarchy includes `contract`. */
function concreteUsers(program: Program, contract: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const f of program.files) {
    for (const c of list(f.ast, "nodes")) {
      if (c.nodeType !== "ContractDefinition" || contractKind(c) !== "contract" || c.abstract === true) continue;
      if (program.linearized(c).includes(contract)) out.push(c);
    }
  }
  return out;
}

/** What the code does with msg.value, for the message. */
function describeUse(program: Program, read: AstNode): string {
  let cur: AstNode = read;
  for (let i = 0; i < 8; i++) {
    const p = program.parent(cur);
    if (!p) break;
    if (p.nodeType === "BinaryOperation" && COMPARISON.has(str(p, "operator") ?? "")) {
      return `\`${program.text(p).replace(/\s+/g, " ")}\` always compares 0 (a required payment can never be met, or is waived)`;
    }
    if (p.nodeType === "Assignment") return "what it credits or stores is always 0";
    if (p.nodeType === "FunctionCallOptions" || (p.nodeType === "FunctionCall" && child(p, "expression") !== cur)) {
      return "what it forwards or passes on is always 0";
    }
    if (p.nodeType.endsWith("Statement")) break;
    cur = p;
  }
  return "every use of it sees 0";
}

export const msgValueInNonpayable: Detector = {
  id: "msg-value-in-nonpayable",
  category: "other",
  title: "msg.value read in code only non-payable functions reach (it is always 0 there)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    // the parse-tree fallback may lack imported bases (and their payable callers): only compiled files
    if (!file.typed) return;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) === "library") continue;
      for (const fn of callablesOf(contract)) {
        const reads = findAll(fn, "MemberAccess").filter((m) => isMsgValue(program, m) && !isZeroCheck(program, m));
        if (reads.length === 0) continue;
        const users = concreteUsers(program, contract);
        if (users.length === 0) continue;
        const name = str(fn, "name") ?? "";
        const reaches = users.map((u) => reachOf(program, u));
        if (reaches.some((r) => r.payable.has(fn) || (fn.nodeType === "FunctionDefinition" && r.escaped.has(name)))) continue;
        const roots = new Set<string>();
        for (const r of reaches) for (const n of r.nonPayable.get(fn) ?? []) roots.add(n);
        if (roots.size === 0) continue;
        const rootList = [...roots].sort();
        const shown = rootList.slice(0, 4).join(", ") + (rootList.length > 4 ? ` and ${rootList.length - 4} more` : "");
        const isModifier = fn.nodeType === "ModifierDefinition";
        const what = isModifier ? `modifier ${name}` : `${displayName(fn)}()`;
        const direct = !isModifier && isEntryPoint(fn) && !isPayable(fn);
        ctx.report({
          detector: "msg-value-in-nonpayable",
          category: "other",
          severity: "medium",
          confidence: "medium",
          lines: linesIn(program, file, reads),
          contract: str(contract, "name"),
          function: isModifier ? name : displayName(fn),
          message:
            (direct && rootList.length === 1 && rootList[0] === `${displayName(fn)}()`
              ? `${what} is not payable but reads msg.value (solc before 0.5 accepts this), and no payable function calls it: `
              : `${what} reads msg.value, but ${direct ? "it is not payable and " : ""}only non-payable functions reach it (${shown}): `) +
            `a call with ether to them reverts, so msg.value is always 0 here and ${describeUse(program, reads[0]!)}` +
            ` — a fee check, deposit credit or refund based on it never does what it says.`,
          remediation:
            "Make the entry point that is meant to take ether `payable` (and keep the check in the helper), or stop reading msg.value " +
            "in code that cannot receive it and pass the amount explicitly:\n```solidity\n" +
            `function ${rootList[0]?.replace(/\(\)$/, "") ?? "deposit"}(/* … */) external payable {\n    _collect(msg.value);\n}\n` +
            "function _collect(uint256 paid) internal {\n    require(paid >= fee, \"fee\");\n}\n```",
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// tautology
// ---------------------------------------------------------------------------------------------------------------

/** Operand range for a comparison side: its type, or a narrower integer it was widened from (`uint256(x8)`). */
function operandRange(expr: AstNode): { lo: bigint; hi: bigint; type: string } | undefined {
  let e = stripParens(expr);
  const type = typeString(e);
  let range = rangeOfType(type);
  if (!range || !type) return undefined;
  let shownType = type;
  while (e?.nodeType === "FunctionCall" && isConversion(e)) {
    const inner = stripParens(list(e, "arguments")[0]);
    const innerType = typeString(inner);
    const r = rangeOfType(innerType);
    if (!inner || !r || r.lo < range.lo || r.hi > range.hi) break;
    range = r;
    shownType = innerType!;
    e = inner;
  }
  return { ...range, type: shownType };
}

/** Always true (true), always false (false), or depends (undefined): `v op c` for v in [lo, hi]. */
function decide(op: string, c: bigint, lo: bigint, hi: bigint): boolean | undefined {
  switch (op) {
    case ">=":
      return c <= lo ? true : c > hi ? false : undefined;
    case ">":
      return c < lo ? true : c >= hi ? false : undefined;
    case "<=":
      return c >= hi ? true : c < lo ? false : undefined;
    case "<":
      return c > hi ? true : c <= lo ? false : undefined;
    case "==":
      return c < lo || c > hi ? false : undefined;
    case "!=":
      return c < lo || c > hi ? true : undefined;
    default:
      return undefined;
  }
}

const FLIP: Record<string, string> = { "<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!=" };

/** An expression that reads the same value twice: no calls (other than conversions), assignments, ++/--, or `new`. */
function sideEffectFree(expr: AstNode): boolean {
  for (const n of findAll(expr, "FunctionCall", "Assignment", "UnaryOperation", "NewExpression", "InlineAssembly")) {
    if (n.nodeType === "FunctionCall" && isConversion(n)) continue;
    if (n.nodeType === "UnaryOperation" && !["++", "--", "delete"].includes(str(n, "operator") ?? "")) continue;
    return false;
  }
  return true;
}

/** In the condition of an if/while/for/do-while/`?:` or of require/assert (same statement). */
function inCondition(program: Program, node: AstNode): boolean {
  if (isInCondition(program, node)) return true;
  let cur: AstNode = node;
  for (let i = 0; i < 16; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    if ((p.nodeType === "ForStatement" || p.nodeType === "DoWhileStatement") && child(p, "condition") === cur) return true;
    if (p.nodeType.endsWith("Statement") || p.nodeType === "Block") return false;
    cur = p;
  }
  return false;
}

/**
 * The loop whose condition `node` is part of, when its body leaves it on a test of the same variable
 * (`for (uint256 i = n - 1; i >= 0; i--) { …; if (i == 0) break; }`: Axis's EMPAM): the condition is dead, the loop is not.
 */
function loopLeftOn(program: Program, node: AstNode, variable: AstNode | undefined): boolean {
  const v = stripParens(variable);
  const d = v?.nodeType === "Identifier" ? program.declOf(v) : undefined;
  if (!d) return false;
  let cur: AstNode = node;
  for (let i = 0; i < 16; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    if ((p.nodeType === "ForStatement" || p.nodeType === "WhileStatement" || p.nodeType === "DoWhileStatement") && child(p, "condition") === cur) {
      const body = child(p, "body");
      return (
        body !== undefined &&
        findAll(body, "IfStatement").some(
          (s) => findAll(child(s, "condition")!, "Identifier").some((id) => program.declOf(id) === d) && findAll(child(s, "trueBody")!, "Break", "Return").length > 0,
        )
      );
    }
    if (p.nodeType.endsWith("Statement") || p.nodeType === "Block") return false;
    cur = p;
  }
  return false;
}

/** Whether a node is (part of) the condition of a loop. */
function loopCondition(program: Program, node: AstNode): boolean {
  let cur: AstNode = node;
  for (let i = 0; i < 16; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    if ((p.nodeType === "ForStatement" || p.nodeType === "WhileStatement" || p.nodeType === "DoWhileStatement") && child(p, "condition") === cur) return true;
    if (p.nodeType.endsWith("Statement") || p.nodeType === "Block") return false;
    cur = p;
  }
  return false;
}

function fmt(v: bigint): string {
  if (v > 10n ** 12n || v < -(10n ** 12n)) {
    const abs = v < 0n ? -v : v;
    const bits = abs.toString(2).length;
    if (abs === 2n ** BigInt(bits) - 1n) return `${v < 0n ? "-" : ""}2^${bits} - 1`;
    if (abs === 2n ** BigInt(bits - 1)) return `${v < 0n ? "-" : ""}2^${bits - 1}`;
  }
  return v.toString();
}

const TAUTOLOGY_FIX: Record<"self" | "sign" | "bound", string> = {
  self:
    "A value compared with itself was meant to be compared with another one (a copy-paste slip): compare it with the value the check is about.\n```solidity\n" +
    "// instead of: require(order.maker == order.maker);\nrequire(order.maker == signer, \"bad signer\");\n```",
  sign:
    "An unsigned integer is never negative: test the operands before subtracting instead of the result, or check the bound that matters " +
    "(use a signed type only if the value really can be negative).\n```solidity\n" +
    "// instead of: require(balance - amount >= 0);\nrequire(balance >= amount, \"insufficient balance\");\n" +
    "// a countdown loop: instead of for (uint256 i = n; i >= 0; i--)\nfor (uint256 i = n; i > 0; i--) { uint256 k = i - 1; /* … */ }\n```",
  bound:
    "The bound is the type's own limit, so it rules nothing out: write the limit the business rule needs, or check the value before it is " +
    "narrowed into the small type.\n```solidity\n// instead of: require(feePercent <= 255); on a uint8\nrequire(feePercent <= 100, \"fee above 100%\");\n```",
};

/** Whether `op` is a conjunct of `&&` whose other side compares the same plain variable with something (`x <= 100`). */
function rangeCheckHalf(program: Program, op: AstNode, varSide: AstNode): boolean {
  if (!["Identifier", "MemberAccess"].includes(varSide.nodeType)) return false;
  let up = program.parent(op);
  while (up?.nodeType === "TupleExpression") up = program.parent(up);
  if (up?.nodeType !== "BinaryOperation" || str(up, "operator") !== "&&") return false;
  const key = exprKey(program, varSide);
  return [child(up, "leftExpression"), child(up, "rightExpression")].some((side) => {
    let e = side;
    while (e?.nodeType === "TupleExpression" && list(e, "components").length === 1) e = list(e, "components")[0];
    if (!e || e === op || e.nodeType !== "BinaryOperation" || !COMPARISON.has(str(e, "operator") ?? "")) return false;
    return [child(e, "leftExpression"), child(e, "rightExpression")].some((x) => x !== undefined && exprKey(program, x) === key);
  });
}

export const tautology: Detector = {
  id: "tautology",
  category: "other",
  title: "Comparison that is always true or always false (unsigned `x >= 0`, `x <= type(uint8).max` on a uint8, `x == x`)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const op of findAll(file.ast, "BinaryOperation")) {
      const operator = str(op, "operator") ?? "";
      if (!COMPARISON.has(operator)) continue;
      const left = child(op, "leftExpression");
      const right = child(op, "rightExpression");
      if (!left || !right) continue;
      const lc = constValue(program, left);
      const rc = constValue(program, right);
      let outcome: boolean | undefined;
      let reason: string | undefined;
      let kind: "self" | "sign" | "bound" = "self";
      // the constant lies outside what the type can hold (`uint16 rate <= 1e5`), not on its edge (`uint8 fee <= 255`)
      let beyondType = false;
      if (lc === undefined && rc === undefined) {
        if (exprKey(program, left) !== exprKey(program, right) || !sideEffectFree(left)) continue;
        outcome = operator === "==" || operator === "<=" || operator === ">=";
        reason = `it compares \`${program.text(left).replace(/\s+/g, " ")}\` with itself`;
      } else if (lc === undefined || rc === undefined) {
        const varSide = lc === undefined ? left : right;
        const c = (lc ?? rc)!;
        const o = lc === undefined ? operator : FLIP[operator]!;
        const range = operandRange(varSide);
        if (!range) continue;
        outcome = decide(o, c, range.lo, range.hi);
        if (outcome === undefined) continue;
        kind = range.lo === 0n && c <= 0n ? "sign" : "bound";
        beyondType = c > range.hi + 1n || c < range.lo - 1n;
        const bound = range.lo === 0n ? `from 0 to ${fmt(range.hi)}` : `from ${fmt(range.lo)} to ${fmt(range.hi)}`;
        reason = `\`${program.text(varSide).replace(/\s+/g, " ")}\` holds ${/^int/.test(range.type) ? "an" : "a"} ${range.type} (values ${bound})`;
      } else continue;
      const fn = program.callableOf(op);
      const contract = program.contractOf(op);
      const condition = inCondition(program, op);
      const loop = loopCondition(program, op);
      const text = program.text(op).replace(/\s+/g, " ");
      // the lower half of a range check on a plain variable (`_fee <= 100 && _fee >= 0`: Debita's auction fee): the
      // upper half is the check that matters, and the redundant half rules nothing out that was meant to be
      const rangeHalf = kind === "sign" && outcome === true && rangeCheckHalf(program, op, lc === undefined ? left : right);
      // a limit beyond what the type can hold (`uint16 rate; require(rate <= 1e5)`: WOOFi's fee rate): every value the
      // type can hold passes, so what the check was written to rule out cannot occur — redundant, not broken (a limit
      // on the type's own edge, `uint8 fee <= 255`, is more likely a cap written with the wrong number: it stays)
      const typeKept = kind === "bound" && outcome === true && beyondType && !loop;
      const leftInside = loop && outcome === true && loopLeftOn(program, op, lc === undefined ? left : right);
      const severity: Severity = condition && !rangeHalf && !typeKept && !leftInside ? "medium" : "low";
      const consequence = loop
        ? outcome
          ? leftInside
            ? " The loop it controls never stops on this condition, but its body leaves it on a test of the same variable: the condition is dead code, not an endless loop (low)."
            : " The loop it controls never stops on this condition: it runs until something else breaks out or the transaction reverts (an unsigned counter counting down past 0 underflows)."
          : " The loop it controls never runs its body."
        : condition
          ? outcome
            ? " The check it sits in never fails, so whatever it was meant to rule out gets through — usually a missing or mistyped check (wrong variable, wrong operator, a signed value stored as unsigned)."
            : " The branch it guards never runs (or the require always reverts) — usually a mistyped check or an underflow test that cannot work on an unsigned type."
          : " The value computed from it never changes.";
      ctx.report({
        detector: "tautology",
        category: "other",
        severity,
        confidence: "high",
        lines: linesIn(program, file, [op]),
        contract: contract ? str(contract, "name") : undefined,
        function: fn ? displayName(fn) : undefined,
        message:
          `\`${text}\` is always ${outcome ? "true" : "false"}: ${reason}.` +
          (rangeHalf
            ? " It is the lower half of a range check whose other half bounds the same value, so nothing meant gets through (redundant, low)."
            : typeKept && condition
              ? " Every value the type can hold passes the limit, so what the check rules out cannot occur: it is redundant (low); if a smaller limit was meant, write that one."
              : consequence),
        remediation: TAUTOLOGY_FIX[kind],
        swc: ["SWC-135"],
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// boolean-constant
// ---------------------------------------------------------------------------------------------------------------

/** Whether a statement (or block) only assigns variables to themselves (`x = x;`) or names them (`x;`). */
function onlySelfAssignments(program: Program, stmt: AstNode | undefined): boolean {
  if (!stmt) return false;
  const stmts = stmt.nodeType === "Block" ? list(stmt, "statements") : [stmt];
  return (
    stmts.length > 0 &&
    stmts.every((x) => {
      if (x.nodeType !== "ExpressionStatement") return false;
      const e = child(x, "expression");
      if (e?.nodeType === "Identifier") return true;
      return e?.nodeType === "Assignment" && str(e, "operator") === "=" && program.text(child(e, "leftHandSide")!) === program.text(child(e, "rightHandSide")!);
    })
  );
}

/** Whether a `while (true)`-style loop can be left: a break of its own, a return, a revert or inline assembly. */
function loopHasExit(program: Program, loop: AstNode): boolean {
  const body = child(loop, "body");
  if (!body) return false;
  for (const n of findAll(body, "Break", "Return", "RevertStatement", "Throw", "InlineAssembly", "FunctionCall")) {
    if (n.nodeType === "Break") {
      if (program.ancestor(program.parent(n)!, "ForStatement", "WhileStatement", "DoWhileStatement") === loop) return true;
      continue;
    }
    if (n.nodeType === "FunctionCall") {
      const name = builtinCallName(program, n);
      if (name === "revert" || name === "require" || name === "assert") return true;
      continue;
    }
    return true;
  }
  return false;
}

export const booleanConstant: Detector = {
  id: "boolean-constant",
  category: "other",
  title: "Boolean literal deciding a condition (`if (true)`, `require(x || true)`, `while (false)`)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const lit of findAll(file.ast, "Literal")) {
      if (str(lit, "kind") !== "bool") continue;
      const fn = program.callableOf(lit);
      if (!fn) continue;
      let value = str(lit, "value") === "true";
      // climb through parentheses and `!`
      let cur: AstNode = lit;
      let p = program.parent(cur);
      while (p && ((p.nodeType === "TupleExpression" && list(p, "components").length === 1) || (p.nodeType === "UnaryOperation" && str(p, "operator") === "!"))) {
        if (p.nodeType === "UnaryOperation") value = !value;
        cur = p;
        p = program.parent(p);
      }
      if (!p) continue;
      const shown = program.text(cur).replace(/\s+/g, " ");
      let severity: Severity = "medium";
      let effect: string;
      let where: string;
      if (p.nodeType === "BinaryOperation" && (str(p, "operator") === "&&" || str(p, "operator") === "||")) {
        const op = str(p, "operator")!;
        where = `\`${program.text(p).replace(/\s+/g, " ")}\``;
        if ((op === "||" && value) || (op === "&&" && !value)) {
          effect = `is always ${value}: the other operand is never what decides it`;
        } else {
          effect = `is just its other operand: the literal has no effect (a leftover of a check that was switched off or on)`;
          severity = "low";
        }
      } else if ((p.nodeType === "IfStatement" || p.nodeType === "Conditional") && child(p, "condition") === cur) {
        // Compound's "Shh - we don't ever want this hook to be marked pure": `if (false) { maxAssets = maxAssets; }`,
        // a branch that only assigns variables to themselves, there to keep the compiler from suggesting `pure`
        if (!value && p.nodeType === "IfStatement" && !child(p, "falseBody") && onlySelfAssignments(program, child(p, "trueBody"))) continue;
        where = p.nodeType === "IfStatement" ? `\`if (${shown})\`` : `\`${shown} ? … : …\``;
        effect = value ? "always takes the first branch" : "never takes the first branch (dead code)";
      } else if ((p.nodeType === "WhileStatement" || p.nodeType === "ForStatement" || p.nodeType === "DoWhileStatement") && child(p, "condition") === cur) {
        if (value && loopHasExit(program, p)) continue; // an intended endless loop, left by break/return/revert
        if (!value && p.nodeType === "DoWhileStatement") continue; // do { … } while (false): a block run once
        where = p.nodeType === "ForStatement" ? `\`for (…; ${shown}; …)\`` : p.nodeType === "WhileStatement" ? `\`while (${shown})\`` : `\`do … while (${shown})\``;
        effect = value ? "never ends (no break, return or revert inside): every call runs out of gas" : "never runs its body";
      } else if (p.nodeType === "FunctionCall" && list(p, "arguments")[0] === cur && ["require", "assert"].includes(builtinCallName(program, p) ?? "")) {
        if (!value) continue; // require(false) / assert(false): a deliberate revert
        where = `\`${builtinCallName(program, p)}(${shown})\``;
        effect = "never fails: the check it stands for is switched off";
      } else continue;
      const contract = program.contractOf(lit);
      ctx.report({
        detector: "boolean-constant",
        category: "other",
        severity,
        confidence: "high",
        lines: linesIn(program, file, [lit]),
        contract: contract ? str(contract, "name") : undefined,
        function: displayName(fn),
        message: `${where} in ${displayName(fn)}() ${effect}. A boolean literal in a condition is usually a debug leftover that disables a check or a branch.`,
        remediation:
          "Put back the condition that was meant (or delete the dead branch); a switch that must stay configurable belongs in a state variable the owner sets:\n```solidity\n" +
          "// instead of: require(isWhitelisted[msg.sender] || true);\nrequire(isWhitelisted[msg.sender], \"not whitelisted\");\n```",
        swc: ["SWC-135"],
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// incorrect-modifier
// ---------------------------------------------------------------------------------------------------------------

/** Paths through a statement that have not run `_` yet: whether some go on after it, and where some leave early. */
interface PathResult {
  /** Some path reaches the end of the statement without `_` having run (and without reverting). */
  through: boolean;
  /** `return` statements reached before `_`: a path that leaves the modifier without running the function or reverting. */
  returns: AstNode[];
  /** `if`s with `_` on one side and a path going on without it on the other (`if (msg.sender == owner) _;`). */
  splits: AstNode[];
}

const SETTLED: PathResult = { through: false, returns: [], splits: [] };
const GOES_ON: PathResult = { through: true, returns: [], splits: [] };

/** Whether an assembly block ends (at its top level) with `revert(…)`, `return(…)`, `stop()` or `invalid()`. */
export function assemblyEnds(asm: AstNode): boolean {
  const stmts = list(asm.AST as AstNode | undefined, "statements");
  const last = stmts[stmts.length - 1];
  const call = last?.nodeType === "YulExpressionStatement" ? child(last, "expression") : undefined;
  return ["revert", "return", "stop", "invalid"].includes(yulCallName(call) ?? "");
}

export function isFalseLiteral(node: AstNode | undefined): boolean {
  const n = stripParens(node);
  return n?.nodeType === "Literal" && str(n, "value") === "false";
}

function statementPaths(program: Program, stmt: AstNode | undefined): PathResult {
  if (!stmt) return GOES_ON;
  switch (stmt.nodeType) {
    case "PlaceholderStatement":
    case "RevertStatement":
    case "Throw":
      return SETTLED;
    case "Return":
      return { through: false, returns: [stmt], splits: [] };
    case "Block":
    case "UncheckedBlock":
      return sequencePaths(program, list(stmt, "statements"));
    case "ExpressionStatement": {
      const e = stripParens(child(stmt, "expression"));
      const name = e?.nodeType === "FunctionCall" ? builtinCallName(program, e) : undefined;
      if ((name === "require" || name === "assert") && isFalseLiteral(list(e, "arguments")[0])) return SETTLED;
      return stopsExecution(program, stmt) ? SETTLED : GOES_ON;
    }
    case "InlineAssembly":
      return assemblyEnds(stmt) ? SETTLED : GOES_ON;
    case "IfStatement": {
      const tb = child(stmt, "trueBody");
      const fb = child(stmt, "falseBody");
      const t = statementPaths(program, tb);
      const f = statementPaths(program, fb);
      const splits = [...t.splits, ...f.splits];
      const settled = t.through ? fb : tb;
      if (t.through !== f.through && settled && findAll(settled, "PlaceholderStatement").length > 0) splits.push(stmt);
      return { through: t.through || f.through, returns: [...t.returns, ...f.returns], splits };
    }
    case "WhileStatement":
    case "ForStatement": {
      const body = child(stmt, "body");
      const b = statementPaths(program, body);
      // zero iterations go on; a `_` inside a loop runs only when the loop does
      const placeholder = body !== undefined && findAll(body, "PlaceholderStatement").length > 0;
      return { through: true, returns: b.returns, splits: [...b.splits, ...(placeholder ? [stmt] : [])] };
    }
    case "DoWhileStatement": {
      const body = child(stmt, "body");
      const b = statementPaths(program, body);
      const leaves = body !== undefined && findAll(body, "Break", "Continue").length > 0;
      return { through: b.through || leaves, returns: b.returns, splits: b.splits };
    }
    case "TryStatement": {
      const clauses = list(stmt, "clauses").map((c) => statementPaths(program, child(c, "block")));
      return { through: clauses.some((c) => c.through), returns: clauses.flatMap((c) => c.returns), splits: clauses.flatMap((c) => c.splits) };
    }
    case "Break":
    case "Continue":
      // leaves the loop body; the loop statement decides whether paths go on after it
      return SETTLED;
    default:
      return GOES_ON;
  }
}

function sequencePaths(program: Program, stmts: AstNode[]): PathResult {
  const returns: AstNode[] = [];
  const splits: AstNode[] = [];
  for (const s of stmts) {
    const r = statementPaths(program, s);
    returns.push(...r.returns);
    splits.push(...r.splits);
    if (!r.through) return { through: false, returns, splits };
  }
  return { through: true, returns, splits };
}

const ACCESS_NAME = /^(only|auth|restricted|requires?Auth|ownerOnly|isOwner|admin|when(Not)?Paused|whenAuthori[sz]ed|checkAccess|hasRole|notPaused|whitelisted|onlyWhitelist|isAuthori[sz]ed|protected|guarded|permissioned)|owner|admin|role|auth|paused|whitelist|allowlist|operator|governance|keeper|minter/i;
const PAUSE_NAME = /paused|frozen|halted|stopped|emergency|locked/i;

/** The condition that decides a culprit's path: an `if`'s own, or that of the `if` around a `return`. */
function skipCondition(program: Program, culprit: AstNode, modifier: AstNode): AstNode | undefined {
  const ifStmt = culprit.nodeType === "IfStatement" ? culprit : program.ancestor(culprit, "IfStatement");
  return ifStmt && program.contains(modifier, ifStmt) ? child(ifStmt, "condition") : undefined;
}

/** Whether a modifier guards access: by its name or NatSpec, or a skipping condition that checks the caller's privilege or a pause flag. */
function guardsAccess(program: Program, modifier: AstNode, culprits: AstNode[]): boolean {
  if (ACCESS_NAME.test(str(modifier, "name") ?? "")) return true;
  const doc = child(modifier, "documentation");
  const docText = doc ? (str(doc, "text") ?? "") : typeof modifier.documentation === "string" ? modifier.documentation : "";
  if (/\b(owner|admin|authori[sz]ed|authori[sz]ation|role|paused|access control|permission)\b/i.test(docText)) return true;
  const conds = culprits.map((c) => skipCondition(program, c, modifier)).filter((c): c is AstNode => c !== undefined);
  return conds.some((c) => findAll(c, "BinaryOperation", "FunctionCall", "IndexAccess", "Identifier", "MemberAccess").some((n) => checksCallerOrPause(program, n)));
}

const PRIVILEGE_NAME = /owner|admin|auth|allow|whitelist|operator|minter|role|member|wards|guardian|keeper|manager|governor|trusted/i;

/** `msg.sender == owner`, `hasRole(r, msg.sender)`, `admins[msg.sender]`, or a pause flag. */
function checksCallerOrPause(program: Program, n: AstNode): boolean {
  const name = (x: AstNode | undefined): string => (x ? (str(x, "name") ?? str(x, "memberName") ?? "") : "");
  switch (n.nodeType) {
    case "BinaryOperation":
      return (str(n, "operator") === "==" || str(n, "operator") === "!=") && (isSenderLike(program, child(n, "leftExpression")) || isSenderLike(program, child(n, "rightExpression")));
    case "FunctionCall":
      return PRIVILEGE_NAME.test(name(child(n, "expression"))) && list(n, "arguments").some((a) => isSenderLike(program, a));
    case "IndexAccess": {
      const base = stripParens(child(n, "baseExpression"));
      return isSenderLike(program, child(n, "indexExpression")) && PRIVILEGE_NAME.test(name(base?.nodeType === "IndexAccess" ? stripParens(child(base, "baseExpression")) : base));
    }
    default:
      return PAUSE_NAME.test(name(n));
  }
}

export const incorrectModifier: Detector = {
  id: "incorrect-modifier",
  category: "access_control",
  title: "Modifier with a path that neither runs `_` nor reverts (the caller gets no error; the function returns zeros)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const modifier of list(contract, "nodes")) {
        if (modifier.nodeType !== "ModifierDefinition") continue;
        const body = child(modifier, "body");
        if (!body) continue;
        const result = sequencePaths(program, list(body, "statements"));
        if (!result.through && result.returns.length === 0) continue;
        const name = str(modifier, "name") ?? "";
        // the innermost `if` that splits off the path is the one to show
        const splits = result.through ? result.splits.filter((c) => !result.splits.some((o) => o !== c && program.contains(c, o))) : [];
        const culprits = [...result.returns, ...splits];
        const access = guardsAccess(program, modifier, culprits);
        const how = result.returns.length > 0 ? "returns early" : splits.length > 0 ? "lets a path past its condition" : "can reach its end";
        const cond = culprits.map((c) => skipCondition(program, c, modifier)).find((c) => c !== undefined);
        ctx.report({
          detector: "incorrect-modifier",
          category: "access_control",
          // low, as Slither rates it: access is still denied (the body does not run); what breaks is the caller's error
          severity: "low",
          confidence: "high",
          lines: linesIn(program, file, [modifier, ...culprits]),
          contract: str(contract, "name"),
          function: name,
          message:
            `Modifier ${name} ${how} without running \`_\` and without reverting${cond ? ` (depending on \`${program.text(cond).replace(/\s+/g, " ")}\`)` : ""}: ` +
            "a caller who fails its check gets no error — the function body is skipped and the call returns default values (0, false, address(0)), " +
            `which callers and other contracts read as success${access ? `; for an access check like ${name} a rejected caller is never told, and integrations believe the call went through` : ""}.`,
          remediation:
            "Revert on every path that must not run the function, and run `_` on the others:\n```solidity\n" +
            `modifier ${name || "onlyOwner"}() {\n    require(msg.sender == owner, "not owner"); // instead of: if (msg.sender == owner) _;\n    _;\n}\n\`\`\``,
        });
      }
    }
  },
};

export const LOGIC_DETECTORS: Detector[] = [msgValueInNonpayable, tautology, booleanConstant, incorrectModifier];
