import type { AstNode } from "../ast/node";
import { child, list, str, typeString, walk } from "../ast/node";
import { blockValue, flooredToPeriod, hashUsedAsNumber, isHashCall } from "../ast/semantics";
import type { Severity } from "../types";
import { severityRank } from "../types";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";
import { randomnessUses } from "./randomness";

/**
 * block.timestamp / now in decisions: validators can shift it by several seconds. Harmless for deadlines
 * measured in hours or days (low/info), dangerous for equality tests and coin tosses (medium). A timestamp that
 * weak-randomness reports as the source of a random outcome (`block.timestamp % 15 == 0`, hashed into a number) is
 * left to that finding: one finding per weakness.
 */
/** A constant 2**n with n >= 32 (the type of `2**32` is `int_const 4294967296`). */
function isWidePowerOfTwo(n: AstNode | undefined): boolean {
  const m = /^int_const (\d+)$/.exec((n ? typeString(n) : undefined) ?? "");
  if (!m) return false;
  const v = BigInt(m[1]!);
  return v >= 1n << 32n && (v & (v - 1n)) === 0n;
}

export const timestampDependence: Detector = {
  id: "timestamp-dependence",
  category: "time_manipulation",
  title: "Decisions that depend on block.timestamp / now",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    // Timestamps that weak-randomness reports as the source of a random outcome (in any contract of the file: a
    // derived contract's coin toss may read a base contract's stored timestamp).
    const random = new Set<AstNode>();
    for (const contract of contractsIn(ctx)) for (const use of randomnessUses(program, contract)) for (const u of use.used) random.add(u);
    for (const contract of contractsIn(ctx)) {
      const items: { fn?: AstNode; node: AstNode; severity: Severity }[] = [];
      for (const v of list(contract, "nodes")) {
        if (v.nodeType !== "VariableDeclaration" || !child(v, "value")) continue;
        walk(child(v, "value")!, (n) => {
          if (blockValue(program, n) === "timestamp" && !random.has(n)) items.push({ node: n, severity: "low" });
        });
      }
      for (const fn of functionsOf(contract)) {
        walk(child(fn, "body")!, (n) => {
          if (n.nodeType === "EmitStatement") return false;
          if (blockValue(program, n) !== "timestamp" || random.has(n)) return undefined;
          // Classify by the nearest meaningful ancestor.
          let severity: Severity = "info";
          let cur: AstNode | undefined = n;
          for (let i = 0; i < 8 && cur; i++) {
            const p = program.parent(cur);
            if (!p) break;
            if (p.nodeType === "BinaryOperation") {
              const op = str(p, "operator");
              // `block.timestamp % 2**32`: truncation to 32 bits (UniswapV2Pair), not a coin toss
              if (op === "%" && child(p, "leftExpression") === cur && isWidePowerOfTwo(child(p, "rightExpression"))) break;
              // `t - t % INTERVAL`: the time rounded down to its period (Exactly's maturities), not a coin toss
              if (op === "%" && child(p, "leftExpression") === cur && flooredToPeriod(program, p)) {
                severity = "low";
                break;
              }
              if (op === "==" || op === "!=" || op === "%") {
                severity = "medium";
                break;
              }
              if (op === "<" || op === ">" || op === "<=" || op === ">=") severity = "low";
            } else if (p.nodeType === "FunctionCall" && isHashCall(program, p)) {
              // hashed into a number (a coin toss); a hash used as a key or id is harmless
              if (hashUsedAsNumber(program, p)) severity = "medium";
              break;
            } else if (p.nodeType === "IfStatement" || p.nodeType === "WhileStatement" || p.nodeType === "ForStatement" || p.nodeType === "Conditional") {
              if (severity === "info") severity = "low";
              break;
            } else if (p.nodeType === "Assignment" || p.nodeType === "VariableDeclarationStatement" || p.nodeType === "Return") {
              break;
            } else if (p.nodeType === "ExpressionStatement" || p.nodeType === "Block") break;
            cur = p;
          }
          items.push({ fn, node: n, severity });
          return undefined;
        });
      }
      // One finding per function.
      const byFn = new Map<AstNode | undefined, typeof items>();
      for (const it of items) byFn.set(it.fn, [...(byFn.get(it.fn) ?? []), it]);
      for (const [fn, its] of byFn) {
        const severity = its.reduce<Severity>((m, it) => (severityRank(it.severity) > severityRank(m) ? it.severity : m), "info");
        const strict = severity === "medium";
        ctx.report({
          detector: "timestamp-dependence",
          category: "time_manipulation",
          severity,
          confidence: "medium",
          lines: linesIn(program, ctx.file, its.map((i) => i.node)),
          contract: str(contract, "name"),
          function: displayName(fn),
          message: strict
            ? `${displayName(fn) ?? "A state variable"} uses block.timestamp in an equality test, a modulo or a hash: a validator can pick a timestamp that makes it come out the way they want.`
            : `${displayName(fn) ?? "A state variable"} depends on block.timestamp, which validators can move by a few seconds.`,
          remediation: strict
            ? "Do not compare timestamps for equality or derive outcomes from them. Compare with a margin (`>=` a deadline) and use a proper randomness source (commit-reveal, VRF) for games."
            : "Fine for deadlines of minutes or more; make sure a few seconds of drift cannot change who wins or what is paid. Use `>=`/`<=` against deadlines, never `==`.",
        });
      }
    }
  },
};
