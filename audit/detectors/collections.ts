/**
 * Removing an element from an array kept with an index map (swap with the last element, then pop).
 *
 * - `swap-pop-index`: a function clears the removed element's entry in the index map (`indexOf[id] = 0`, `delete
 *   indexOf[id]`) and only afterwards writes the entry of the element it moved into the hole (`indexOf[list[i]] = i +
 *   1`). When the removed element is the last one, the moved element is the removed element itself: the second write
 *   puts its entry back, so the map says it is still in the list while the list no longer holds it (Velocimeter H-8:
 *   the last max-locked veNFT can never leave max lock). The moved element's entry must be written first and the
 *   removed one cleared after, as OpenZeppelin's EnumerableSet does. Not reported when the moved element's write sits
 *   under an `if` (a guard such as `if (i != last)` skips it for the last element).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { baseDeclaration, initialValueOf, isStorageVariable, stripParens } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

function isMapping(decl: AstNode | undefined): boolean {
  return decl?.nodeType === "VariableDeclaration" && child(decl, "typeName")?.nodeType === "Mapping";
}

/** `A[…]` of storage array `array`, read directly or through a local initialised with one (`uint last = A[A.length - 1]`). */
function readsElementOf(program: Program, expr: AstNode | undefined, array: AstNode, depth = 0): boolean {
  const e = stripParens(expr);
  if (!e || depth > 2) return false;
  if (e.nodeType === "IndexAccess" && baseDeclaration(program, child(e, "baseExpression")) === array) return true;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    const init = d?.nodeType === "VariableDeclaration" && d.stateVariable !== true ? initialValueOf(program, d) : undefined;
    return init !== undefined && readsElementOf(program, init, array, depth + 1);
  }
  return false;
}

export const swapPopIndex: Detector = {
  id: "swap-pop-index",
  category: "other",
  title: "Swap-and-pop removal that clears the removed element's index before writing the moved element's",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body) continue;
        // arrays this function pops
        const popped = new Set<AstNode>();
        for (const call of findAll(body, "FunctionCall")) {
          const callee = child(call, "expression");
          if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== "pop" || list(call, "arguments").length !== 0) continue;
          const a = baseDeclaration(program, child(callee, "expression"));
          if (a && isStorageVariable(program, a)) popped.add(a);
        }
        for (const array of popped) {
          // the swap: A[i] = A[A.length - 1]
          const moves = findAll(body, "Assignment").filter((x) => {
            const lhs = stripParens(child(x, "leftHandSide"));
            const rhs = stripParens(child(x, "rightHandSide"));
            return (
              lhs?.nodeType === "IndexAccess" &&
              baseDeclaration(program, child(lhs, "baseExpression")) === array &&
              rhs?.nodeType === "IndexAccess" &&
              baseDeclaration(program, child(rhs, "baseExpression")) === array &&
              findAll(child(rhs, "indexExpression") ?? rhs, "MemberAccess").some((m) => str(m, "memberName") === "length")
            );
          });
          if (moves.length === 0) continue;
          const writes = findAll(body, "Assignment").filter((x) => {
            const lhs = stripParens(child(x, "leftHandSide"));
            return lhs?.nodeType === "IndexAccess" && isMapping(baseDeclaration(program, child(lhs, "baseExpression")));
          });
          const clears = [
            ...writes.filter((x) => {
              const rhs = stripParens(child(x, "rightHandSide"));
              return rhs?.nodeType === "Literal" && /^0+$/.test(str(rhs, "value") ?? "");
            }),
            ...findAll(body, "UnaryOperation").filter((u) => str(u, "operator") === "delete" && stripParens(child(u, "subExpression"))?.nodeType === "IndexAccess"),
          ];
          for (const moved of writes) {
            const lhs = stripParens(child(moved, "leftHandSide"))!;
            if (!readsElementOf(program, child(lhs, "indexExpression"), array)) continue;
            if (program.ancestor(moved, "IfStatement", "Conditional")) continue;
            const map = baseDeclaration(program, child(lhs, "baseExpression"));
            const start = (n: AstNode): number => Number((str(n, "src") ?? "0:0").split(":")[0]);
            const clear = clears.find((c) => {
              const target = stripParens(c.nodeType === "Assignment" ? child(c, "leftHandSide") : child(c, "subExpression"));
              return baseDeclaration(program, child(target!, "baseExpression")) === map && !readsElementOf(program, child(target!, "indexExpression"), array) && start(c) < start(moved);
            });
            if (!clear) continue;
            const mapName = str(map!, "name") ?? "the index map";
            const arrayName = str(array, "name") ?? "the array";
            ctx.report({
              detector: "swap-pop-index",
              category: "other",
              severity: "medium",
              confidence: "medium",
              lines: linesIn(program, file, [clear, moved]),
              contract: str(contract, "name"),
              function: displayName(fn),
              message:
                `${displayName(fn)}() clears the removed element's entry in ${mapName} before writing the entry of the element it moves from the end of ` +
                `${arrayName}. When the removed element is the last one, the moved element is the removed element itself, so the second write puts its ` +
                `entry back: ${mapName} says it is still listed while ${arrayName} no longer holds it, and it can never be removed or added again.`,
              remediation:
                "Write the moved element's entry first, then clear the removed one (OpenZeppelin's EnumerableSet order), or use EnumerableSet:\n" +
                "```solidity\nuint256 i = indexOf[id] - 1;\nuint256 last = list[list.length - 1];\nlist[i] = last;\nindexOf[last] = i + 1;\nindexOf[id] = 0;  // after\nlist.pop();\n```",
            });
            break;
          }
        }
      }
    }
  },
};

export const COLLECTION_DETECTORS: readonly Detector[] = [swapPopIndex];
