/**
 * Rounding direction in vault, share and fee accounting (`rounding-direction`).
 *
 * Every conversion between a vault's shares and its assets loses a remainder; the ERC-4626 rule is that the vault
 * keeps it, so that no sequence of calls takes out more than was put in:
 *
 * | the function                          | converts          | the user         | must round |
 * |---------------------------------------|-------------------|------------------|------------|
 * | deposit / previewDeposit              | assets → shares   | receives shares  | down       |
 * | mint / previewMint                    | shares → assets   | pays assets      | up         |
 * | withdraw / previewWithdraw            | assets → shares   | gives up shares  | up         |
 * | redeem / previewRedeem (and withdraw) | shares → assets   | receives assets  | down       |
 *
 * A conversion is recognised by its shape, not its name: `x * supply / totalAssets` (or `mulDiv`) yields shares,
 * `x * totalAssets / supply` yields assets (also `x * 1e18 / pricePerShare` and `x * pricePerShare / 1e18`), where
 * supply is `totalSupply()`/`totalShares` and total assets `totalAssets()`/`totalManagedAssets`/the vault's own
 * balance. Its direction: `a * b / c`, `mulDiv(a, b, c)`, `mulDivDown`, `Math.Rounding.Floor` round down;
 * `mulDivUp`, `Math.Rounding.Ceil`, `ceilDiv`, `(a * b + c - 1) / c`, `a * b / c + 1` round up. Conversions in
 * helpers are followed from the function named like one of the four operations (also a `Math.Rounding` argument
 * passed down to the helper, as OpenZeppelin's `_convertToShares(assets, rounding)` takes it); a helper that is
 * itself named like an operation is judged on its own.
 *
 * A fee the user pays (`fee = amount * feeBps / 10_000`, then `amount - fee` or `amount + fee`) computed rounded
 * down is reported too: it is 0 for every amount below 10_000 / feeBps, so splitting a transaction avoids it. Low
 * when the NatSpec says the fee rounds down on purpose.
 *
 * One finding per contract, listing every place (the fix is one rounding policy for the whole contract).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import {
  baseDeclaration,
  contractKind,
  exprKey,
  externalCall,
  guardConditions,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isLibraryFunction,
  isReadOnly,
  memberOf,
  parameters,
  stripConversions,
  unwrapCallOptions,
} from "../ast/semantics";
import type { Confidence, Severity } from "../types";
import { severityRank } from "../types";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

type Direction = "down" | "up";
/** What a conversion yields: shares for assets, or assets for shares. */
type Yield = "shares" | "assets";
type Role = "deposit" | "mint" | "withdraw" | "redeem";
type Quantity = "supply" | "assets" | "price";

/** Which way each operation must round what it computes (undefined: the operation does not compute that). */
const EXPECTED: Record<Role, Partial<Record<Yield, Direction>>> = {
  deposit: { shares: "down" },
  mint: { shares: "down", assets: "up" },
  withdraw: { shares: "up", assets: "down" },
  redeem: { assets: "down" },
};

/** What the user does with the result, for the message. */
const EFFECT: Record<Role, Partial<Record<Yield, string>>> = {
  deposit: { shares: "the shares it mints for the assets deposited" },
  mint: { shares: "the shares it mints for the assets paid", assets: "the assets the caller pays for the shares" },
  withdraw: { shares: "the shares it burns for the assets withdrawn", assets: "the assets it pays out for the shares" },
  redeem: { assets: "the assets it pays out for the shares redeemed" },
};

// ---------------------------------------------------------------------------------------------- names

const SUPPLY_NAME =
  /^_?(get_?)?(total_?supply|total_?shares?|total_?share_?supply|share_?supply|shares_?(total|outstanding|supply)|outstanding_?shares|total_?staked_?shares|supply)$/i;
const ASSETS_NAME =
  /^_?(get_?)?(total_?(assets|managed(_?assets)?|underlying(_?assets|_?balance)?|deposits|deposited|pooled\w*|holdings|idle|funds)|managed_?assets|assets_?under_?management|(vault|pool|underlying)_?(balance|assets))$/i;
const PRICE_NAME = /^_?(get_?)?(price_?per_?(full_?)?share|share_?price|exchange_?rate(_?stored|_?current)?|pps|assets_?per_?share)$/i;
/** A function of one of the four operations (`previewWithdraw`, `_withdraw`, `withdrawTo`, `redeemUnderlying`). */
const ROLE_NAME = /^_*(preview_?)?(deposit|mint|withdraw|redeem)/i;
/** Operations on fees and rewards mint or move the protocol's own cut: not the user's conversion. */
const NOT_ROLE = /fee|reward|interest|yield|harvest|compound|incentive|bonus|profit/i;

/** `Math.Rounding.Floor` / `Ceil` (OpenZeppelin v5), `Down` / `Up` (v4), `Trunc` / `Expand`, `Zero`. */
const ROUND_DOWN = /^(Floor|Down|Trunc|Zero)$/;
const ROUND_UP = /^(Ceil|Up|Expand)$/;

