/**
 * Merkle proofs whose leaf has the shape of an inner node (`merkle-leaf-node-length`).
 *
 * An inner node of a Merkle tree (OpenZeppelin `MerkleProof`, solady/solmate `MerkleProofLib`) is
 * `keccak256(left ‖ right)`: the hash of exactly 64 bytes. When the contract's leaf is also ONE keccak256 of 64 bytes
 * the caller chooses — `keccak256(abi.encodePacked(clubId, divisionTier))` with two uint256,
 * `keccak256(abi.encode(account, amount))` — a caller can submit the two children of any inner node as the leaf's
 * data, with the proof shortened by one level, and the verification accepts values that were never a leaf (a second
 * preimage; OpenZeppelin's MerkleProof documentation warns about it).
 *
 * The leaf is the `leaf` argument of `verify`/`verifyCalldata`/`processProof`/`processProofCalldata` or the `leaves`
 * of the multi-proof functions, of a library whose name contains "Merkle" (also bound: `proof.verify(root, leaf)`),
 * followed through locals (and the elements of a leaves array), helpers that return it (`_leaf(a, b)`) and the
 * parameters of internal wrappers (`_verify(proof, leaf)`) to their callers. Its input is 64 bytes when it is
 * `abi.encode` of static values taking two 32-byte slots (two value types, or a struct of two), `abi.encodePacked`
 * or `bytes.concat` of fixed-size values of 64 bytes in total (two uint256/int256/bytes32…).
 *
 * Not reported: a leaf hashed twice (`keccak256(bytes.concat(keccak256(abi.encode(a, b))))`, StandardMerkleTree's
 * form), an input of any other length (one value, three values, packed address + uint256 = 52 bytes, a domain prefix,
 * dynamic types), values the caller does not influence (state, constants), a custom node hasher.
 *
 * Confidence medium when every value is a caller-chosen parameter of a type that takes any bit pattern of its
 * encoded width (uint256/int256/bytes32 in `abi.encode`; any uintN/intN/bytesN/address packed): then every inner
 * node qualifies. Low when a value must be narrower than its 32-byte slot (an address, bool or small integer is
 * zero-padded by abi.encode and the decoder rejects dirty high bits), or is fixed (msg.sender, a constant): then only
 * an inner node whose child happens to have that shape can be passed off as a leaf.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import {
  builtinCallName,
  contractKind,
  internalCallee,
  isConversion,
  isEntryPoint,
  isParameterOf,
  isSenderLike,
  memberOf,
  parameters,
  stripConversions,
  stripParens,
  unwrapCallOptions,
  visibility,
} from "../ast/semantics";
import type { Confidence } from "../types";
import { displayName, linesIn, type Detector, type DetectorContext } from "./detector";

const ID = "merkle-leaf-node-length";

/** Verification functions: the position of the leaf (or leaves) and the number of arguments without a hasher. */
const VERIFY_FUNCTIONS: Record<string, { leaf: number; arity: number }> = {
  verify: { leaf: 2, arity: 3 },
  verifyCalldata: { leaf: 2, arity: 3 },
  // OpenZeppelin 1.x
  verifyProof: { leaf: 2, arity: 3 },
  processProof: { leaf: 1, arity: 2 },
  processProofCalldata: { leaf: 1, arity: 2 },
  multiProofVerify: { leaf: 3, arity: 4 },
  multiProofVerifyCalldata: { leaf: 3, arity: 4 },
  processMultiProof: { leaf: 2, arity: 3 },
  processMultiProofCalldata: { leaf: 2, arity: 3 },
  // solady: verifyMultiProof(proof, root, leaves, flags)
  verifyMultiProof: { leaf: 2, arity: 4 },
  verifyMultiProofCalldata: { leaf: 2, arity: 4 },
};
const MERKLE_LIBRARY = /merkle/i;
const LEAF_PARAM = /^_?(leaf|leaves)$/i;
/** A node hasher that is the default one (OpenZeppelin v5's `Hashes.commutativeKeccak256`). */
const DEFAULT_HASHER = /^(commutativeKeccak256|efficientKeccak256|_?hashPair|_?efficientHash)$/;

interface Verification {
  call: AstNode;
  name: string;
  leaf: AstNode;
}

