/**
 * A small forward taint analysis: which local and state variables carry a value derived from some source
 * (block values, a stored user choice…), and from which source nodes.
 */
import type { AstNode } from "./node";
import { child, list, walk } from "./node";
import type { Program } from "./program";
import { baseDeclaration, isStateVariable } from "./semantics";

export type Taint = Map<AstNode, Set<AstNode>>;

/** Source nodes (and tainted variables' sources) an expression depends on. */
export function taintOf(program: Program, expr: AstNode | undefined, taint: Taint, isSource: (n: AstNode) => boolean): Set<AstNode> {
  const out = new Set<AstNode>();
  if (!expr) return out;
  walk(expr, (n) => {
    if (isSource(n)) {
      out.add(n);
      return false;
    }
    if (n.nodeType === "Identifier" || n.nodeType === "IndexAccess" || n.nodeType === "MemberAccess") {
      const d = n.nodeType === "Identifier" ? program.declOf(n) : undefined;
      if (d) for (const s of taint.get(d) ?? []) out.add(s);
    }
    return undefined;
  });
  return out;
}

/**
 * Propagates taint through assignments and declarations of `roots` (function bodies, state variable
 * initialisers), twice so that loops and later functions feeding earlier ones are covered.
 */
export interface PropagateOptions {
  passes?: number;
  /** Also taint a mapping/array when one of its elements or fields is assigned (default false). */
  throughRecords?: boolean;
}

export function propagate(program: Program, roots: AstNode[], taint: Taint, isSource: (n: AstNode) => boolean, options: PropagateOptions = {}): void {
  for (let pass = 0; pass < (options.passes ?? 2); pass++) {
    for (const root of roots) {
      if (root.nodeType === "VariableDeclaration") {
        const v = child(root, "value");
        if (v) add(taint, root, taintOf(program, v, taint, isSource), root);
        continue;
      }
      walkDefinitions(root, 1, {
        declaration: (n, declarations, init) => {
          const decls = declarations.filter((d): d is AstNode => d !== null);
          const t = taintOf(program, init, taint, isSource);
          for (const d of decls) add(taint, d, t, n);
        },
        assignment: (n, lhs, rhs) => {
          const t = taintOf(program, rhs, taint, isSource);
          const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : lhs ? [lhs] : [];
          for (const target of targets) {
            const d = baseDeclaration(program, target);
            if (!d) continue;
            // State: only whole-variable assignments (x = …) carry taint, not fields of records in mappings.
            if (isStateVariable(d) && target.nodeType !== "Identifier" && !options.throughRecords) continue;
            add(taint, d, t, isStateVariable(d) ? n : undefined);
          }
        },
      });
    }
  }
}

/** What `walkDefinitions` reports: the places a local or state variable gets a value. */
export interface DefinitionVisitor {
  /** `T a = init;` or `(T a, , U b) = init;`: the declarations as written (null where one is left out). */
  declaration?(statement: AstNode, declarations: (AstNode | null)[], initialValue: AstNode): void;
  /** `lhs = rhs`, `lhs += rhs`… (any operator). */
  assignment?(assignment: AstNode, lhs: AstNode | undefined, rhs: AstNode | undefined): void;
}

/** Visits every declaration with an initial value and every assignment under `root`, parents first, `passes` times over. */
export function walkDefinitions(root: AstNode, passes: number, visitor: DefinitionVisitor): void {
  for (let pass = 0; pass < passes; pass++) {
    walk(root, (n) => {
      if (n.nodeType === "VariableDeclarationStatement") {
        const init = child(n, "initialValue");
        if (init) visitor.declaration?.(n, (n.declarations as (AstNode | null)[] | undefined) ?? [], init);
      } else if (n.nodeType === "Assignment") {
        visitor.assignment?.(n, child(n, "leftHandSide"), child(n, "rightHandSide"));
      }
      return undefined;
    });
  }
}

function add(taint: Taint, decl: AstNode, sources: Set<AstNode>, via: AstNode | undefined): void {
  if (sources.size === 0) return;
  const set = taint.get(decl) ?? new Set<AstNode>();
  for (const s of sources) set.add(s);
  // The assignment that stored a tainted value in state is itself worth pointing at.
  if (via && isStateVariable(decl)) set.add(via);
  taint.set(decl, set);
}