/** Library maths: name → [direction, layout]. `mulDiv`: a * b / c; `divWad`: a * WAD / b; `mulWad`: a * b / WAD; `div`: a / b. */
const MULDIV: Record<string, [Direction | "arg", "mulDiv" | "divWad" | "mulWad" | "div"]> = {
  mulDiv: ["arg", "mulDiv"],
  mulDivDown: ["down", "mulDiv"],
  fullMulDiv: ["down", "mulDiv"],
  mulDivRoundingDown: ["down", "mulDiv"],
  mulDivUp: ["up", "mulDiv"],
  fullMulDivUp: ["up", "mulDiv"],
  mulDivRoundingUp: ["up", "mulDiv"],
  divWadDown: ["down", "divWad"],
  divWadUp: ["up", "divWad"],
  mulWadDown: ["down", "mulWad"],
  mulWadUp: ["up", "mulWad"],
  ceilDiv: ["up", "div"],
  divUp: ["up", "div"],
  divRoundUp: ["up", "div"],
  divCeil: ["up", "div"],
};

/** A variable or call holding a fee amount (`fee`, `feeAmount`, `protocolFees`), not a rate or a recipient. */
const FEE_NAME = /fee/i;
const NOT_FEE_AMOUNT = /bps|bp$|rate|percent|pct|ratio|numerator|denominator|basis|points|factor|multiplier|scale|recipient|receiver|collector|treasury|to$|address|wallet|cap$|max|min|tier|free/i;
/** A denominator that scales a rate: 10_000, BPS, FEE_DENOMINATOR, PRECISION, 1e18, _feeDenominator(). */
const SCALE_NAME = /denom|bps|basis|base|precision|scale|percent|pct|wad|ray|unit|hundred|thousand|one|max/i;
const RATE_NAME = /fee|bps|rate|percent|pct|tax|commission|royalt|spread|ratio|numerator|cut/i;
/** The NatSpec says the fee rounds down on purpose: a sentence that names the fee and its rounding. */
const DOCUMENTED_DOWN = /\brounds?\s+(it\s+)?down|\brounded\s+(down|toward\s+zero)/i;
const COMPARISONS = new Set(["<", ">", "<=", ">=", "==", "!="]);

function documentsFeeRounding(doc: string): boolean {
  return doc.split(/[.;]\s|\n\s*\n/).some((sentence) => DOCUMENTED_DOWN.test(sentence) && FEE_NAME.test(sentence));
}

// ---------------------------------------------------------------------------------------------- helpers

function nameOf(expr: AstNode | undefined): string {
  const e = stripConversions(expr);
  if (!e) return "";
  if (e.nodeType === "Identifier") return str(e, "name") ?? "";
  if (e.nodeType === "MemberAccess") return str(e, "memberName") ?? "";
  if (e.nodeType === "FunctionCall") {
    const callee = unwrapCallOptions(child(e, "expression")).callee;
    if (callee?.nodeType === "MemberAccess") return str(callee, "memberName") ?? "";
    if (callee?.nodeType === "Identifier") return str(callee, "name") ?? "";
  }
  return "";
}

/** Source text of an expression on one line, shortened for a message. */
function snippet(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 90 ? `${t.slice(0, 87)}…` : t;
}

/** The function a call runs in this contract (internal, private, public called internally, super), with a body. */
function internalTarget(program: Program, call: AstNode, context: AstNode): AstNode | undefined {
  const fn = internalCallee(program, call, context);
  return fn?.nodeType === "FunctionDefinition" && child(fn, "body") ? fn : undefined;
}

/** The arguments of a call, with the bound first argument of a `using … for` call (`assets.mulDiv(a, b)`) in front. */
function callArguments(program: Program, call: AstNode): AstNode[] {
  const args = list(call, "arguments");
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (callee?.nodeType !== "MemberAccess") return args;
  const base = child(callee, "expression");
  if (!base) return args;
  const decl = program.declOf(callee);
  if (decl?.nodeType === "FunctionDefinition") {
    const bound = isLibraryFunction(program, decl) && parameters(decl).length === args.length + 1 && !(typeString(base) ?? "").startsWith("type(");
    return bound ? [base, ...args] : args;
  }
  // Untyped parse tree: `x.mulDiv(…)` on a variable is a bound call, `Math.mulDiv(…)` is not.
  const target = program.declOf(base);
  if (target?.nodeType === "VariableDeclaration") return [base, ...args];
  return args;
}

/** The factors of a product (`a * b * c` → a, b, c), through parentheses and conversions. */
function factors(expr: AstNode | undefined): AstNode[] {
  const e = stripConversions(expr);
  if (!e) return [];
  if (e.nodeType === "BinaryOperation" && str(e, "operator") === "*") return [...factors(child(e, "leftExpression")), ...factors(child(e, "rightExpression"))];
  return [e];
}