function calleeName(n: AstNode | undefined): string {
  const e = stripParens(n);
  if (!e) return "";
  if (e.nodeType === "Identifier") return str(e, "name") ?? "";
  if (e.nodeType === "MemberAccess") return str(e, "memberName") ?? "";
  return "";
}

/** A Merkle verification call and its leaf argument, or undefined. */
function verificationOf(program: Program, call: AstNode): Verification | undefined {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (callee?.nodeType !== "MemberAccess") return undefined;
  const name = str(callee, "memberName") ?? "";
  const spec = VERIFY_FUNCTIONS[name];
  if (!spec) return undefined;
  const args = list(call, "arguments");
  const base = child(callee, "expression");
  const decl = program.declOf(callee);
  let leafIndex = spec.leaf;
  let hasherIndex: number | undefined;
  if (decl?.nodeType === "FunctionDefinition") {
    const owner = program.contractOf(decl);
    if (!owner || contractKind(owner) !== "library" || !MERKLE_LIBRARY.test(str(owner, "name") ?? "")) return undefined;
    const params = parameters(decl);
    const shift = params.length === args.length + 1 ? 1 : 0;
    const byName = params.findIndex((p) => LEAF_PARAM.test(str(p, "name") ?? ""));
    if (byName >= 0) leafIndex = byName;
    const h = params.findIndex((p) => /hasher/i.test(str(p, "name") ?? ""));
    if (h >= 0) hasherIndex = h - shift;
    leafIndex -= shift;
  } else {
    // Unresolved (parse-tree fallback): `MerkleProof.verify(…)` by the library's name, no bound calls.
    if (base?.nodeType !== "Identifier" || !MERKLE_LIBRARY.test(str(base, "name") ?? "")) return undefined;
    if (args.length > spec.arity) hasherIndex = spec.arity;
  }
  if (hasherIndex !== undefined && args[hasherIndex] && !DEFAULT_HASHER.test(calleeName(args[hasherIndex]))) return undefined;
  const leaf = args[leafIndex];
  return leaf ? { call, name: `${calleeName(base) || "MerkleProof"}.${name}`, leaf } : undefined;
}

// ---------------------------------------------------------------------------------------------- program index

interface ProgramIndex {
  verifications: Verification[];
  /** Internal calls by the function they call (for following a wrapper's leaf parameter to its callers). */
  callsTo: Map<AstNode, AstNode[]>;
}

const INDEX = new WeakMap<Program, ProgramIndex>();

function indexOf(program: Program): ProgramIndex {
  let idx = INDEX.get(program);
  if (idx) return idx;
  idx = { verifications: [], callsTo: new Map() };
  for (const file of program.files) {
    for (const call of findAll(file.ast, "FunctionCall")) {
      const callee = unwrapCallOptions(child(call, "expression")).callee;
      const decl = program.declOf(callee);
      if (decl?.nodeType === "FunctionDefinition") {
        const arr = idx.callsTo.get(decl) ?? [];
        arr.push(call);
        idx.callsTo.set(decl, arr);
      }
      const v = verificationOf(program, call);
      if (!v) continue;
      // The libraries themselves (processProof called from verify) are not uses.
      const owner = program.contractOf(call);
      if (owner && contractKind(owner) === "library" && MERKLE_LIBRARY.test(str(owner, "name") ?? "")) continue;
      idx.verifications.push(v);
    }
  }
  INDEX.set(program, idx);
  return idx;
}

// ---------------------------------------------------------------------------------------------- leaf → hashes

/** The values a local variable is given in its function: initial value, `x = …`, and `x[i] = …` for an array. */
function definitionsOf(program: Program, decl: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const stmt = program.parent(decl);
  if (stmt?.nodeType === "VariableDeclarationStatement") {
    const decls = (stmt.declarations as (AstNode | null)[] | undefined) ?? [];
    const init = child(stmt, "initialValue");
    if (init && decls.length === 1) out.push(init);
  }
  const fn = program.callableOf(decl);
  const body = fn ? child(fn, "body") : undefined;
  if (!body) return out;
  for (const a of findAll(body, "Assignment")) {
    if (str(a, "operator") !== "=") continue;
    let lhs = stripParens(child(a, "leftHandSide"));
    if (lhs?.nodeType === "IndexAccess") lhs = stripParens(child(lhs, "baseExpression"));
    if (lhs?.nodeType === "Identifier" && program.declOf(lhs) === decl) {
      const rhs = child(a, "rightHandSide");
      if (rhs) out.push(rhs);
    }
  }
  return out;
}

