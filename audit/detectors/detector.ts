import type { Category, Confidence, Severity } from "../types";
import type { AstNode } from "../ast/node";
import { list, str } from "../ast/node";
import type { Program, SourceFile } from "../ast/program";

/** What a detector reports; the pipeline adds id, source, file and suppression. */
export interface RawFinding {
  detector: string;
  category: Category;
  severity: Severity;
  confidence: Confidence;
  lines: number[];
  contract?: string;
  function?: string;
  message: string;
  remediation: string;
  /** SWC ids where they depend on the case (weak randomness from block.timestamp is SWC-116 too); else swc.ts's by detector. */
  swc?: string[];
}

export interface DetectorContext {
  program: Program;
  /** The scanned file (findings are reported in it only). */
  file: SourceFile;
  /** The chains the project deploys to (`--chains`), when it says: undefined when it does not. */
  chains?: readonly string[];
  report(finding: RawFinding): void;
}

export interface Detector {
  id: string;
  category: Category;
  /** One line: what the detector looks for. */
  title: string;
  run(ctx: DetectorContext): void;
}

/** Contracts declared in the scanned file (interfaces skipped). */
export function contractsIn(ctx: DetectorContext): AstNode[] {
  return list(ctx.file.ast, "nodes").filter((n) => n.nodeType === "ContractDefinition" && str(n, "contractKind") !== "interface");
}

/** Functions and modifiers with a body declared in a contract. */
export function callablesOf(contract: AstNode): AstNode[] {
  return list(contract, "nodes").filter(
    (n) => (n.nodeType === "FunctionDefinition" || n.nodeType === "ModifierDefinition") && n.body !== undefined && n.body !== null,
  );
}

export function functionsOf(contract: AstNode): AstNode[] {
  return callablesOf(contract).filter((n) => n.nodeType === "FunctionDefinition");
}

/** A readable function name for reports: name, or constructor/fallback/receive. */
export function displayName(fn: AstNode | undefined): string | undefined {
  if (!fn) return undefined;
  const name = str(fn, "name");
  if (name) return name;
  const kind = str(fn, "kind");
  if (kind) return kind;
  return fn.isConstructor === true ? "constructor" : "fallback";
}

/** Lines of nodes that are in `file`, ascending and unique. */
export function linesIn(program: Program, file: SourceFile, nodes: (AstNode | undefined)[]): number[] {
  const out = new Set<number>();
  for (const n of nodes) if (n && program.fileOf(n) === file) out.add(program.line(n));
  return [...out].sort((a, b) => a - b);
}
