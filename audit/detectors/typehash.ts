/**
 * An EIP-712 struct hash whose type string does not describe what it encodes.
 *
 * - `typehash-mismatch`: `keccak256(abi.encode(TYPEHASH, v1, v2, …))` where `TYPEHASH` is `keccak256("Name(t1 n1,t2 n2,
 *   …)")` (a constant, or the hash written in place), and the encoded values do not match the type string: another
 *   count of members, or a value of another type than its member's (Predict.fun M-8: the string says `uint256
 *   questionId`, the struct holds `bytes32 questionId`). A wallet signs the typed data the string describes, so its
 *   signatures never verify here (or the contract verifies a hash no standard tool produces). Members of type
 *   `string`, `bytes`, arrays and structs are encoded as a 32-byte hash, so a `bytes32` value matches them; an
 *   integer, address or boolean value must have exactly its member's type (`uint8` for an enum is accepted).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { stripParens } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

/** The literal string a `keccak256("…")` hashes (written in place, or through a constant), with the node holding it. */
function typeStringOf(program: Program, expr: AstNode | undefined, depth = 0): { text: string; node: AstNode } | undefined {
  const e = stripParens(expr);
  if (!e || depth > 2) return undefined;
  if (e.nodeType === "Identifier" || e.nodeType === "MemberAccess") {
    const d = program.declOf(e);
    if (d?.nodeType === "VariableDeclaration" && (d.constant === true || str(d, "mutability") === "constant" || str(d, "mutability") === "immutable")) {
      const inner = typeStringOf(program, child(d, "value"), depth + 1);
      return inner ? { text: inner.text, node: d } : undefined;
    }
    return undefined;
  }
  if (e.nodeType !== "FunctionCall") return undefined;
  const callee = child(e, "expression");
  if (!callee || str(callee, "name") !== "keccak256") return undefined;
  let arg = stripParens(list(e, "arguments")[0]);
  // keccak256(bytes("…")) / keccak256(abi.encodePacked("…"))
  while (arg?.nodeType === "FunctionCall" && list(arg, "arguments").length === 1) arg = stripParens(list(arg, "arguments")[0]);
  if (arg?.nodeType !== "Literal" || str(arg, "kind") !== "string") return undefined;
  return { text: str(arg, "value") ?? "", node: e };
}

/** The members of the primary type of an EIP-712 type string: `Mail(address to,string contents)Person(…)` → types. */
function members(typeText: string): { name: string; types: string[] } | undefined {
  const m = /^([A-Za-z_$][\w$]*)\(([^()]*)\)/.exec(typeText);
  if (!m) return undefined;
  const body = m[2]!.trim();
  const types = body === "" ? [] : body.split(",").map((p) => p.trim().split(/\s+/)[0] ?? "");
  return types.every((t) => t !== "") ? { name: m[1]!, types } : undefined;
}

const HASHED = /^(string|bytes)$|\[|^[A-Z]/;

/** Whether a value of Solidity type `actual` encodes as EIP-712 member type `member`. */
function compatible(member: string, actual: string): boolean {
  const a = actual.replace(/ (payable|memory|calldata|storage( ref| pointer)?)$/g, "").replace(/^contract .*/, "address").replace(/^address payable$/, "address");
  if (HASHED.test(member)) return a === "bytes32";
  if (/^enum /.test(a)) return member === "uint8";
  if (/^int_const -/.test(a)) return /^int\d*$/.test(member);
  if (/^int_const /.test(a)) return /^u?int\d*$/.test(member) || member === "bytes32";
  if (/^literal_string/.test(a)) return false;
  const norm = (t: string): string => (t === "uint" ? "uint256" : t === "int" ? "int256" : t);
  return norm(a) === norm(member);
}

export const typehashMismatch: Detector = {
  id: "typehash-mismatch",
  category: "signatures",
  title: "An EIP-712 struct hash whose type string does not match the values it encodes",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body) continue;
        for (const call of findAll(body, "FunctionCall")) {
          const callee = child(call, "expression");
          const base = callee?.nodeType === "MemberAccess" ? child(callee, "expression") : undefined;
          if (!base || str(callee!, "memberName") !== "encode" || str(base, "name") !== "abi") continue;
          const args = list(call, "arguments");
          const th = typeStringOf(program, args[0]);
          const shape = th ? members(th.text) : undefined;
          if (!th || !shape) continue;
          const values = args.slice(1);
          // a struct passed whole is encoded member by member in place (Kairos' `abi.encode(NFTOKEN_TYPEHASH, nft)`):
          // its members are not counted here, so such an encoding is left alone
          if (values.some((v) => /^struct /.test(typeString(v) ?? ""))) continue;
          const problems: string[] = [];
          if (values.length !== shape.types.length) problems.push(`the type string names ${shape.types.length} member${shape.types.length === 1 ? "" : "s"}, the encoding has ${values.length}`);
          else
            values.forEach((v, i) => {
              const actual = typeString(v) ?? "";
              if (actual !== "" && !compatible(shape.types[i]!, actual)) problems.push(`member ${i + 1} is \`${shape.types[i]}\` in the type string but \`${program.text(v).replace(/\s+/g, " ").slice(0, 40)}\` is ${actual}`);
            });
          if (problems.length === 0) continue;
          ctx.report({
            detector: "typehash-mismatch",
            category: "signatures",
            severity: "medium",
            confidence: "high",
            lines: linesIn(program, file, [call, th.node]).slice(0, 4),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() hashes a ${shape.name} with a type string that does not describe what it encodes: ${problems.slice(0, 2).join("; ")}. ` +
              "A wallet signs the typed data the string describes, so its signatures do not verify here (or the contract verifies a hash no standard EIP-712 tool produces).",
            remediation:
              "Write the type string from the struct, member by member, with each member's type (hash `string`, `bytes`, arrays and nested structs):\n" +
              '```solidity\nbytes32 constant PROPOSAL_TYPEHASH = keccak256("Proposal(address from,bytes32 questionId,uint256 amount)");\n' +
              "keccak256(abi.encode(PROPOSAL_TYPEHASH, p.from, p.questionId, p.amount));\n```",
          });
        }
      }
    }
  },
};

export const TYPEHASH_DETECTORS: readonly Detector[] = [typehashMismatch];
