/**
 * When a file does not compile, the scan goes on from its parse tree: @solidity-parser/parser's AST is turned
 * into the solc compact-AST shape the detectors read (no types; names resolved by scope).
 */
import { parse } from "@solidity-parser/parser";
import type { AstNode } from "./ast/node";
import { LineIndex } from "./ast/lines";
import type { SourceFile } from "./ast/program";

type PNode = { type: string; range?: [number, number]; [key: string]: unknown };

export interface ParseResult {
  file?: SourceFile;
  error?: string;
}

export function parseToAst(unitName: string, absPath: string, text: string, version: string): ParseResult {
  let tree: PNode;
  try {
    tree = parse(text, { range: true, loc: false, tolerant: false }) as unknown as PNode;
  } catch (e) {
    const err = e as { errors?: { message: string; line?: number }[]; message?: string };
    const first = err.errors?.[0];
    return { error: first ? `ParserError: ${first.message}${first.line ? ` (line ${first.line})` : ""}` : String(err.message ?? e) };
  }
  const converter = new Converter(text);
  const ast = converter.convert(tree);
  if (!ast) return { error: "ParserError: empty parse tree" };
  converter.resolve(ast);
  return { file: { unitName, absPath, text, lines: new LineIndex(text), ast, typed: false, version } };
}

class Converter {
  private nextId = 1;
  private readonly byteOffsets: number[] | undefined;

  constructor(text: string) {
    if (Buffer.byteLength(text, "utf8") !== text.length) {
      this.byteOffsets = new Array<number>(text.length + 1);
      let b = 0;
      for (let i = 0; i < text.length; i++) {
        this.byteOffsets[i] = b;
        const c = text.charCodeAt(i);
        b += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3;
      }
      this.byteOffsets[text.length] = b;
    }
  }

  private src(p: PNode | undefined): string {
    const r = p?.range;
    if (!r) return "0:0:0";
    const s = this.byteOffsets ? this.byteOffsets[r[0]]! : r[0];
    const e = this.byteOffsets ? this.byteOffsets[r[1] + 1]! : r[1] + 1;
    return `${s}:${Math.max(0, e - s)}:0`;
  }

  private node(nodeType: string, p: PNode | undefined, fields: Record<string, unknown>): AstNode {
    return { nodeType, id: this.nextId++, src: this.src(p), ...fields };
  }

  private many(xs: unknown): AstNode[] {
    return Array.isArray(xs) ? xs.map((x) => this.convert(x as PNode)).filter((n): n is AstNode => n !== undefined) : [];
  }

  private one(x: unknown): AstNode | undefined {
    return x && typeof x === "object" ? this.convert(x as PNode) : undefined;
  }