function isProduct(expr: AstNode | undefined): boolean {
  const e = stripConversions(expr);
  return e?.nodeType === "BinaryOperation" && str(e, "operator") === "*";
}

function literalValue(expr: AstNode | undefined): bigint | undefined {
  const e = stripConversions(expr);
  if (e?.nodeType !== "Literal" || e.subdenomination) return undefined;
  const v = String(e.value ?? "").replace(/_/g, "");
  if (/^(\d+|0x[0-9a-f]+)$/i.test(v)) return BigInt(v);
  const sci = /^(\d+)e(\d+)$/i.exec(v);
  return sci ? BigInt(sci[1]!) * 10n ** BigInt(sci[2]!) : undefined;
}

/** A literal, a constant or immutable, or an expression of those (`10 ** 18`). */
function isConstant(program: Program, expr: AstNode | undefined): boolean {
  const e = stripConversions(expr);
  if (!e) return false;
  if (e.nodeType === "Literal") return true;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    return d?.nodeType === "VariableDeclaration" && d.stateVariable === true && isConstantVariable(d);
  }
  if (e.nodeType === "BinaryOperation") return isConstant(program, child(e, "leftExpression")) && isConstant(program, child(e, "rightExpression"));
  return false;
}

/** The core of a ceiling division `(core + (d - 1)) / d`, `(core + d - 1) / d`, `(core - 1) / d + 1` is handled by the caller. */
function ceilCore(program: Program, div: AstNode): AstNode | undefined {
  const num = stripConversions(child(div, "leftExpression"));
  const d = stripConversions(child(div, "rightExpression"));
  if (!num || !d || num.nodeType !== "BinaryOperation") return undefined;
  const dKey = exprKey(program, d);
  const dValue = literalValue(d);
  const isD = (n: AstNode | undefined): boolean => n !== undefined && exprKey(program, stripConversions(n) ?? n) === dKey;
  const isDMinusOne = (n: AstNode | undefined): boolean => {
    const e = stripConversions(n);
    if (!e) return false;
    const v = literalValue(e);
    if (dValue !== undefined && v !== undefined) return v === dValue - 1n;
    return e.nodeType === "BinaryOperation" && str(e, "operator") === "-" && isD(child(e, "leftExpression")) && literalValue(child(e, "rightExpression")) === 1n;
  };
  const l = child(num, "leftExpression");
  const r = child(num, "rightExpression");
  if (str(num, "operator") === "+") {
    if (isDMinusOne(r)) return l;
    if (isDMinusOne(l)) return r;
    return undefined;
  }
  if (str(num, "operator") === "-" && literalValue(r) === 1n) {
    const sum = stripConversions(l);
    if (sum?.nodeType !== "BinaryOperation" || str(sum, "operator") !== "+") return undefined;
    if (isD(child(sum, "rightExpression"))) return child(sum, "leftExpression");
    if (isD(child(sum, "leftExpression"))) return child(sum, "rightExpression");
  }
  return undefined;
}

/** `q + 1`, `q + (r > 0 ? 1 : 0)`, `q + (x % d == 0 ? 0 : 1)`: a quotient rounded up after the fact. */
function roundedUpAfter(program: Program, div: AstNode): boolean {
  let cur = div;
  let p = program.parent(cur);
  while (p?.nodeType === "TupleExpression" && list(p, "components").length === 1) {
    cur = p;
    p = program.parent(cur);
  }
  if (p?.nodeType !== "BinaryOperation" || str(p, "operator") !== "+") return false;
  const other = child(p, "leftExpression") === cur ? child(p, "rightExpression") : child(p, "leftExpression");
  const o = stripConversions(other);
  if (!o) return false;
  if (literalValue(o) === 1n) return true;
  if (o.nodeType === "Conditional") return true;
  return findAll(o, "BinaryOperation").some((b) => str(b, "operator") === "%");
}