interface LeafHash {
  hash: AstNode;
  /** The expressions the leaf went through, from the verification's argument to the hash (for naming the entry point). */
  path: AstNode[];
}

/** The keccak256 calls a leaf expression comes from: directly, through locals, helpers that return it, wrappers' callers. */
function leafHashes(program: Program, expr: AstNode | undefined, depth = 0, seen = new Set<AstNode>(), path: AstNode[] = []): LeafHash[] {
  const e = stripConversions(expr);
  if (!e || depth > 5 || seen.has(e)) return [];
  seen.add(e);
  const here = [...path, e];
  const next = (x: AstNode | undefined): LeafHash[] => leafHashes(program, x, depth + 1, seen, here);
  if (e.nodeType === "Conditional") return [...next(child(e, "trueExpression")), ...next(child(e, "falseExpression"))];
  if (e.nodeType === "IndexAccess") return next(child(e, "baseExpression"));
  if (e.nodeType === "FunctionCall") {
    const builtin = builtinCallName(program, e);
    if (builtin === "keccak256" || builtin === "sha3") return [{ hash: e, path: here }];
    if (builtin) return [];
    const fn = program.callableOf(e);
    const target = internalCallee(program, e, fn ? program.contractOf(fn) : undefined);
    const body = target ? child(target, "body") : undefined;
    if (!target || !body) return [];
    const out: LeafHash[] = [];
    for (const ret of findAll(body, "Return")) out.push(...next(child(ret, "expression")));
    // a named return variable: `returns (bytes32 leaf) { leaf = keccak256(…); }`
    for (const r of list(child(target, "returnParameters"), "parameters")) {
      for (const v of definitionsOf(program, r)) out.push(...next(v));
    }
    return out;
  }
  if (e.nodeType !== "Identifier") return [];
  const decl = program.declOf(e);
  if (decl?.nodeType !== "VariableDeclaration" || decl.stateVariable === true || str(decl, "storageLocation") === "storage") return [];
  const fn = program.callableOf(decl);
  if (!fn) return [];
  if (isParameterOf(program, decl, fn)) {
    // an internal wrapper `_verify(proof, leaf)`: the leaf its callers pass
    if (fn.nodeType !== "FunctionDefinition" || isEntryPoint(fn)) return [];
    const vis = visibility(fn);
    if (vis !== "internal" && vis !== "private") return [];
    const index = parameters(fn).indexOf(decl);
    const out: LeafHash[] = [];
    for (const call of indexOf(program).callsTo.get(fn) ?? []) {
      const args = list(call, "arguments");
      if (args.length !== parameters(fn).length) continue;
      out.push(...next(args[index]));
    }
    return out;
  }
  // `leaf = keccak256(abi.encode(a, b)); leaf = keccak256(bytes.concat(leaf));`: the value verified is the last
  // definition built from the variable itself, not the ones it re-hashes.
  const defs = definitionsOf(program, decl);
  const rehash = defs.filter((v) => findAll(v, "Identifier").some((i) => program.declOf(i) === decl)).pop();
  return (rehash ? defs.filter((v) => v === rehash || program.before(rehash, v)) : defs).flatMap((v) => next(v));
}

// ---------------------------------------------------------------------------------------------- encoded sizes

interface Part {
  /** The value encoded. */
  value: AstNode;
  /** Its type as solc prints it. */
  type: string;
  /** Bytes it takes in the encoding. */
  bytes: number;
  /** Whether every bit pattern of those bytes is a valid value of the type (uint256 in abi.encode, any uintN packed). */
  full: boolean;
}

function typeIdOf(node: AstNode | undefined): string {
  const td = node?.typeDescriptions as { typeIdentifier?: unknown } | undefined;
  return typeof td?.typeIdentifier === "string" ? td.typeIdentifier : "";
}

/** The declaration id in a type identifier (`t_struct$_Claim_$45_memory_ptr` → 45). */
function declIdIn(typeId: string): number | undefined {
  const m = /_\$(\d+)/.exec(typeId);
  return m ? Number(m[1]) : undefined;
}

function normalise(type: string): string {
  const t = type.replace(/ (memory|calldata|storage( pointer| ref)?)$/, "");
  if (t === "uint") return "uint256";
  if (t === "int") return "int256";
  if (t === "byte") return "bytes1";
  return t;
}