  convert(p: PNode | null | undefined): AstNode | undefined {
    if (!p) return undefined;
    const n = (nodeType: string, fields: Record<string, unknown> = {}): AstNode => this.node(nodeType, p, fields);
    switch (p.type) {
      case "SourceUnit":
        return n("SourceUnit", { nodes: this.many(p.children) });
      case "PragmaDirective":
        return n("PragmaDirective", { literals: [p.name, p.value] });
      case "ImportDirective":
        return n("ImportDirective", { file: p.path });
      case "ContractDefinition":
        return n("ContractDefinition", {
          name: p.name,
          contractKind: p.kind,
          baseContracts: (p.baseContracts as PNode[]).map((b) =>
            this.node("InheritanceSpecifier", b, {
              baseName: this.node("UserDefinedTypeName", b.baseName as PNode, { name: (b.baseName as PNode).namePath }),
              arguments: this.many(b.arguments),
            }),
          ),
          nodes: (p.subNodes as PNode[]).flatMap((s) => {
            if (s.type === "StateVariableDeclaration") {
              return (s.variables as PNode[]).map((v) =>
                this.node("VariableDeclaration", v, {
                  name: v.name,
                  stateVariable: true,
                  visibility: v.visibility ?? "internal",
                  constant: v.isDeclaredConst === true,
                  mutability: v.isDeclaredConst ? "constant" : v.isImmutable ? "immutable" : "mutable",
                  typeName: this.one(v.typeName),
                  value: this.one(v.expression),
                  storageLocation: "default",
                }),
              );
            }
            const c = this.convert(s);
            return c ? [c] : [];
          }),
        });
      case "FunctionDefinition": {
        const kind = p.isConstructor ? "constructor" : p.isReceiveEther ? "receive" : p.isFallback ? "fallback" : "function";
        return n("FunctionDefinition", {
          name: p.name ?? "",
          kind,
          isConstructor: p.isConstructor === true,
          visibility: p.visibility === "default" ? "public" : p.visibility,
          stateMutability: p.stateMutability ?? "nonpayable",
          virtual: p.isVirtual === true,
          parameters: n("ParameterList", { parameters: this.many(p.parameters) }),
          returnParameters: n("ParameterList", { parameters: this.many(p.returnParameters) }),
          modifiers: (p.modifiers as PNode[] | null ?? []).map((m) =>
            this.node("ModifierInvocation", m, {
              modifierName: this.node("Identifier", m, { name: m.name }),
              arguments: this.many(m.arguments),
            }),
          ),
          body: this.one(p.body),
        });
      }
      case "ModifierDefinition":
        return n("ModifierDefinition", {
          name: p.name,
          parameters: n("ParameterList", { parameters: this.many(p.parameters) }),
          body: this.one(p.body),
        });
      case "EventDefinition":
      case "StructDefinition":
      case "EnumDefinition":
      case "UsingForDeclaration":
      case "CustomErrorDefinition":
      case "UserDefinedValueTypeDefinition":
        return n(p.type === "CustomErrorDefinition" ? "ErrorDefinition" : p.type, {
          name: p.name,
          members: this.many(p.members),
          parameters: n("ParameterList", { parameters: this.many(p.parameters) }),
        });
      case "VariableDeclaration":
        return n("VariableDeclaration", {
          name: p.name ?? "",
          typeName: this.one(p.typeName),
          storageLocation: p.storageLocation ?? "default",
          stateVariable: p.isStateVar === true,
          constant: p.isDeclaredConst === true,
          value: this.one(p.expression),
        });
      case "Block":
        return n("Block", { statements: this.many(p.statements) });
      case "UncheckedStatement":
        return n("UncheckedBlock", { statements: this.one(p.block)?.statements ?? [] });
      case "ExpressionStatement": {
        const e = p.expression as PNode | null;
        if (e?.type === "Identifier" && e.name === "_") return n("PlaceholderStatement");
        return n("ExpressionStatement", { expression: this.one(e) });
      }
      case "IfStatement":
        return n("IfStatement", { condition: this.one(p.condition), trueBody: this.one(p.trueBody), falseBody: this.one(p.falseBody) });
      case "ForStatement":
        return n("ForStatement", {
          initializationExpression: this.one(p.initExpression),
          condition: this.one(p.conditionExpression),
          loopExpression: this.one(p.loopExpression),
          body: this.one(p.body),
        });
      case "WhileStatement":
        return n("WhileStatement", { condition: this.one(p.condition), body: this.one(p.body) });
      case "DoWhileStatement":
        return n("DoWhileStatement", { condition: this.one(p.condition), body: this.one(p.body) });
      case "ReturnStatement":
        return n("Return", { expression: this.one(p.expression) });
      case "EmitStatement":
        return n("EmitStatement", { eventCall: this.one(p.eventCall) });
      case "ThrowStatement":
        return n("Throw");
      case "RevertStatement":
        return n("RevertStatement", { errorCall: this.one(p.revertCall) });
      case "BreakStatement":
        return n("Break");
      case "ContinueStatement":
        return n("Continue");
      case "InlineAssemblyStatement":
        return n("InlineAssembly", { operations: JSON.stringify(p.body ?? {}) });
      case "VariableDeclarationStatement": {
        const vars = (p.variables as (PNode | null)[]).map((v) => (v ? this.convert(v) ?? null : null));
        return n("VariableDeclarationStatement", { declarations: vars, initialValue: this.one(p.initialValue) });
      }
      case "TryStatement":
        return n("TryStatement", {
          externalCall: this.one(p.expression),
          clauses: (p.catchClauses as PNode[] ?? []).map((c) => this.node("TryCatchClause", c, { block: this.one(c.body) })).concat(
            [this.node("TryCatchClause", p.body as PNode, { block: this.one(p.body) })],
          ),
        });
      // Expressions
      case "BinaryOperation": {
        const op = p.operator as string;
        if (/^([+\-*/%|&^]|<<|>>|\*\*)?=$/.test(op) && op !== "==" && op !== "!=" && op !== "<=" && op !== ">=") {
          return n("Assignment", { operator: op, leftHandSide: this.one(p.left), rightHandSide: this.one(p.right) });
        }
        return n("BinaryOperation", { operator: op, leftExpression: this.one(p.left), rightExpression: this.one(p.right) });
      }
      case "UnaryOperation":
        return n("UnaryOperation", { operator: p.operator, prefix: p.isPrefix === true, subExpression: this.one(p.subExpression) });
      case "FunctionCall": {
        const callee = p.expression as PNode;
        const isConv = callee.type === "ElementaryTypeName" || (callee.type === "Identifier" && callee.name === "payable");
        return n("FunctionCall", {
          expression: this.one(callee),
          arguments: this.many(p.arguments),
          names: p.names ?? [],
          kind: isConv ? "typeConversion" : "functionCall",
        });
      }
      case "NameValueExpression": {
        const nv = p.arguments as PNode;
        return n("FunctionCallOptions", {
          expression: this.one(p.expression),
          names: (nv.names as string[]) ?? [],
          options: this.many(nv.arguments ?? nv.identifiers),
        });
      }
      case "MemberAccess":
        return n("MemberAccess", { memberName: p.memberName, expression: this.one(p.expression) });
      case "IndexAccess":
        return n("IndexAccess", { baseExpression: this.one(p.base), indexExpression: this.one(p.index) });
      case "IndexRangeAccess":
        return n("IndexRangeAccess", { baseExpression: this.one(p.base) });
      case "Identifier":
        return n("Identifier", { name: p.name });
      case "NumberLiteral":
        return n("Literal", { kind: "number", value: p.number, subdenomination: p.subdenomination ?? null });
      case "BooleanLiteral":
        return n("Literal", { kind: "bool", value: String(p.value) });
      case "StringLiteral":
      case "HexLiteral":
      case "HexNumber":
        return n("Literal", { kind: "string", value: p.value });
      case "Conditional":
        return n("Conditional", {
          condition: this.one(p.condition),
          trueExpression: this.one(p.trueExpression),
          falseExpression: this.one(p.falseExpression),
        });
      case "TupleExpression":
        return n("TupleExpression", { components: (p.components as (PNode | null)[]).map((c) => (c ? this.convert(c) : null)), isInlineArray: p.isArray });
      case "ElementaryTypeName":
        return n("ElementaryTypeNameExpression", { typeName: { nodeType: "ElementaryTypeName", id: this.nextId++, src: this.src(p), name: p.name } });
      case "NewExpression":
        return n("NewExpression", { typeName: this.one(p.typeName) });
      case "UserDefinedTypeName":
        return n("UserDefinedTypeName", { name: p.namePath });
      case "Mapping":
        return n("Mapping", { keyType: this.one(p.keyType), valueType: this.one(p.valueType) });
      case "ArrayTypeName":
        return n("ArrayTypeName", { baseType: this.one(p.baseTypeName), length: this.one(p.length) });
      case "TypeNameExpression":
        return this.one(p.typeName);
      default:
        return n(p.type);
    }
  }