/** Which way a `Math.Rounding` argument rounds: a literal member, or a parameter bound by the caller. */
function roundingOf(program: Program, arg: AstNode | undefined, bindings: Map<AstNode, Direction>): Direction | undefined {
  const e = stripConversions(arg);
  if (!e) return undefined;
  if (e.nodeType === "MemberAccess") {
    const m = str(e, "memberName") ?? "";
    const base = child(e, "expression");
    if (!/Rounding$/.test(nameOf(base) || (base ? program.text(base) : ""))) return undefined;
    if (ROUND_DOWN.test(m)) return "down";
    if (ROUND_UP.test(m)) return "up";
    return undefined;
  }
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    return d ? bindings.get(d) : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------- conversions

interface Division {
  num: AstNode[];
  den: AstNode;
  direction: Direction;
}

/** `a * b / c` (with its rounding-up variants) or a library `mulDiv`; undefined for anything else. */
function divisionAt(program: Program, n: AstNode, bindings: Map<AstNode, Direction>): Division | undefined {
  if (n.nodeType === "BinaryOperation" && str(n, "operator") === "/") {
    const den = child(n, "rightExpression");
    if (!den) return undefined;
    const core = ceilCore(program, n);
    const num = core ?? child(n, "leftExpression");
    if (!isProduct(num)) return undefined;
    return { num: factors(num), den, direction: core || roundedUpAfter(program, n) ? "up" : "down" };
  }
  if (n.nodeType !== "FunctionCall") return undefined;
  const spec = MULDIV[nameOf(n)];
  if (!spec) return undefined;
  const target = program.declOf(unwrapCallOptions(child(n, "expression")).callee);
  // Our own contract's function of that name (not the maths library's): judged through its body instead.
  if (target?.nodeType === "FunctionDefinition" && !isLibraryFunction(program, target)) return undefined;
  const args = callArguments(program, n);
  const [kind, layout] = spec;
  let direction: Direction | undefined;
  if (kind === "arg") {
    if (args.length === 3) direction = "down";
    else if (args.length === 4) direction = roundingOf(program, args[3], bindings);
  } else direction = kind;
  if (!direction) return undefined;
  if (layout === "mulDiv" && args.length >= 3) return { num: [args[0]!, args[1]!], den: args[2]!, direction };
  if (layout === "divWad" && args.length >= 2) return { num: [args[0]!], den: args[1]!, direction };
  if (layout === "div" && args.length === 2) return { num: factors(args[0]), den: args[1]!, direction };
  return undefined; // mulWad: a * b / WAD is no share conversion
}

/** The accounting quantities an expression reads: the share supply, the vault's total assets, a share price. */
function quantities(program: Program, expr: AstNode | undefined, depth = 0): Set<Quantity> {
  const out = new Set<Quantity>();
  if (!expr || depth > 3) return out;
  const classify = (name: string): Quantity | undefined =>
    SUPPLY_NAME.test(name) ? "supply" : ASSETS_NAME.test(name) ? "assets" : PRICE_NAME.test(name) ? "price" : undefined;
  walk(expr, (n) => {
    if (n.nodeType === "Identifier") {
      const q = classify(str(n, "name") ?? "");
      if (q) out.add(q);
      else {
        const d = program.declOf(n);
        if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true) {
          const init = initialValueOf(program, d);
          if (init) for (const x of quantities(program, init, depth + 1)) out.add(x);
        }
      }
      return undefined;
    }
    if (n.nodeType === "MemberAccess") {
      const q = classify(str(n, "memberName") ?? "");
      if (q) {
        out.add(q);
        return false;
      }
      if (str(n, "memberName") === "balance" && isThis(program, child(n, "expression"))) {
        out.add("assets");
        return false;
      }
      return undefined;
    }
    if (n.nodeType === "FunctionCall") {
      const name = nameOf(n);
      const args = list(n, "arguments");
      if (name === "balanceOf" && args.length === 1) {
        if (isThis(program, args[0])) out.add("assets");
        return false; // a user's balance
      }
      // Another contract's supply or share price (a strategy sizing its withdrawal from an external vault): not ours.
      if (externalCall(program, n)) return false;
      const q = args.length === 0 ? classify(name) : undefined;
      if (q) {
        out.add(q);
        return false;
      }
    }
    return undefined;
  });
  return out;
}

function isThis(program: Program, expr: AstNode | undefined): boolean {
  const e = stripConversions(expr);
  return e?.nodeType === "Identifier" && str(e, "name") === "this" && program.declOf(e) === undefined;
}

/** Whether a division converts between shares and assets, and which of them it yields. */
function conversionYield(program: Program, d: Division): Yield | undefined {
  const num = new Set<Quantity>();
  for (const f of d.num) for (const q of quantities(program, f)) num.add(q);
  const den = quantities(program, d.den);
  const only = (s: Set<Quantity>, q: Quantity): boolean => s.has(q) && s.size === 1;
  if (only(num, "supply") && only(den, "assets")) return "shares";
  if (only(num, "assets") && only(den, "supply")) return "assets";
  if (num.size === 0 && only(den, "price")) return "shares";
  if (only(num, "price") && den.size === 0) return "assets";
  return undefined;
}

function roleOf(fn: AstNode): Role | undefined {
  const name = str(fn, "name") ?? "";
  if (NOT_ROLE.test(name)) return undefined;
  if (/^_*redeem_?underlying/i.test(name)) return "withdraw"; // Compound: assets asked for, cTokens burned
  const m = ROLE_NAME.exec(name);
  return m ? (m[2]!.toLowerCase() as Role) : undefined;
}

