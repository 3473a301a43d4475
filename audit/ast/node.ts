/**
 * The solc compact JSON AST (0.4.x … 0.8.x), typed loosely: detectors read the few fields they need through
 * the helpers below, which smooth over the differences between compiler versions. The parse-tree fallback
 * (parseFallback.ts) produces the same shape without type information.
 */

export interface AstNode {
  nodeType: string;
  id: number;
  /** "start:length:fileIndex", byte offsets into the source. */
  src: string;
  [key: string]: unknown;
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as { nodeType?: unknown }).nodeType === "string";
}

/** The child nodes of `node`, in source field order (arrays flattened). Skips typeDescriptions and similar. */
export function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === "typeDescriptions" || key === "typeName" && node.nodeType === "ElementaryTypeNameExpression") continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) out.push(v);
    } else if (isNode(value)) {
      out.push(value);
    }
  }
  return out;
}

/**
 * Visits `root` and every descendant, parents first. Return `false` from `visit` to skip a node's children.
 */
export function walk(root: AstNode, visit: (node: AstNode, parent: AstNode | undefined) => boolean | void): void {
  const stack: [AstNode, AstNode | undefined][] = [[root, undefined]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    if (visit(node, parent) === false) continue;
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, node]);
  }
}

/** Every descendant of `root` (including root) of one of the given node types. */
export function findAll(root: AstNode, ...types: string[]): AstNode[] {
  const out: AstNode[] = [];
  walk(root, (n) => {
    if (types.includes(n.nodeType)) out.push(n);
  });
  return out;
}

export function str(node: AstNode, key: string): string | undefined {
  const v = node[key];
  return typeof v === "string" ? v : undefined;
}

export function child(node: AstNode | undefined, key: string): AstNode | undefined {
  if (!node) return undefined;
  const v = node[key];
  return isNode(v) ? v : undefined;
}

export function list(node: AstNode | undefined, key: string): AstNode[] {
  if (!node) return [];
  const v = node[key];
  return Array.isArray(v) ? v.filter(isNode) : [];
}

/** The byte offset and length of a node (`src`). */
export function span(node: AstNode): { start: number; length: number } {
  const [start, length] = node.src.split(":");
  return { start: Number(start), length: Number(length) };
}

/** The static type of an expression as solc prints it ("uint256", "address payable", "contract IERC20"…). */
export function typeString(node: AstNode | undefined): string | undefined {
  const td = node?.typeDescriptions as { typeString?: unknown } | undefined;
  return typeof td?.typeString === "string" ? td.typeString : undefined;
}

export function referencedDeclaration(node: AstNode | undefined): number | undefined {
  const v = node?.referencedDeclaration;
  return typeof v === "number" ? v : undefined;
}
