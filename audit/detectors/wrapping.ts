/**
 * Full-precision multiply-divide compiled with checked arithmetic (`checked-wrapping-math`).
 *
 * Remco Bloemen's 512-bit `mulDiv` (Uniswap v3's FullMath, many copies) builds the product `a * b` in two words: the low
 * word with a plain `a * b` and the full product with `mulmod(a, b, not(0))` in assembly. Then it computes the modular
 * inverse of the denominator by Newton–Raphson (`inv *= 2 - denominator * inv`), multiplies `prod0 * inv`, and takes the
 * largest power of two dividing the denominator — every step relies on arithmetic that wraps modulo 2^256. Written for
 * Solidity 0.7, where arithmetic wraps, it is correct; copied into a 0.8 file without `unchecked { }` around it, the
 * checked operators revert exactly when the intermediate product exceeds 256 bits — the one case the function exists
 * for — so every caller that relies on it for large values (prices, liquidity, fees) reverts.
 *
 * Reported: a function of a file compiled with checked arithmetic (0.8 and later) whose inline assembly takes
 * `mulmod(…, …, not(0))` (the 512-bit product) and which does `*`, `+` or `-` (or `*=`, `+=`, `-=`) outside
 * `unchecked`. Not reported: the same function inside `unchecked { }` (OpenZeppelin's `Math.mulDiv`, solady's
 * `FullMath`, Uniswap v4's), or before 0.8.
 */
import type { AstNode } from "../ast/node";
import { findAll, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { hasCheckedArithmetic } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const ID = "checked-wrapping-math";
const WRAPPING_OPS = new Set(["*", "+", "-"]);

/** Whether the function's inline assembly takes the full 512-bit product: `mulmod(x, y, not(0))`. */
function takesFullProduct(program: Program, body: AstNode): boolean {
  return findAll(body, "InlineAssembly").some((a) => /mulmod\s*\([^;]*not\s*\(\s*0\s*\)/.test(program.text(a)));
}

/** `*`, `+`, `-` (and their assignments) on integers in `body` outside any `unchecked { }` block. */
function checkedOps(program: Program, body: AstNode): AstNode[] {
  const unchecked = findAll(body, "UncheckedBlock");
  const inUnchecked = (n: AstNode): boolean => unchecked.some((u) => program.contains(u, n));
  const ops = [
    ...findAll(body, "BinaryOperation").filter((b) => WRAPPING_OPS.has(str(b, "operator") ?? "")),
    ...findAll(body, "Assignment").filter((a) => WRAPPING_OPS.has((str(a, "operator") ?? "").replace("=", ""))),
  ];
  return ops.filter((n) => /^u?int\d*$/.test(typeString(n) ?? "") && !inUnchecked(n)).sort((a, b) => program.line(a) - program.line(b));
}

export const checkedWrappingMath: Detector = {
  id: ID,
  category: "arithmetic",
  title: "512-bit mulDiv (Uniswap's FullMath) compiled with checked arithmetic: reverts on the overflow it is written for",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (!hasCheckedArithmetic(file.version)) return;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = fn.body as AstNode | undefined;
        if (!body || !takesFullProduct(program, body)) continue;
        const ops = checkedOps(program, body);
        if (ops.length === 0) continue;
        const shown = ops.slice(0, 5);
        ctx.report({
          detector: ID,
          category: "arithmetic",
          severity: "medium",
          confidence: "medium",
          swc: ["SWC-101"],
          lines: linesIn(program, file, shown),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() is the 512-bit full-precision multiply-divide (it takes \`mulmod(a, b, not(0))\`), whose ` +
            "steps wrap modulo 2^256 on purpose (the low word of the product, the Newton–Raphson inverse " +
            `\`inv *= 2 - denominator * inv\`, \`prod0 * inv\`). Here ${ops.length} of them (\`${program.text(shown[0]!).replace(/\s+/g, " ").slice(0, 40)}\`…) ` +
            "run with Solidity 0.8's checked arithmetic, outside `unchecked { }`: they revert exactly when the product " +
            "exceeds 256 bits, the case the function exists for, so every caller that relies on it for large values reverts.",
          remediation:
            "Wrap the whole body in `unchecked { }` as the 0.8 ports do (or call OpenZeppelin's `Math.mulDiv`):\n```solidity\n" +
            "function mulDiv(uint256 a, uint256 b, uint256 denominator) internal pure returns (uint256 result) {\n" +
            "    unchecked {\n        // 512-bit multiply [prod1 prod0] = a * b ... (unchanged)\n    }\n}\n```",
        });
      }
    }
  },
};

export const WRAPPING_DETECTORS: Detector[] = [checkedWrappingMath];