/** The static type of an expression: solc's type string, or in the parse-tree fallback the declared type. */
function typeOfExpr(program: Program, e: AstNode): { type: string; id: string } | undefined {
  const t = typeString(e);
  if (t !== undefined) return { type: normalise(t), id: typeIdOf(e) };
  const s = stripParens(e);
  if (!s) return undefined;
  if (memberOf(program, s, "msg", "sender") || memberOf(program, s, "tx", "origin")) return { type: "address", id: "" };
  if (s.nodeType === "FunctionCall" && isConversion(s)) {
    const callee = child(s, "expression");
    const tn = callee?.nodeType === "ElementaryTypeNameExpression" ? child(callee, "typeName") : undefined;
    const name = tn ? str(tn, "name") : callee ? str(callee, "typeName") : undefined;
    if (name) return { type: normalise(name), id: "" };
  }
  if (s.nodeType === "Identifier") {
    const d = program.declOf(s);
    let tn = d?.nodeType === "VariableDeclaration" ? child(d, "typeName") : undefined;
    // the parse-tree fallback wraps elementary types: ElementaryTypeNameExpression { typeName: ElementaryTypeName }
    if (tn?.nodeType === "ElementaryTypeNameExpression") tn = child(tn, "typeName");
    if (tn?.nodeType === "ElementaryTypeName") return { type: normalise(str(tn, "name") ?? ""), id: "" };
  }
  return undefined;
}

/** The underlying type of a user-defined value type (`type Price is uint256`). */
function underlyingType(program: Program, typeId: string): string | undefined {
  if (!typeId.startsWith("t_userDefinedValueType")) return undefined;
  const id = declIdIn(typeId);
  const def = id !== undefined ? program.byId(id) : undefined;
  const tn = def ? child(def, "underlyingType") : undefined;
  return tn ? normalise(str(tn, "name") ?? typeString(tn) ?? "") : undefined;
}

/** 32-byte slots and full range of a static type in abi.encode; undefined for dynamic or unknown types. */
function abiSlots(program: Program, type: string, typeId: string, depth = 0): { slots: number; full: boolean } | undefined {
  if (depth > 4) return undefined;
  const udvt = underlyingType(program, typeId);
  if (udvt) return abiSlots(program, udvt, "", depth + 1);
  let m = /^u?int(\d*)$/.exec(type);
  if (m) return { slots: 1, full: m[1] === "" || m[1] === "256" };
  m = /^bytes(\d+)$/.exec(type);
  if (m) return { slots: 1, full: m[1] === "32" };
  if (type === "address" || type === "address payable" || type === "bool" || /^(contract|enum) /.test(type)) return { slots: 1, full: false };
  if (/^(int_const|rational_const) /.test(type)) return { slots: 1, full: false };
  m = /^(.+)\[(\d+)\]$/.exec(type);
  if (m) {
    const elem = abiSlots(program, normalise(m[1]!), typeId.replace(/^t_array\$_/, "t_"), depth + 1);
    return elem ? { slots: elem.slots * Number(m[2]), full: elem.full } : undefined;
  }
  if (type.startsWith("struct ")) {
    const id = declIdIn(typeId);
    const def = id !== undefined ? program.byId(id) : undefined;
    if (def?.nodeType !== "StructDefinition") return undefined;
    let slots = 0;
    let full = true;
    for (const member of list(def, "members")) {
      const s = abiSlots(program, normalise(typeString(member) ?? ""), typeIdOf(member), depth + 1);
      if (!s) return undefined;
      slots += s.slots;
      full &&= s.full;
    }
    return { slots, full };
  }
  return undefined;
}

/** Bytes and full range of a value in abi.encodePacked / bytes.concat; undefined for dynamic or unknown types. */
function packedBytes(program: Program, type: string, typeId: string): { bytes: number; full: boolean } | undefined {
  const udvt = underlyingType(program, typeId);
  if (udvt) return packedBytes(program, udvt, "");
  let m = /^u?int(\d*)$/.exec(type);
  if (m) return { bytes: m[1] === "" ? 32 : Number(m[1]) / 8, full: true };
  m = /^bytes(\d+)$/.exec(type);
  if (m) return { bytes: Number(m[1]), full: true };
  if (type === "address" || type === "address payable" || type.startsWith("contract ")) return { bytes: 20, full: true };
  if (type === "bool" || type.startsWith("enum ")) return { bytes: 1, full: false };
  return undefined;
}

