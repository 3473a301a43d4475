import type { AstNode } from "../ast/node";
import { child, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { blockValue, flooredToPeriod, hashUsedAsNumber, isConversion, isHashCall, isSenderLike, stripConversions } from "../ast/semantics";
import { propagate, taintOf, type Taint } from "../ast/taint";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const STRONG = new Set(["blockhash", "difficulty", "prevrandao", "coinbase", "gaslimit"]);

function isEntropySource(program: Program, n: AstNode): boolean {
  return blockValue(program, n) !== undefined;
}

function strength(program: Program, sources: Set<AstNode>): "strong" | "weak" | undefined {
  let weak = false;
  for (const s of sources) {
    const b = blockValue(program, s);
    if (b && STRONG.has(b)) return "strong";
    if (b) weak = true;
  }
  return weak ? "weak" : undefined;
}

function isSmallModulus(program: Program, divisor: AstNode | undefined): boolean {
  const d = stripConversions(divisor);
  if (!d) return false;
  if (d.nodeType === "Literal") return true;
  if (d.nodeType === "MemberAccess" && str(d, "memberName") === "length") return true;
  return false;
}

/** Where one function uses block values as a random number (what weak-randomness reports). */
export interface RandomnessUse {
  fn: AstNode;
  /** The expressions that turn block values into an outcome: `x % n`, `keccak256(…)` used as a number, `== guess`. */
  sinks: AstNode[];
  /** The block values (and sender addresses) the outcome is derived from, and state writes that carried them. */
  used: Set<AstNode>;
  /** Later reads of a local the outcome was stored in. */
  outcomeUses: AstNode[];
  returnsRandom: boolean;
}

const USES = new WeakMap<Program, WeakMap<AstNode, RandomnessUse[]>>();

/**
 * Every function of `contract` that derives a random outcome from block values: modulo, hashing into a number,
 * narrowing casts, comparisons with a guess. Computed once per contract (timestamp-dependence asks too, so that a
 * timestamp used as randomness is reported once, as weak randomness).
 */
export function randomnessUses(program: Program, contract: AstNode): RandomnessUse[] {
  const byContract = USES.get(program) ?? new WeakMap<AstNode, RandomnessUse[]>();
  USES.set(program, byContract);
  const cached = byContract.get(contract);
  if (cached) return cached;
  const isSrc = (n: AstNode): boolean => isEntropySource(program, n);
  const chain = program.linearized(contract);
  const stateVars = chain.flatMap((c) => list(c, "nodes").filter((n) => n.nodeType === "VariableDeclaration"));
  const fns = chain.flatMap(functionsOf);
  const taint: Taint = new Map();
  propagate(program, [...stateVars, ...fns.map((f) => child(f, "body")!).filter(Boolean)], taint, isSrc);

  const out: RandomnessUse[] = [];
  for (const fn of functionsOf(contract)) {
    const sinks: AstNode[] = [];
    const used = new Set<AstNode>();
    let returnsRandom = false;
    const consider = (sink: AstNode, expr: AstNode | undefined, needsStrong: boolean): boolean => {
      const t = taintOf(program, expr, taint, isSrc);
      const s = strength(program, t);
      if (!s || (needsStrong && s !== "strong")) return false;
      sinks.push(sink);
      for (const x of t) used.add(x);
      return true;
    };
    walk(child(fn, "body")!, (n) => {
      if (n.nodeType === "BinaryOperation") {
        const op = str(n, "operator");
        const l = child(n, "leftExpression");
        const r = child(n, "rightExpression");
        if (op === "%" && flooredToPeriod(program, n)) {
          // `t - t % 7 days`: the time rounded down to its period (Zivoe's Friday due dates), not a coin toss
        } else if (op === "%") {
          // block value % small number: a coin toss
          if (isSmallModulus(program, r)) consider(n, l, false);
          else consider(n, l, true);
          // uint(msg.sender) % n, uint(block.coinbase) % n
          const lc = stripConversions(l);
          if (lc && l !== lc && isSenderLike(program, lc)) {
            sinks.push(n);
            used.add(lc);
          }
        } else if (op === "==" || op === "!=") {
          if (!consider(n, l, true)) consider(n, r, true);
        }
      } else if (n.nodeType === "FunctionCall") {
        if (isHashCall(program, n)) {
          // hashing a strong source, or a timestamp/number whose hash is then used as a number
          const numeric = hashUsedAsNumber(program, n);
          for (const a of list(n, "arguments")) if (consider(n, a, !numeric)) break;
        } else if (isConversion(n)) {
          const t = typeString(n) ?? "";
          const callee = child(n, "expression");
          const to = t || (callee ? program.text(callee) : "");
          if (/^u?int\d*$/.test(to) || /^bytes\d+$/.test(to)) {
            const arg = list(n, "arguments")[0];
            if (arg && blockValue(program, stripConversions(arg)!) === "blockhash") consider(n, arg, true);
          }
        }
      } else if (n.nodeType === "Return") {
        const e = child(n, "expression");
        if (e && sinks.some((s) => s === e || program.contains(e, s))) returnsRandom = true;
      }
      return undefined;
    });
    if (sinks.length === 0) continue;
    // Where the predictable outcome is used: later reads of a local it was stored in.
    const outcomeUses: AstNode[] = [];
    for (const sink of sinks) {
      const holder = program.ancestor(sink, "VariableDeclarationStatement", "Assignment", "ExpressionStatement", "Return");
      let decl: AstNode | undefined;
      if (holder?.nodeType === "VariableDeclarationStatement") decl = ((holder.declarations as (AstNode | null)[]) ?? [])[0] ?? undefined;
      else if (holder?.nodeType === "Assignment") decl = program.declOf(child(holder, "leftHandSide"));
      if (!decl || decl.stateVariable === true) continue;
      walk(child(fn, "body")!, (n) => {
        if (n.nodeType === "Identifier" && program.declOf(n) === decl) outcomeUses.push(n);
      });
    }
    out.push({ fn, sinks, used, outcomeUses, returnsRandom });
  }
  byContract.set(contract, out);
  return out;
}

/** SWC-120 (weak randomness), and SWC-116 (timestamp dependence) too when block.timestamp is one of the sources. */
function randomnessSwc(program: Program, used: Iterable<AstNode>): string[] {
  return [...used].some((u) => blockValue(program, u) === "timestamp") ? ["SWC-120", "SWC-116"] : ["SWC-120"];
}

/**
 * Where block values are used as a random number: modulo, hashing into a number, narrowing casts,
 * comparisons with a guess.
 */
export const weakRandomness: Detector = {
  id: "weak-randomness",
  category: "bad_randomness",
  title: "Block values (blockhash, timestamp, number, difficulty, coinbase) used as a source of randomness",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const { fn, sinks, used, outcomeUses, returnsRandom } of randomnessUses(program, contract)) {
        const anyStrong = strength(program, used) === "strong";
        const lines = linesIn(program, ctx.file, [...sinks, ...used, ...outcomeUses, ...(returnsRandom ? [fn] : [])]);
        ctx.report({
          detector: "weak-randomness",
          category: "bad_randomness",
          severity: "high",
          confidence: anyStrong ? "high" : "medium",
          lines,
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() derives a random outcome from block values (${[...new Set([...used].map((u) => blockValue(program, u) ?? "sender address"))].join(", ")}). ` +
            "Validators choose or know these values before the transaction is final, and other contracts can compute them in the same block, so the outcome can be predicted or steered.",
          remediation:
            "Never use block values as randomness. Use a verifiable random function (e.g. Chainlink VRF) or a commit-reveal scheme: " +
            "players first submit `keccak256(abi.encode(secret, msg.sender))`, reveal `secret` in a later block, and the outcome mixes all revealed secrets.\n" +
            "```solidity\nfunction commit(bytes32 h) external { commits[msg.sender] = Commit(h, block.number); }\n" +
            "function reveal(bytes32 secret) external {\n    require(keccak256(abi.encode(secret, msg.sender)) == commits[msg.sender].hash);\n    require(block.number > commits[msg.sender].blockNumber);\n    // combine revealed secrets here\n}\n```",
          swc: randomnessSwc(program, used),
        });
      }
    }
  },
};
