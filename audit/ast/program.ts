import type { AstNode } from "./node";
import { children, list, referencedDeclaration, span, str, walk } from "./node";
import { LineIndex } from "./lines";

/** One source unit of a compilation (a scanned file or one of its imports). */
export interface SourceFile {
  /** Name the compiler knows the unit by. */
  unitName: string;
  absPath: string;
  text: string;
  lines: LineIndex;
  ast: AstNode;
  /** Whether the AST carries the compiler's type information (false for the parse-tree fallback). */
  typed: boolean;
  /** Compiler version (compiled) or the version the pragma asks for (parse-only), "0.8.28" etc. */
  version: string;
}

/**
 * The ASTs of one compilation, indexed: declarations by id, parents, the file of each node, contracts by name.
 */
export class Program {
  readonly files: SourceFile[];
  private readonly nodes = new Map<number, AstNode>();
  private readonly parents = new Map<AstNode, AstNode>();
  private readonly fileByNode = new Map<AstNode, SourceFile>();
  private readonly contractsByName = new Map<string, AstNode[]>();

  constructor(files: SourceFile[]) {
    this.files = files;
    for (const file of files) {
      walk(file.ast, (node, parent) => {
        this.nodes.set(node.id, node);
        this.fileByNode.set(node, file);
        if (parent) this.parents.set(node, parent);
        if (node.nodeType === "ContractDefinition") {
          const name = str(node, "name") ?? "";
          const arr = this.contractsByName.get(name) ?? [];
          arr.push(node);
          this.contractsByName.set(name, arr);
        }
      });
    }
  }

  /** The declaration a node refers to, or undefined for built-ins and unresolved names. */
  declOf(node: AstNode | undefined): AstNode | undefined {
    const id = referencedDeclaration(node);
    return id === undefined ? undefined : this.nodes.get(id);
  }

  byId(id: number): AstNode | undefined {
    return this.nodes.get(id);
  }

  parent(node: AstNode): AstNode | undefined {
    return this.parents.get(node);
  }

  fileOf(node: AstNode): SourceFile | undefined {
    return this.fileByNode.get(node);
  }

  /** 1-based line of a node in its own file. */
  line(node: AstNode): number {
    return this.fileOf(node)?.lines.line(node) ?? 0;
  }

  text(node: AstNode): string {
    return this.fileOf(node)?.lines.textOf(node) ?? "";
  }

  /** Nearest ancestor (or the node itself) of one of the given types. */
  ancestor(node: AstNode, ...types: string[]): AstNode | undefined {
    let cur: AstNode | undefined = node;
    while (cur && !types.includes(cur.nodeType)) cur = this.parents.get(cur);
    return cur;
  }

  contractOf(node: AstNode): AstNode | undefined {
    return this.ancestor(node, "ContractDefinition");
  }

  /** The function or modifier enclosing a node. */
  callableOf(node: AstNode): AstNode | undefined {
    return this.ancestor(node, "FunctionDefinition", "ModifierDefinition");
  }

  contractsNamed(name: string): AstNode[] {
    return this.contractsByName.get(name) ?? [];
  }

  /** The contract and its bases, most derived first (C3 order from solc, or by name in the fallback). */
  linearized(contract: AstNode): AstNode[] {
    const ids = contract.linearizedBaseContracts;
    if (Array.isArray(ids) && ids.length > 0) {
      return ids.map((id) => this.nodes.get(id as number)).filter((n): n is AstNode => n !== undefined);
    }
    const out: AstNode[] = [];
    const seen = new Set<AstNode>();
    const visit = (c: AstNode): void => {
      if (seen.has(c)) return;
      seen.add(c);
      out.push(c);
      const bases = list(c, "baseContracts")
        .map((b) => (b.baseName as AstNode | undefined))
        .map((bn) => (bn ? (str(bn, "name") ?? str(bn, "namePath")) : undefined))
        .filter((n): n is string => n !== undefined)
        .reverse();
      for (const name of bases) {
        const base = this.contractsNamed(name.split(".").pop()!)[0];
        if (base) visit(base);
      }
    };
    visit(contract);
    return out;
  }

  /** Whether `a` is a strict ancestor of `b`. */
  contains(a: AstNode, b: AstNode): boolean {
    let cur = this.parents.get(b);
    while (cur) {
      if (cur === a) return true;
      cur = this.parents.get(cur);
    }
    return false;
  }

  /** Whether node a starts before node b (same file). */
  before(a: AstNode, b: AstNode): boolean {
    return span(a).start < span(b).start;
  }

  static childrenOf(node: AstNode): AstNode[] {
    return children(node);
  }
}
