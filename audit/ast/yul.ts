/** Inline assembly: walking a block's Yul tree and reading its function calls. */
import type { AstNode } from "./node";
import { isNode, list } from "./node";

/** Visits every node of an inline-assembly block's Yul tree (0.6.0 and later carry one in `AST`). */
export function walkYul(asm: AstNode, visit: (n: AstNode) => void): void {
  const stack: unknown[] = [asm.AST];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
    } else if (isNode(v)) {
      visit(v);
      for (const [k, x] of Object.entries(v)) if (k !== "src" && k !== "nativeSrc" && typeof x === "object" && x !== null) stack.push(x);
    }
  }
}

/** The name of a Yul builtin or function a call runs (`calldataload`, `delegatecall`), else undefined. */
export function yulCallName(n: AstNode | undefined): string | undefined {
  if (n?.nodeType !== "YulFunctionCall") return undefined;
  const fn = n.functionName as { name?: unknown } | undefined;
  return typeof fn?.name === "string" ? fn.name : undefined;
}

/** The arguments of a Yul call. */
export function yulArgs(n: AstNode): AstNode[] {
  return list(n, "arguments");
}