  /** Sets `referencedDeclaration` on identifiers: locals and parameters, then the contract chain, then globals. */
  resolve(root: AstNode): void {
    const contracts = new Map<string, AstNode>();
    for (const c of (root.nodes as AstNode[]) ?? []) if (c.nodeType === "ContractDefinition") contracts.set(c.name as string, c);
    const topLevel = new Map<string, AstNode>();
    for (const c of (root.nodes as AstNode[]) ?? []) if (typeof c.name === "string") topLevel.set(c.name, c);
    const chainScope = (c: AstNode): Map<string, AstNode> => {
      const scope = new Map<string, AstNode>();
      const seen = new Set<AstNode>();
      const visit = (k: AstNode): void => {
        if (seen.has(k)) return;
        seen.add(k);
        for (const m of (k.nodes as AstNode[]) ?? []) if (typeof m.name === "string" && m.name !== "" && !scope.has(m.name)) scope.set(m.name, m);
        for (const b of (k.baseContracts as AstNode[]) ?? []) {
          const base = contracts.get(((b.baseName as AstNode).name as string) ?? "");
          if (base) visit(base);
        }
      };
      visit(c);
      return scope;
    };
    const resolveIn = (node: AstNode, scopes: Map<string, AstNode>[]): void => {
      const stack: AstNode[] = [node];
      while (stack.length) {
        const n = stack.pop()!;
        if (n.nodeType === "Identifier") {
          const name = n.name as string;
          for (const s of scopes) {
            const d = s.get(name);
            if (d) {
              n.referencedDeclaration = d.id;
              break;
            }
          }
        }
        for (const v of Object.values(n)) {
          if (Array.isArray(v)) for (const x of v) if (x && typeof x === "object" && "nodeType" in x) stack.push(x as AstNode);
          if (v && typeof v === "object" && !Array.isArray(v) && "nodeType" in v) stack.push(v as AstNode);
        }
      }
    };
    for (const c of contracts.values()) {
      const scope = chainScope(c);
      for (const m of (c.nodes as AstNode[]) ?? []) {
        if (m.nodeType === "FunctionDefinition" || m.nodeType === "ModifierDefinition") {
          const locals = new Map<string, AstNode>();
          const collect = (n: AstNode): void => {
            if (n.nodeType === "VariableDeclaration" && typeof n.name === "string" && n.name !== "" && !locals.has(n.name)) locals.set(n.name, n);
            for (const v of Object.values(n)) {
              if (Array.isArray(v)) for (const x of v) if (x && typeof x === "object" && "nodeType" in x) collect(x as AstNode);
              if (v && typeof v === "object" && !Array.isArray(v) && "nodeType" in v) collect(v as AstNode);
            }
          };
          collect(m);
          resolveIn(m, [locals, scope, topLevel]);
        } else {
          resolveIn(m, [scope, topLevel]);
        }
      }
    }
  }
}