/** The variable a value is stored in (`T x = value`, `x = value`), through parentheses and conversions. */
function storedIn(program: Program, node: AstNode): AstNode | undefined {
  let cur = node;
  let p = program.parent(cur);
  while (p && ((p.nodeType === "TupleExpression" && list(p, "components").length === 1) || (p.nodeType === "FunctionCall" && stripConversions(p) !== p))) {
    cur = p;
    p = program.parent(cur);
  }
  if (p?.nodeType === "VariableDeclarationStatement" && child(p, "initialValue") === cur) {
    const decls = (p.declarations as (AstNode | null)[] | undefined) ?? [];
    return decls.length === 1 ? (decls[0] ?? undefined) : undefined;
  }
  if (p?.nodeType === "Assignment" && str(p, "operator") === "=" && child(p, "rightHandSide") === cur) return baseDeclaration(program, child(p, "leftHandSide"));
  return undefined;
}

/**
 * Whether the function adjusts the value after the fact: the variable it lands in is incremented (`shares += 1`,
 * `++shares`, `shares = shares + 1`), or a remainder with the same divisor is taken (a manual rounding up).
 */
function adjustedAfter(program: Program, fn: AstNode, node: AstNode, divisor: AstNode | undefined): boolean {
  const body = child(fn, "body");
  if (!body) return false;
  if (divisor) {
    const key = exprKey(program, stripConversions(divisor) ?? divisor);
    if (findAll(body, "BinaryOperation").some((b) => str(b, "operator") === "%" && exprKey(program, stripConversions(child(b, "rightExpression")) ?? b) === key)) return true;
  }
  const v = storedIn(program, node);
  if (!v) return false;
  const refs = (e: AstNode | undefined): boolean => e !== undefined && baseDeclaration(program, e) === v;
  for (const n of findAll(body, "UnaryOperation", "Assignment")) {
    if (n.nodeType === "UnaryOperation" && str(n, "operator") === "++" && refs(child(n, "subExpression"))) return true;
    if (n.nodeType !== "Assignment" || !refs(child(n, "leftHandSide"))) continue;
    if (str(n, "operator") === "+=") return true;
    const rhs = stripConversions(child(n, "rightHandSide"));
    if (str(n, "operator") === "=" && rhs?.nodeType === "BinaryOperation" && str(rhs, "operator") === "+") {
      if (refs(child(rhs, "leftExpression")) || refs(child(rhs, "rightExpression"))) return true;
    }
  }
  return false;
}

interface Issue {
  kind: "vault" | "fee";
  /** The line to report: the conversion, or the call in the operation's function that leads to it. */
  anchor: AstNode;
  fn: AstNode;
  text: string;
  severity: Severity;
  confidence: Confidence;
}

/** Conversions an operation's function computes, itself or in the helpers it calls, that round the user's way. */
function vaultIssues(program: Program, contract: AstNode, fn: AstNode, role: Role): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  const visit = (f: AstNode, bindings: Map<AstNode, Direction>, depth: number, via: AstNode | undefined): void => {
    const key = `${f.id}:${[...bindings].map(([d, r]) => `${d.id}=${r}`).join(",")}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const n of findAll(child(f, "body")!, "BinaryOperation", "FunctionCall")) {
      const d = divisionAt(program, n, bindings);
      if (d) {
        const yields = conversionYield(program, d);
        const expected = yields ? EXPECTED[role][yields] : undefined;
        if (!yields || !expected || d.direction === expected) continue;
        const anchor = via ?? n;
        if (d.direction === "down" && (adjustedAfter(program, f, n, d.den) || (via && adjustedAfter(program, fn, via, undefined)))) continue;
        out.push({
          kind: "vault",
          anchor,
          fn,
          text: `${displayName(fn)}() rounds ${d.direction} ${EFFECT[role][yields]} (\`${snippet(program, n)}\`${via ? " in a helper it calls" : ""}), which must round ${expected}`,
          severity: "medium",
          confidence: "medium",
        });
        continue;
      }
      if (n.nodeType !== "FunctionCall" || depth >= 3) continue;
      const target = internalTarget(program, n, contract);
      if (!target || target === f || isLibraryFunction(program, target)) continue;
      if (roleOf(target) !== undefined && target !== fn) continue; // judged as an operation of its own
      const args = callArguments(program, n);
      const next = new Map<AstNode, Direction>();
      parameters(target).forEach((p, i) => {
        const r = roundingOf(program, args[i], bindings);
        if (r) next.set(p, r);
      });
      visit(target, next, depth + 1, via ?? n);
    }
  };
  visit(fn, new Map(), 0, undefined);
  return out;
}

// ---------------------------------------------------------------------------------------------- fees

interface FeeValue {
  /** The amount the fee is taken from. */
  base: AstNode;
  division: AstNode;
  /** The smallest amount that pays a fee, when rate and scale are constants. */
  freeBelow?: bigint;
}