/** The encoding hashed: its 64 bytes split into the values, or undefined when it is not exactly 64 bytes. */
function sixtyFourBytes(program: Program, hash: AstNode): { encoding: AstNode; parts: Part[] } | undefined {
  const hashArgs = list(hash, "arguments");
  if (hashArgs.length === 0) return undefined;
  // before 0.5, keccak256(a, b) / sha3(a, b) hashes the packed encoding of its arguments
  if (hashArgs.length > 1) return packedParts(program, hash, hashArgs);
  let enc = stripParens(hashArgs[0]);
  // bytes memory data = abi.encode(a, b); keccak256(data)
  if (enc?.nodeType === "Identifier") {
    const d = program.declOf(enc);
    const defs = d?.nodeType === "VariableDeclaration" && d.stateVariable !== true ? definitionsOf(program, d) : [];
    enc = defs.length === 1 ? stripParens(defs[0]) : undefined;
  }
  if (enc?.nodeType !== "FunctionCall") return undefined;
  const builtin = builtinCallName(program, enc);
  const callee = child(enc, "expression");
  const concat = callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "concat" && /^bytes$/.test(program.text(child(callee, "expression")!).trim());
  const args = list(enc, "arguments");
  const parts: Part[] = [];
  if (builtin === "abi.encode") {
    for (const a of args) {
      const t = typeOfExpr(program, a);
      const s = t ? abiSlots(program, t.type, t.id) : undefined;
      if (!t || !s) return undefined;
      parts.push({ value: a, type: t.type, bytes: s.slots * 32, full: s.full });
    }
  } else if (builtin === "abi.encodePacked" || concat) {
    return packedParts(program, enc, args);
  } else return undefined;
  const total = parts.reduce((n, p) => n + p.bytes, 0);
  return total === 64 ? { encoding: enc, parts } : undefined;
}

/** The parts of a packed encoding of `args` when it is exactly 64 bytes. */
function packedParts(program: Program, encoding: AstNode, args: AstNode[]): { encoding: AstNode; parts: Part[] } | undefined {
  const parts: Part[] = [];
  for (const a of args) {
    const s0 = stripParens(a);
    if (s0?.nodeType === "Literal" && (str(s0, "kind") === "string" || str(s0, "kind") === "hexString")) {
      const hex = str(s0, "hexValue");
      parts.push({ value: a, type: "literal", bytes: hex !== undefined ? hex.length / 2 : Buffer.byteLength(String(s0.value ?? "")), full: false });
      continue;
    }
    const t = typeOfExpr(program, a);
    const s = t ? packedBytes(program, t.type, t.id) : undefined;
    if (!t || !s) return undefined;
    parts.push({ value: a, type: t.type, bytes: s.bytes, full: s.full });
  }
  const total = parts.reduce((n, p) => n + p.bytes, 0);
  return total === 64 ? { encoding, parts } : undefined;
}

// ---------------------------------------------------------------------------------------------- who chooses the values

type Origin = "chosen" | "sender" | "fixed";

/** Whether a value is chosen by the caller (a parameter, msg.data/value), is the caller's address, or is fixed. */
function originOf(program: Program, expr: AstNode, depth = 0, seen = new Set<AstNode>()): Origin {
  let chosen = false;
  let sender = false;
  walk(expr, (n) => {
    if (chosen) return false;
    if (isSenderLike(program, n)) {
      sender = true;
      return false;
    }
    if (memberOf(program, n, "msg", "data") || memberOf(program, n, "msg", "value")) chosen = true;
    if (n.nodeType !== "Identifier") return undefined;
    const d = program.declOf(n);
    if (d?.nodeType !== "VariableDeclaration" || d.stateVariable === true || seen.has(d) || depth > 4) return undefined;
    seen.add(d);
    const fn = program.callableOf(d);
    if (fn && isParameterOf(program, d, fn)) {
      chosen = true;
      return undefined;
    }
    for (const v of definitionsOf(program, d)) {
      const o = originOf(program, v, depth + 1, seen);
      if (o === "chosen") chosen = true;
      else if (o === "sender") sender = true;
    }
    return undefined;
  });
  return chosen ? "chosen" : sender ? "sender" : "fixed";
}

// ---------------------------------------------------------------------------------------------- detector

function snippet(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 100 ? `${t.slice(0, 97)}…` : t;
}

export const merkleLeafNodeLength: Detector = {
  id: ID,
  category: "signatures",
  title: "Merkle leaf hashed once from 64 bytes: an inner node's children pass as a leaf (second preimage)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const reported = new Set<AstNode>();
    for (const v of indexOf(program).verifications) {
      for (const { hash, path } of leafHashes(program, v.leaf)) {
        const callHere = program.fileOf(v.call) === file;
        const hashHere = program.fileOf(hash) === file;
        if ((!callHere && !hashHere) || reported.has(hash)) continue;
        const enc = sixtyFourBytes(program, hash);
        if (!enc) continue;
        const origins = enc.parts.map((p) => (p.type === "literal" ? "fixed" : originOf(program, p.value)));
        if (!origins.some((o) => o !== "fixed")) continue;
        reported.add(hash);
        const narrow = enc.parts.filter((p) => !p.full);
        const notChosen = enc.parts.filter((_, i) => origins[i] !== "chosen");
        const confidence: Confidence = narrow.length === 0 && notChosen.length === 0 ? "medium" : "low";
        const hashFn = program.callableOf(hash);
        const callFn = program.callableOf(v.call);
        // The function to name: the entry point the leaf goes through (claim() calling an internal _verify with a
        // _leaf helper's result), else the verifier's, else the one building the hash.
        const through = [v.call, ...path].map((n) => program.callableOf(n)).filter((f): f is AstNode => f !== undefined && program.fileOf(f) === file);
        const fn = through.find((f) => isEntryPoint(f)) ?? (callHere ? callFn : hashFn);
        const contract = fn ? program.contractOf(fn) : undefined;
        const fnName = displayName(fn) ?? "the function";
        const context: string[] = [];
        if (hashFn && hashFn !== fn) context.push(`built in ${displayName(hashFn)}()`);
        context.push(callFn && callFn !== fn ? `checked by ${v.name} in ${displayName(callFn)}()` : `checked by ${v.name}`);
        const values = enc.parts.map((p) => `${program.text(p.value)} (${p.type === "literal" ? "a literal" : p.type}, ${p.bytes} bytes)`).join(" + ");
        const limits: string[] = [];
        if (narrow.length > 0) {
          limits.push(
            `${narrow.map((p) => program.text(p.value)).join(", ")} cannot take every value of its ${narrow.length > 1 ? "slots" : "slot"} ` +
              "(zero-padded or range-checked), so only an inner node whose children have that shape qualifies",
          );
        }
        if (notChosen.length > 0) {
          limits.push(
            `${notChosen.map((p) => program.text(p.value)).join(", ")} ${notChosen.length > 1 ? "are" : "is"} not chosen freely by the caller ` +
              "(its own address or a fixed value), so it must equal an inner node's child",
          );
        }
        ctx.report({
          detector: ID,
          category: "signatures",
          severity: "medium",
          confidence,
          swc: [],
          lines: linesIn(program, file, [hash, v.call]),
          contract: contract ? str(contract, "name") : undefined,
          function: displayName(fn),
          message:
            `${fnName}(): the Merkle leaf \`${snippet(program, hash)}\` (${context.join(", ")}) is ${values} = 64 bytes hashed once, ` +
            "the same shape as an inner node keccak256(left ‖ right). The two children of any inner node of the tree therefore " +
            "pass as leaf data with a proof one level shorter, and the verification accepts values that were never a leaf " +
            "(second preimage)" +
            (limits.length > 0 ? `; the attack is narrower here: ${limits.join("; ")}.` : "."),
          remediation:
            "Give leaves a different shape from inner nodes: hash the leaf data twice, as OpenZeppelin's StandardMerkleTree " +
            "does (and build the tree off-chain the same way), or hash it with a prefix or an extra field so it is not 64 bytes:\n" +
            "```solidity\nbytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(clubId, divisionTier))));\n" +
            "require(MerkleProof.verify(proof, root, leaf), \"invalid proof\");\n```",
        });
      }
    }
  },
};

export const MERKLE_DETECTORS: Detector[] = [merkleLeafNodeLength];