/** The value of a literal or of a constant initialised with one (`10_000`, `BPS`, `1e4`, a library's `Math.WAD`). */
export function constantValue(program: Program, expr: AstNode | undefined, depth = 0): bigint | undefined {
  const e = stripConversions(expr);
  if (!e || depth > 2) return undefined;
  const v = literalValue(e);
  if (v !== undefined) return v;
  if (e.nodeType === "Identifier" || e.nodeType === "MemberAccess") {
    const d = program.declOf(e);
    if (d?.nodeType === "VariableDeclaration" && (d.constant === true || str(d, "mutability") === "constant")) return constantValue(program, child(d, "value"), depth + 1);
  }
  if (e.nodeType === "BinaryOperation" && str(e, "operator") === "**") {
    const b = constantValue(program, child(e, "leftExpression"), depth + 1);
    const x = constantValue(program, child(e, "rightExpression"), depth + 1);
    if (b !== undefined && x !== undefined && x < 80n) return b ** x;
  }
  return undefined;
}

/** `amount * rate / SCALE` or `mulDiv(amount, rate, SCALE)` rounded down, with `amount` the non-rate factor. */
function floorFee(program: Program, expr: AstNode | undefined): FeeValue | undefined {
  const e = stripConversions(expr);
  if (!e) return undefined;
  const d = divisionAt(program, e, new Map());
  if (!d || d.direction !== "down") return undefined;
  const den = stripConversions(d.den);
  if (!den) return undefined;
  const scale = isConstant(program, den) || (SCALE_NAME.test(nameOf(den)) && (den.nodeType !== "FunctionCall" || list(den, "arguments").length === 0));
  if (!scale) return undefined;
  const rates = d.num.filter((f) => isConstant(program, f) || RATE_NAME.test(nameOf(f)));
  const bases = d.num.filter((f) => !rates.includes(f));
  if (rates.length === 0 || bases.length !== 1) return undefined;
  const scaleValue = constantValue(program, den);
  const rateValues = rates.map((r) => constantValue(program, r));
  let freeBelow: bigint | undefined;
  if (scaleValue !== undefined && rateValues.every((r) => r !== undefined && r > 0n)) {
    const rate = rateValues.reduce<bigint>((m, r) => m * r!, 1n);
    freeBelow = (scaleValue + rate - 1n) / rate;
  }
  return { base: bases[0]!, division: e, freeBelow };
}

/** The declarations an expression reads (and `msg.value`), to tell whether two expressions use the same amount. */
function readsOf(program: Program, expr: AstNode | undefined): Set<AstNode | string> {
  const out = new Set<AstNode | string>();
  if (!expr) return out;
  walk(expr, (n) => {
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d) out.add(d);
    } else if (memberOf(program, n, "msg", "value")) out.add("msg.value");
    return undefined;
  });
  return out;
}

/** Fees the user pays that a state-changing function computes rounded down. */
/**
 * Whether `expr` is an amount the caller sizes: an integer parameter of `fn` or `msg.value`, through locals, arithmetic,
 * conversions and internal helpers' arguments; not a value an external call looks up (`vault.finalTVL(id)`).
 */
function callerSized(program: Program, expr: AstNode | undefined, fn: AstNode, depth = 0): boolean {
  const e = stripConversions(expr);
  if (!e || depth > 4) return false;
  if (memberOf(program, e, "msg", "value")) return true;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (!d || d.nodeType !== "VariableDeclaration") return false;
    if (parameters(fn).includes(d)) return /^u?int\d*$/.test(typeString(d) ?? "");
    if (d.stateVariable === true) return false;
    const assigned = findAll(child(fn, "body")!, "Assignment")
      .filter((a) => program.declOf(stripConversions(child(a, "leftHandSide"))) === d)
      .map((a) => child(a, "rightHandSide"));
    return [initialValueOf(program, d), ...assigned].some((v) => callerSized(program, v, fn, depth + 1));
  }
  if (e.nodeType === "BinaryOperation") return callerSized(program, child(e, "leftExpression"), fn, depth + 1) || callerSized(program, child(e, "rightExpression"), fn, depth + 1);
  if (e.nodeType === "Conditional") return callerSized(program, child(e, "trueExpression"), fn, depth + 1) || callerSized(program, child(e, "falseExpression"), fn, depth + 1);
  if (e.nodeType === "FunctionCall" && !externalCall(program, e)) return list(e, "arguments").some((a) => callerSized(program, a, fn, depth + 1));
  return false;
}

/**
 * An internal function's fee base that every caller checks against a minimum in a modifier (`deposit(…)
 * minRequiredDeposit(_assets)` before `_deposit(_id, _assets, …)`): the fee is charged on amounts the minimum keeps
 * above the free range.
 */
function minimumAtEveryCaller(program: Program, contract: AstNode, fn: AstNode, base: AstNode): boolean {
  const param = program.declOf(stripConversions(base));
  const index = param ? parameters(fn).indexOf(param) : -1;
  if (index < 0 || fn.nodeType !== "FunctionDefinition" || !["internal", "private"].includes(str(fn, "visibility") ?? "")) return false;
  const calls: { caller: AstNode; arg: AstNode | undefined }[] = [];
  for (const caller of program.linearized(contract).flatMap((c) => functionsOf(c))) {
    for (const call of findAll(child(caller, "body") ?? caller, "FunctionCall")) {
      if (internalCallee(program, call, contract) === fn) calls.push({ caller, arg: callArguments(program, call)[index] });
    }
  }
  if (calls.length === 0) return false;
  return calls.every(({ caller, arg }) => {
    const sources = new Set(readsOf(program, arg));
    // a local taken from msg.value (`uint256 assets = msg.value;`) stands for it
    const a = stripConversions(arg);
    const local = a?.nodeType === "Identifier" ? program.declOf(a) : undefined;
    const init = local ? initialValueOf(program, local) : undefined;
    const fromValue = init !== undefined && memberOf(program, stripConversions(init), "msg", "value");
    return list(caller, "modifiers").some((m) => {
      if (!/min/i.test(program.text(child(m, "modifierName") ?? m))) return false;
      return list(m, "arguments").some((x) => [...readsOf(program, x)].some((r) => sources.has(r)) || (fromValue && memberOf(program, stripConversions(x), "msg", "value")));
    });
  });
}

function feeIssues(program: Program, contract: AstNode, fn: AstNode, documented: boolean): Issue[] {
  // A quote charges nothing; a vault's preview functions (ERC4626Fees) decide what deposit/withdraw charge.
  if (isReadOnly(fn) && roleOf(fn) === undefined) return [];
  const body = child(fn, "body")!;
  const out: Issue[] = [];
  const candidates: { decl: AstNode; value: FeeValue; at: AstNode }[] = [];
  const consider = (decl: AstNode | undefined, value: AstNode | undefined, at: AstNode): void => {
    if (decl?.nodeType !== "VariableDeclaration") return;
    const name = str(decl, "name") ?? "";
    if (!FEE_NAME.test(name) || NOT_FEE_AMOUNT.test(name)) return;
    let fee = floorFee(program, value);
    const e = stripConversions(value);
    if (!fee && e?.nodeType === "FunctionCall") {
      // A fee helper: `_fee(amount)` returning `amount * feeBps / BPS`.
      const target = internalTarget(program, e, contract);
      const returns = target ? findAll(child(target, "body")!, "Return") : [];
      if (target && returns.length === 1) {
        const inner = floorFee(program, child(returns[0]!, "expression"));
        const param = inner ? program.declOf(stripConversions(inner.base)) : undefined;
        const i = param ? parameters(target).indexOf(param) : -1;
        const arg = i >= 0 ? callArguments(program, e)[i] : undefined;
        if (inner && arg) fee = { base: arg, division: e, freeBelow: inner.freeBelow };
      }
    }
    if (fee) candidates.push({ decl, value: fee, at });
  };
  for (const n of findAll(body, "VariableDeclarationStatement", "Assignment")) {
    if (n.nodeType === "VariableDeclarationStatement") {
      const decls = (n.declarations as (AstNode | null)[] | undefined) ?? [];
      if (decls.length === 1) consider(decls[0] ?? undefined, child(n, "initialValue"), n);
    } else if (str(n, "operator") === "=") consider(baseDeclaration(program, child(n, "leftHandSide")), child(n, "rightHandSide"), n);
  }
  const guards = guardConditions(program, body).map((g) => g.cond);
  for (const { decl, value, at } of candidates) {
    const isFee = (e: AstNode | undefined): boolean => e !== undefined && baseDeclaration(program, stripConversions(e) ?? e) === decl;
    const baseReads = readsOf(program, value.base);
    const sameAmount = (e: AstNode | undefined): boolean => [...readsOf(program, e)].some((r) => baseReads.has(r));
    // Charged: taken out of the amount (`amount - fee`, `amount -= fee`) or added on top of it (`amount + fee`).
    const charged =
      findAll(body, "BinaryOperation").some((b) => {
        const op = str(b, "operator");
        const l = child(b, "leftExpression");
        const r = child(b, "rightExpression");
        if (op === "-") return isFee(r) && sameAmount(l);
        if (op === "+") return (isFee(r) && sameAmount(l)) || (isFee(l) && sameAmount(r));
        return false;
      }) || findAll(body, "Assignment").some((a) => str(a, "operator") === "-=" && isFee(child(a, "rightHandSide")) && sameAmount(child(a, "leftHandSide")));
    if (!charged) continue;
    // Only an amount the caller sizes can be split: a fee on a total the function looks up (a vault's final TVL,
    // settled once per epoch) loses at most one unit per settlement.
    if (!callerSized(program, value.base, fn)) continue;
    // A minimum fee or a minimum amount: `if (fee == 0) fee = 1`, `require(fee > 0)`, `require(amount >= MIN_AMOUNT)`.
    const writes = findAll(body, "Assignment").filter((a) => baseDeclaration(program, child(a, "leftHandSide")) === decl);
    if (writes.length > (at.nodeType === "Assignment" ? 1 : 0)) continue;
    const bounded = guards.some((g) => {
      const reads = readsOf(program, g);
      // The fee itself compared with a bound (`fee > 0`, `fee >= MIN_FEE`), not `msg.value == amount + fee`.
      const feeBound = findAll(g, "BinaryOperation").some((c) => {
        if (!COMPARISONS.has(str(c, "operator") ?? "")) return false;
        const l = child(c, "leftExpression");
        const r = child(c, "rightExpression");
        return (isFee(l) && !sameAmount(r)) || (isFee(r) && !sameAmount(l));
      });
      if (feeBound) return true;
      let min = false;
      walk(g, (x) => {
        if ((x.nodeType === "Identifier" || x.nodeType === "MemberAccess") && /min/i.test(nameOf(x))) min = true;
        return undefined;
      });
      return min && [...reads].some((r) => baseReads.has(r));
    });
    if (bounded || minimumAtEveryCaller(program, contract, fn, value.base)) continue;
    const free = value.freeBelow !== undefined ? `every amount below ${value.freeBelow}` : "every amount below the scale divided by the rate";
    out.push({
      kind: "fee",
      anchor: value.division,
      fn,
      text:
        `${displayName(fn)}() charges the fee \`${str(decl, "name")}\` rounded down (\`${snippet(program, value.division)}\`): ` +
        `it is 0 for ${free}, so splitting a transaction into small ones avoids the fee` +
        (documented ? " (the NatSpec says the fee rounds down on purpose)" : ""),
      severity: documented ? "low" : "medium",
      confidence: "low",
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- detector

const HARNESS_BASE = /^(Test|DSTest|Script|TestBase|ScriptBase|StdAssertions|StdCheats)$/;

function docText(node: AstNode | undefined): string {
  const d = node?.documentation;
  if (typeof d === "string") return d;
  if (d && typeof d === "object") return String((d as { text?: unknown }).text ?? "");
  return "";
}

export const roundingDirection: Detector = {
  id: "rounding-direction",
  category: "arithmetic",
  title: "Vault conversions and fees rounded in the user's favour (ERC-4626: round against the user)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) === "library") continue;
      if (program.linearized(contract).some((b) => b !== contract && HARNESS_BASE.test(str(b, "name") ?? ""))) continue;
      const issues: Issue[] = [];
      for (const fn of functionsOf(contract)) {
        const role = roleOf(fn);
        if (role) issues.push(...vaultIssues(program, contract, fn, role));
        const documented = documentsFeeRounding(`${docText(contract)}\n\n${docText(fn)}`);
        issues.push(...feeIssues(program, contract, fn, documented));
      }
      const unique = new Map<AstNode, Issue>();
      for (const i of issues) if (program.fileOf(i.anchor) === file && !unique.has(i.anchor)) unique.set(i.anchor, i);
      const found = [...unique.values()];
      if (found.length === 0) continue;
      const severity = found.reduce<Severity>((m, i) => (severityRank(i.severity) > severityRank(m) ? i.severity : m), "info");
      const confidence: Confidence = found.some((i) => i.confidence === "medium" && i.severity === severity) ? "medium" : "low";
      const fns = [...new Set(found.map((i) => i.fn))];
      ctx.report({
        detector: "rounding-direction",
        category: "arithmetic",
        severity,
        confidence,
        lines: linesIn(program, file, found.map((i) => i.anchor)),
        contract: str(contract, "name"),
        function: fns.length === 1 ? displayName(fns[0]) : undefined,
        message:
          `${str(contract, "name")} rounds in the user's favour: ${found.map((i) => i.text).join("; ")}.` +
          (found.some((i) => i.kind === "vault")
            ? " Each conversion error is at most one unit, but the caller chooses the amounts and can repeat the operation " +
              "(deposit-withdraw loops, withdrawals too small to burn a share) to take the remainders from the other " +
              "holders; with a high share price one unit is worth a lot."
            : ""),
        remediation:
          "Round against the user everywhere, with an explicit direction (OpenZeppelin `Math.mulDiv(x, y, d, Math.Rounding.…)` " +
          "or solmate `mulDivDown`/`mulDivUp`): shares minted for a deposit and assets paid for a redeem round down; assets " +
          "charged for a mint and shares burned for a withdraw round up; fees charged to the user round up (or enforce a " +
          "minimum fee):\n```solidity\nfunction previewWithdraw(uint256 assets) public view returns (uint256) {\n" +
          "    return Math.mulDiv(assets, totalSupply() + 1, totalAssets() + 1, Math.Rounding.Ceil); // burn at least enough\n}\n" +
          "uint256 fee = Math.mulDiv(amount, feeBps, 10_000, Math.Rounding.Ceil);\n```",
      });
    }
  },
};
