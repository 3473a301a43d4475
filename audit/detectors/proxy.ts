/**
 * Proxies, upgrades and calls out (issue #18): storage collisions in proxies, unprotected UUPS upgrades, arbitrary
 * `call` targets with caller-chosen data, read-only reentrancy.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { walkYul, yulCallName } from "../ast/yul";
import { isAccessControlled, isAuthCondition } from "../ast/access";
import { walkFlowEvents, type OutgoingCall } from "../ast/flow";
import { walkDefinitions } from "../ast/taint";
import {
  effectiveFunctions,
  builtinCallName,
  contractKind,
  enclosingConditions,
  functionKind,
  guardConditions,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isFromDependency,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isThis,
  lowLevelCall,
  memberOf,
  modifierOf,
  parameters,
  stopsExecution,
  stripConversions,
} from "../ast/semantics";
import { contractsIn, displayName, linesIn, type Detector, type DetectorContext } from "./detector";
import { tokenCall } from "./reentrancy";

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------

/** The functions and modifiers a callable runs (itself, its modifiers, internal callees), up to `maxDepth` deep. */
function reachableCallables(program: Program, root: AstNode, context: AstNode, maxDepth = 6): AstNode[] {
  const out: AstNode[] = [];
  const seen = new Set<AstNode>();
  const visit = (fn: AstNode, depth: number): void => {
    if (seen.has(fn) || depth > maxDepth) return;
    seen.add(fn);
    out.push(fn);
    for (const inv of list(fn, "modifiers")) {
      const m = modifierOf(program, inv, context);
      if (m && child(m, "body")) visit(m, depth + 1);
    }
    const body = child(fn, "body");
    if (!body) return;
    for (const call of findAll(body, "FunctionCall")) {
      const callee = internalCallee(program, call, context);
      if (callee && child(callee, "body")) visit(callee, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

/** Whether an inline-assembly block calls one of the given EVM instructions. */
function yulCalls(asm: AstNode, names: string[]): boolean {
  let found = false;
  if (asm.AST !== undefined) {
    walkYul(asm, (n) => {
      const name = yulCallName(n);
      if (name && names.includes(name)) found = true;
    });
    return found;
  }
  // Older compilers (and the parse-tree fallback) keep the assembly as text.
  const text = JSON.stringify(asm.operations ?? asm);
  return names.some((name) => new RegExp(`\\b${name}\\s*\\(`).test(text));
}

/** Whether a node runs only inside `if (msg.sender == owner) { … }` (a caller check that skips instead of reverting). */
function insideCallerBranch(program: Program, node: AstNode, stop: AstNode): boolean {
  return enclosingConditions(program, node, stop).some((c) => isAuthCondition(program, c, (n) => isSenderLike(program, n)));
}

function isOrdinaryStateVariable(decl: AstNode): boolean {
  return isStateVariable(decl) && !isConstantVariable(decl);
}

function isAddressLike(program: Program, decl: AstNode): boolean {
  const t = typeString(decl) ?? program.text(child(decl, "typeName") ?? decl);
  return /^(address|contract |I[A-Z])/.test(t) || (/\baddress\b/.test(t) && !t.startsWith("mapping"));
}

// ---------------------------------------------------------------------------------------------------------------
// proxy-storage-collision
// ---------------------------------------------------------------------------------------------------------------

const PROXY_VARIABLE = /^_?(implementation|impl|logic|logicContract|target|masterCopy|master|singleton|beacon|admin|proxyAdmin|owner|proxyOwner|upgrader|governance|_?implementationAddress)$/i;

/** A delegatecall target fixed at deployment: an immutable or constant, or the contract itself. */
function fixedTarget(program: Program, target: AstNode | undefined): boolean {
  const t = stripConversions(target);
  if (!t) return false;
  if (isThis(program, t)) return true;
  const d = t.nodeType === "Identifier" ? program.declOf(t) : undefined;
  return d !== undefined && isStateVariable(d) && !isOrdinaryStateVariable(d);
}

/** An assembly `delegatecall(gas, target, …)` whose target is not an immutable or constant. */
function yulDelegatesToVariableTarget(program: Program, asm: AstNode): boolean {
  if (asm.AST === undefined) return yulCalls(asm, ["delegatecall", "callcode"]);
  const refs = ((asm.externalReferences as unknown[] | undefined) ?? []) as { declaration?: unknown; src?: unknown }[];
  let found = false;
  walkYul(asm, (y) => {
    const name = yulCallName(y);
    if (name !== "delegatecall" && name !== "callcode") return;
    const target = (y.arguments as AstNode[] | undefined)?.[1];
    if (target?.nodeType === "YulIdentifier") {
      const ref = refs.find((r) => r.src === target.src);
      const d = typeof ref?.declaration === "number" ? program.byId(ref.declaration) : undefined;
      if (d && isStateVariable(d) && !isOrdinaryStateVariable(d)) return;
    }
    found = true;
  });
  return found;
}

interface DelegatingFallback {
  fallback: AstNode;
  delegatecalls: AstNode[];
  /** Ordinary state variables read on the way to the delegatecall. */
  reads: Set<AstNode>;
  /** `sload(0)`-style reads of low numbered slots in assembly. */
  slotLoads: AstNode[];
}

function delegatingFallback(program: Program, contract: AstNode): DelegatingFallback | undefined {
  for (const fb of effectiveFunctions(program, contract)) {
    const kind = functionKind(fb);
    if (kind !== "fallback" && kind !== "receive") continue;
    const delegatecalls: AstNode[] = [];
    const reads = new Set<AstNode>();
    const slotLoads: AstNode[] = [];
    for (const callable of reachableCallables(program, fb, contract)) {
      const body = child(callable, "body");
      if (!body) continue;
      walk(body, (n) => {
        if (n.nodeType === "FunctionCall") {
          const ll = lowLevelCall(program, n);
          if (ll && (ll.kind === "delegatecall" || ll.kind === "callcode") && !fixedTarget(program, ll.target)) delegatecalls.push(n);
        } else if (n.nodeType === "Identifier") {
          const d = program.declOf(n);
          if (d && isOrdinaryStateVariable(d)) reads.add(d);
        } else if (n.nodeType === "InlineAssembly") {
          if (yulDelegatesToVariableTarget(program, n)) delegatecalls.push(n);
          for (const ref of (n.externalReferences as unknown[] | undefined) ?? []) {
            // `sload(implementation.slot)`: a state variable's own slot
            const r = ref as { declaration?: unknown };
            const d = typeof r.declaration === "number" ? program.byId(r.declaration) : undefined;
            if (d && isOrdinaryStateVariable(d)) reads.add(d);
          }
          if (n.AST !== undefined) {
            walkYul(n, (y) => {
              if (yulCallName(y) !== "sload") return;
              const arg = (y.arguments as AstNode[] | undefined)?.[0];
              if (arg?.nodeType === "YulLiteral" && /^(0x)?[0-9a-f]{1,4}$/i.test(String(arg.value ?? ""))) slotLoads.push(n);
            });
          }
          return false;
        }
        return undefined;
      });
    }
    if (delegatecalls.length > 0) return { fallback: fb, delegatecalls, reads, slotLoads };
  }
  return undefined;
}

/** A contract's ordinary state variables in storage order (bases first). */
function storageOrder(program: Program, contract: AstNode): AstNode[] {
  return [...program.linearized(contract)].reverse().flatMap((c) => list(c, "nodes").filter((d) => d.nodeType === "VariableDeclaration" && isOrdinaryStateVariable(d)));
}

/**
 * Whether another concrete contract of the program starts its storage with the proxy's variables, same names and
 * types in the same order: an implementation that reserves the proxy's slots on purpose (Safe's `Singleton` keeps
 * `singleton` first, as `SafeProxy` does).
 */
function layoutMirrored(program: Program, proxy: AstNode): boolean {
  const own = storageOrder(program, proxy);
  if (own.length === 0) return false;
  const sig = (d: AstNode): string => `${str(d, "name")}:${typeString(d) ?? ""}`;
  const chain = new Set(program.linearized(proxy));
  const all = program.files.flatMap((f) => list(f.ast, "nodes").filter((n) => n.nodeType === "ContractDefinition"));
  return all.some((c) => {
    if (chain.has(c) || contractKind(c) !== "contract" || c.abstract === true) return false;
    const theirs = storageOrder(program, c);
    return theirs.length >= own.length && own.every((d, i) => sig(d) === sig(theirs[i]!));
  });
}

// A new implementation version whose storage layout moves the old one's variables (what OpenZeppelin's
// `validateUpgrade` refuses): FooV1 → FooV2, Foo → FooUpgraded, ImplementationA → ImplementationB.

/** Where a state variable lives, as solc packs it. */
interface StorageEntry {
  decl: AstNode;
  name: string;
  slot: number;
  offset: number;
  /** Bytes of a value type packed with its neighbours; 0 for what takes whole slots (structs, arrays, mappings, strings). */
  bytes: number;
  slots: number;
  /** The type compared across versions: contract types as addresses, structs and enums by name without their scope. */
  type: string;
  /** The type as written. */
  label: string;
}

interface TypeSize {
  bytes: number;
  slots: number;
}

const WHOLE_SLOT: TypeSize = { bytes: 0, slots: 1 };

function elementarySize(name: string): TypeSize {
  const n = name.replace(/\s+payable$/, "");
  if (n === "bool" || n === "byte") return { bytes: 1, slots: 1 };
  if (n === "address") return { bytes: 20, slots: 1 };
  let m = /^u?int(\d*)$/.exec(n);
  if (m) return { bytes: m[1] ? Number(m[1]) / 8 : 32, slots: 1 };
  m = /^bytes(\d+)$/.exec(n);
  if (m) return { bytes: Number(m[1]), slots: 1 };
  m = /^u?fixed(?:(\d+)x\d+)?$/.exec(n);
  if (m) return { bytes: m[1] ? Number(m[1]) / 8 : 16, slots: 1 };
  return WHOLE_SLOT; // string, bytes
}

/** The declaration a user-defined type name stands for (by name in the untyped fallback). */
function typeDeclaration(program: Program, t: AstNode): AstNode | undefined {
  const d = program.declOf(t) ?? program.declOf(child(t, "pathNode"));
  if (d) return d;
  const name = (str(t, "name") ?? str(child(t, "pathNode") ?? t, "name") ?? "").split(".").pop()!;
  return program.contractsNamed(name)[0];
}

/** The length of a fixed-size array type, undefined for a dynamic one. */
function arrayLength(t: AstNode): number | undefined {
  const len = child(t, "length");
  if (!len) return undefined;
  const m = /\[(\d+)\](?:\s+storage\b.*)?$/.exec(typeString(t) ?? "");
  if (m) return Number(m[1]);
  const v = Number(str(len, "value"));
  return Number.isInteger(v) && v > 0 ? v : 1;
}

function typeSize(program: Program, t: AstNode | undefined, depth: number): TypeSize {
  if (!t || depth > 8) return WHOLE_SLOT;
  switch (t.nodeType) {
    case "ElementaryTypeNameExpression":
      return typeSize(program, child(t, "typeName"), depth);
    case "ElementaryTypeName":
      return elementarySize(str(t, "name") ?? "");
    case "FunctionTypeName":
      return { bytes: str(t, "visibility") === "external" ? 24 : 8, slots: 1 };
    case "ArrayTypeName": {
      const n = arrayLength(t);
      if (n === undefined) return WHOLE_SLOT;
      const elem = typeSize(program, child(t, "baseType"), depth + 1);
      const slots = elem.bytes > 0 ? Math.ceil(n / Math.floor(32 / elem.bytes)) : n * elem.slots;
      return { bytes: 0, slots: Math.max(1, slots) };
    }
    case "UserDefinedTypeName": {
      const d = typeDeclaration(program, t);
      if (d?.nodeType === "ContractDefinition") return { bytes: 20, slots: 1 };
      if (d?.nodeType === "EnumDefinition") return { bytes: list(d, "members").length > 256 ? 2 : 1, slots: 1 };
      if (d?.nodeType === "UserDefinedValueTypeDefinition") return typeSize(program, child(d, "underlyingType"), depth + 1);
      if (d?.nodeType === "StructDefinition") return { bytes: 0, slots: Math.max(1, packStorage(program, list(d, "members"), depth + 1).slots) };
      return WHOLE_SLOT;
    }
    default:
      return WHOLE_SLOT; // mappings
  }
}

function typeKey(program: Program, t: AstNode | undefined): string {
  if (!t) return "?";
  switch (t.nodeType) {
    case "ElementaryTypeNameExpression":
      return typeKey(program, child(t, "typeName"));
    case "ElementaryTypeName": {
      const n = (str(t, "name") ?? "").replace(/\s+payable$/, "");
      return n === "uint" ? "uint256" : n === "int" ? "int256" : n === "byte" ? "bytes1" : n;
    }
    case "Mapping":
      return `mapping(${typeKey(program, child(t, "keyType"))} => ${typeKey(program, child(t, "valueType"))})`;
    case "ArrayTypeName":
      return `${typeKey(program, child(t, "baseType"))}[${arrayLength(t) ?? ""}]`;
    case "UserDefinedTypeName": {
      const d = typeDeclaration(program, t);
      if (d?.nodeType === "ContractDefinition") return "address";
      if (d?.nodeType === "UserDefinedValueTypeDefinition") return typeKey(program, child(d, "underlyingType"));
      const name = str(d ?? t, "name") ?? program.text(t);
      if (d?.nodeType === "EnumDefinition") return `enum ${name}`;
      if (d?.nodeType === "StructDefinition") return `struct ${name}`;
      return name.split(".").pop()!;
    }
    default:
      return program.text(t).replace(/\s+/g, " ");
  }
}

/** Slots and offsets of variables laid out one after the other from slot 0, as solc packs them. */
function packStorage(program: Program, decls: AstNode[], depth = 0): { entries: StorageEntry[]; slots: number } {
  const entries: StorageEntry[] = [];
  let slot = 0;
  let offset = 0;
  for (const decl of decls) {
    const t = child(decl, "typeName");
    const size = typeSize(program, t, depth);
    const entry = (at: number, off: number): StorageEntry => ({
      decl,
      name: str(decl, "name") ?? "?",
      slot: at,
      offset: off,
      bytes: size.bytes,
      slots: size.slots,
      type: depth === 0 ? typeKey(program, t) : "",
      label: depth === 0 ? (t ? program.text(t).replace(/\s+/g, " ") : typeString(decl) ?? "?") : "",
    });
    if (size.bytes > 0) {
      // value types share a slot while they fit
      if (offset + size.bytes > 32) {
        slot++;
        offset = 0;
      }
      entries.push(entry(slot, offset));
      offset += size.bytes;
    } else {
      // structs, arrays, mappings, strings start a new slot, and what follows them too
      if (offset > 0) slot++;
      entries.push(entry(slot, 0));
      slot += size.slots;
      offset = 0;
    }
  }
  return { entries, slots: slot + (offset > 0 ? 1 : 0) };
}

const UPGRADEABLE_BASE = /^(Initializable|UUPSUpgradeable|\w+Upgradeable)$/;

/** A constructor (its own code or a helper it calls) that writes state. */
function constructorSetsStorage(program: Program, contract: AstNode): boolean {
  for (const c of program.linearized(contract)) {
    for (const f of list(c, "nodes")) {
      if (f.nodeType !== "FunctionDefinition" || functionKind(f) !== "constructor" || !child(f, "body")) continue;
      let writes = false;
      walkFlowEvents(program, f, contract, {
        onWrite: (d) => {
          if (isOrdinaryStateVariable(d)) writes = true;
        },
      });
      if (writes) return true;
    }
  }
  return false;
}

/**
 * An implementation meant to sit behind a proxy: it inherits `Initializable`, `UUPSUpgradeable` or another
 * `…Upgradeable` base, or has an `initialize` function and no constructor that sets storage.
 */
function isUpgradeableImplementation(program: Program, contract: AstNode): boolean {
  if (contractKind(contract) !== "contract" || contract.abstract === true) return false;
  const bases = program.linearized(contract).slice(1).map((b) => str(b, "name") ?? "");
  for (const b of list(contract, "baseContracts")) {
    const bn = child(b, "baseName");
    if (bn) bases.push((str(bn, "name") ?? str(bn, "namePath") ?? "").split(".").pop()!);
  }
  if (bases.some((b) => UPGRADEABLE_BASE.test(b))) return true;
  const initializer = effectiveFunctions(program, contract).some((f) => functionKind(f) === "function" && str(f, "name") === "initialize");
  return initializer && !constructorSetsStorage(program, contract);
}

/** A trailing version marker: FooV2 (stem Foo, rank 2), ImplementationB (stem Implementation, rank 2). */
function versionMarker(name: string): { stem: string; kind: string; rank: number } | undefined {
  let m = /^(.+?)_?[Vv](\d+)$/.exec(name);
  if (m) return { stem: m[1]!, kind: "number", rank: Number(m[2]) };
  m = /^(.*[a-z])([A-Z])$/.exec(name);
  if (m) return { stem: m[1]!, kind: "letter", rank: m[2]!.charCodeAt(0) - 64 };
  return undefined;
}

/** The old name plus a suffix saying it replaces it: FooUpgraded, FooNew, FooV2. */
const UPGRADE_SUFFIX = /^(.+?)_?(Upgraded|Updated|New|V(?:[2-9]|[1-9]\d+))$/;

/** The contract a new version replaces, by name: the closest earlier version marker of the same stem, or the name without the suffix. */
function predecessorName(name: string, names: Set<string>): string | undefined {
  const v = versionMarker(name);
  if (v) {
    let best: { name: string; rank: number } | undefined;
    for (const other of names) {
      const o = versionMarker(other);
      if (o && o.stem === v.stem && o.kind === v.kind && o.rank < v.rank && (!best || o.rank > best.rank)) best = { name: other, rank: o.rank };
    }
    if (best) return best.name;
  }
  const m = UPGRADE_SUFFIX.exec(name);
  return m && names.has(m[1]!) ? m[1]! : undefined;
}

/** A storage gap (`uint256[50] private __gap`): shrinking it to make room for new variables is the point. */
function isStorageGap(e: StorageEntry): boolean {
  return /^_*(storage_?)?gap/i.test(e.name) && /\[\d+\]$/.test(e.type);
}

function storageOverlaps(a: StorageEntry, b: StorageEntry): boolean {
  const start = (e: StorageEntry): number => e.slot * 32 + e.offset;
  const end = (e: StorageEntry): number => start(e) + (e.bytes > 0 ? e.bytes : e.slots * 32);
  return start(a) < end(b) && start(b) < end(a);
}

interface LayoutBreak {
  /** The old version's variable the new one no longer keeps in place. */
  old: StorageEntry;
  /** The new version's variable now where it was. */
  occupant?: StorageEntry;
  /** The new version's declaration of the same name (moved, retyped, or made constant/immutable). */
  renamed?: AstNode;
  /** Old variables out of place in all. */
  count: number;
}

/** The first variable of the old layout that the new one moves, retypes or drops; appending and renaming in place are fine. */
function layoutBreak(program: Program, oldLayout: StorageEntry[], newLayout: StorageEntry[], newContract: AstNode): LayoutBreak | undefined {
  const newByName = new Map<string, StorageEntry>();
  for (const e of newLayout) if (!newByName.has(e.name)) newByName.set(e.name, e);
  const oldNames = new Set(oldLayout.map((e) => e.name));
  const declared = new Map<string, AstNode>();
  for (const c of program.linearized(newContract)) {
    for (const d of list(c, "nodes")) if (d.nodeType === "VariableDeclaration" && isStateVariable(d) && !declared.has(str(d, "name") ?? "")) declared.set(str(d, "name") ?? "", d);
  }
  let first: LayoutBreak | undefined;
  let count = 0;
  for (const o of oldLayout) {
    if (isStorageGap(o)) continue;
    const at = newLayout.find((n) => n.slot === o.slot && n.offset === o.offset);
    // kept (a rename: same type, same place, the old name gone and the new one not an old variable's)
    if (at && at.type === o.type && (at.name === o.name || (!newByName.has(o.name) && !oldNames.has(at.name)))) continue;
    count++;
    if (!first) first = { old: o, occupant: at ?? newLayout.find((n) => storageOverlaps(n, o)), renamed: declared.get(o.name), count: 0 };
  }
  return first ? { ...first, count } : undefined;
}

function slotName(e: StorageEntry): string {
  return `slot ${e.slot}${e.offset > 0 ? ` (offset ${e.offset})` : ""}`;
}

const LAYOUT_REMEDIATION =
  "Keep every variable of the old version where it was: do not delete, reorder or retype them, nor turn them into constants or immutables. " +
  "Mark a variable no longer used as deprecated instead of deleting it, and append new variables after the last one:\n" +
  "```solidity\ncontract VaultV2 is Initializable {\n    uint256 public totalShares;\n    address private __deprecatedFeeRecipient; // was `feeRecipient`: kept so the slots after it stay put\n" +
  "    mapping(address => uint256) public shares;\n    uint256 public fee;                        // new variables go at the end\n" +
  "    uint256[48] private __gap;                 // a storage gap shrinks by the slots added\n}\n```\n" +
  "Or keep the state in ERC-7201 namespaced storage (`/// @custom:storage-location erc7201:…`), which does not depend on declaration order, " +
  "and run OpenZeppelin's upgrades plugin (`upgrades.validateUpgrade(OldFactory, NewFactory)` or `upgradeProxy`) before deploying a new implementation.";

/** Reports, in the scanned file, new implementation versions whose layout breaks the version they replace. */
function reportLayoutBreaks(ctx: DetectorContext): void {
  const { program, file } = ctx;
  const ownContracts = (): AstNode[] =>
    program.files.flatMap((f) => list(f.ast, "nodes").filter((n) => n.nodeType === "ContractDefinition" && !isFromDependency(program, n)));
  let candidates: Map<string, AstNode> | undefined;
  for (const contract of contractsIn(ctx)) {
    if (isFromDependency(program, contract) || (!versionMarker(str(contract, "name") ?? "") && !UPGRADE_SUFFIX.test(str(contract, "name") ?? ""))) continue;
    if (!isUpgradeableImplementation(program, contract)) continue;
    if (!candidates) {
      candidates = new Map();
      for (const c of ownContracts()) if (!candidates.has(str(c, "name") ?? "") && isUpgradeableImplementation(program, c)) candidates.set(str(c, "name") ?? "", c);
    }
    const name = str(contract, "name") ?? "";
    const oldName = predecessorName(name, new Set([...candidates.keys()].filter((n) => n !== name)));
    const old = oldName !== undefined ? candidates.get(oldName) : undefined;
    if (!old) continue;
    const oldLayout = packStorage(program, storageOrder(program, old)).entries;
    const newLayout = packStorage(program, storageOrder(program, contract)).entries;
    const broken = layoutBreak(program, oldLayout, newLayout, contract);
    if (!broken) continue;
    const { old: o, occupant, renamed } = broken;
    const moved = renamed ? newLayout.find((e) => e.decl === renamed) : undefined;
    const what = !renamed
      ? `\`${o.name}\` was deleted`
      : !moved
        ? `\`${o.name}\` is now ${str(renamed, "mutability") === "immutable" ? "immutable" : "a constant"} and takes no slot, so the variables after it shift`
        : moved.slot !== o.slot || moved.offset !== o.offset
          ? `\`${o.name}\` moved to ${slotName(moved)}`
          : `\`${o.name}\` changed type from \`${o.label}\` to \`${moved.label}\``;
    const now = occupant ? `holds \`${occupant.label} ${occupant.name}\` in ${name}` : `is no longer used by ${name} (a variable added later would start from ${oldName}'s stale value)`;
    const others = broken.count - 1;
    let lines = linesIn(program, file, [renamed, occupant?.decl]);
    if (lines.length === 0) lines = linesIn(program, file, [contract]);
    ctx.report({
      detector: "proxy-storage-collision",
      category: "access_control",
      severity: "high",
      confidence: "medium",
      lines,
      contract: name,
      message:
        `${name} replaces ${oldName} (both are upgradeable implementations and the name marks a new version), but its storage layout is incompatible: ` +
        `${slotName(o)} held \`${o.label} ${o.name}\` in ${oldName} and ${now}; ${what}. ` +
        `A proxy keeps the storage ${oldName} wrote, so after the upgrade ${name} reads and overwrites ${o.name}'s data` +
        (occupant ? ` as \`${occupant.label} ${occupant.name}\`` : "") +
        (others > 0 ? `, and ${others} more of ${oldName}'s variables ${others === 1 ? "is" : "are"} out of place` : "") +
        ". OpenZeppelin's upgrades plugin (validateUpgrade) refuses this upgrade.",
      remediation: LAYOUT_REMEDIATION,
    });
  }
}

export const proxyStorageCollision: Detector = {
  id: "proxy-storage-collision",
  category: "access_control",
  title:
    "Proxy keeping its implementation or admin address in an ordinary storage slot (collides with the implementation's variables), " +
    "or a new implementation version whose storage layout moves the variables of the version it replaces",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract" || contract.abstract === true) continue;
      const proxy = delegatingFallback(program, contract);
      if (!proxy) continue;
      const vars = new Set<AstNode>();
      for (const d of proxy.reads) vars.add(d);
      for (const c of program.linearized(contract)) {
        for (const d of list(c, "nodes")) {
          if (d.nodeType === "VariableDeclaration" && isOrdinaryStateVariable(d) && isAddressLike(program, d) && PROXY_VARIABLE.test(str(d, "name") ?? "")) vars.add(d);
        }
      }
      if (vars.size === 0 && proxy.slotLoads.length === 0) continue;
      if (layoutMirrored(program, contract)) continue;
      const names = [...vars].map((d) => str(d, "name") ?? "?");
      let lines = linesIn(program, file, [...vars, ...proxy.slotLoads, ...proxy.delegatecalls]);
      if (lines.length === 0) lines = linesIn(program, file, [contract]);
      const what = names.length > 0 ? names.join(", ") : "the implementation address";
      ctx.report({
        detector: "proxy-storage-collision",
        category: "access_control",
        severity: "high",
        confidence: proxy.reads.size > 0 || proxy.slotLoads.length > 0 ? "high" : "medium",
        lines,
        contract: str(contract, "name"),
        function: displayName(proxy.fallback),
        message:
          `${str(contract, "name")} is a proxy (its ${displayName(proxy.fallback)} delegatecalls into an implementation) and keeps ${what} in ordinary storage ` +
          `slot${names.length === 1 ? "" : "s"} (0, 1, …). The implementation's code runs on the proxy's storage, so its own first variables live in the same slots: ` +
          "writing them overwrites the implementation or admin address (an attacker can redirect or take over the proxy), and the implementation reads garbage.",
        remediation:
          "Keep the proxy's own addresses in the EIP-1967 slots, which no compiler-assigned variable can reach, or use OpenZeppelin's `ERC1967Proxy`/`TransparentUpgradeableProxy`:\n" +
          "```solidity\nimport {StorageSlot} from \"@openzeppelin/contracts/utils/StorageSlot.sol\";\n" +
          "// bytes32(uint256(keccak256(\"eip1967.proxy.implementation\")) - 1)\n" +
          "bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;\n" +
          "function _implementation() internal view returns (address) {\n    return StorageSlot.getAddressSlot(IMPLEMENTATION_SLOT).value;\n}\n```\n" +
          "Do the same for the admin (`eip1967.proxy.admin`) and declare no state variables in the proxy.",
      });
    }
    reportLayoutBreaks(ctx);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// unprotected-upgrade
// ---------------------------------------------------------------------------------------------------------------

const UPGRADE_FUNCTION = /^(upgradeTo|upgradeToAndCall|upgradeAndCall|upgrade|upgradeImplementation|setImplementation|changeImplementation|updateImplementation|setLogic|setLogicContract|updateLogic)$/i;

/** Whether a function changes which code runs: a state write, an `sstore`, a StorageSlot `.value =`, or an upgrade helper call. */
function changesImplementation(program: Program, fn: AstNode, contract: AstNode): boolean {
  let writes = false;
  const body0 = child(fn, "body")!;
  const guarded = (n: AstNode, sites: AstNode[]): boolean => {
    const here = program.contains(body0, n) ? n : sites.find((x) => program.contains(body0, x));
    return here !== undefined && insideCallerBranch(program, here, body0);
  };
  walkFlowEvents(program, fn, contract, {
    onWrite: (_d, node, sites) => {
      if (!guarded(node, sites)) writes = true;
    },
  });
  if (writes) return true;
  for (const callable of reachableCallables(program, fn, contract)) {
    const body = child(callable, "body");
    if (!body) continue;
    let found = false;
    walk(body, (n) => {
      if (found) return false;
      if (callable === fn && (n.nodeType === "IfStatement" || n.nodeType === "Conditional") && isAuthCondition(program, child(n, "condition"), (x) => isSenderLike(program, x))) {
        return false; // if (msg.sender == owner) { … }
      }
      if (n.nodeType === "InlineAssembly") {
        if (yulCalls(n, ["sstore"])) found = true;
        return false;
      }
      if (n.nodeType === "Assignment") {
        const lhs = child(n, "leftHandSide");
        if (lhs?.nodeType === "MemberAccess" && str(lhs, "memberName") === "value") found = true;
      }
      if (n.nodeType === "FunctionCall") {
        const callee = child(n, "expression");
        const name = callee ? (str(callee, "name") ?? str(callee, "memberName") ?? "") : "";
        if (/upgrade|setImplementation/i.test(name)) found = true;
      }
      return undefined;
    });
    if (found) return true;
  }
  return false;
}

const UPGRADE_REMEDIATION =
  "Restrict upgrades to the account or role that may change the code; for UUPS, put the check in `_authorizeUpgrade`:\n" +
  "```solidity\nfunction _authorizeUpgrade(address newImplementation) internal override onlyOwner {}\n" +
  "// or, with AccessControl:\nfunction _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}\n```\n" +
  "Prefer a timelock or a multisig as that owner, and test that a stranger's `upgradeToAndCall` reverts.";

export const unprotectedUpgrade: Detector = {
  id: "unprotected-upgrade",
  category: "access_control",
  title: "UUPS `_authorizeUpgrade` or a public upgrade function that anyone can call",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const reported = new Set<AstNode>();
    const contracts = contractsIn(ctx).filter((c) => contractKind(c) === "contract");
    for (const contract of contracts) {
      const cname = str(contract, "name");
      const fns = effectiveFunctions(program, contract);
      // (a) the _authorizeUpgrade hook of a UUPS implementation
      const hook = fns.find((f) => str(f, "name") === "_authorizeUpgrade" && parameters(f).length === 1);
      const isAbstractVirtual = hook !== undefined && contract.abstract === true && hook.virtual === true;
      if (hook && !reported.has(hook) && !isAbstractVirtual) {
        const body = child(hook, "body")!;
        const disabled = stopsExecution(program, body);
        if (!disabled && !isAccessControlled(program, hook, contract)) {
          reported.add(hook);
          const local = program.fileOf(hook) === file;
          ctx.report({
            detector: "unprotected-upgrade",
            category: "access_control",
            severity: "high",
            confidence: "high",
            lines: linesIn(program, file, [local ? hook : contract]),
            contract: cname,
            function: "_authorizeUpgrade",
            message:
              (program.contractOf(hook) === contract
                ? `${cname} overrides _authorizeUpgrade without an access check`
                : `${cname} inherits an _authorizeUpgrade without an access check from ${str(program.contractOf(hook) ?? contract, "name")}`) +
              ": anyone can call upgradeToAndCall() on the proxy, point it at their own implementation and take every asset and role it holds (or brick it).",
            remediation: UPGRADE_REMEDIATION,
          });
        }
      }
      // (b) public upgrade functions with no access control
      for (const fn of fns) {
        if (reported.has(fn) || !isEntryPoint(fn) || isReadOnly(fn) || !UPGRADE_FUNCTION.test(str(fn, "name") ?? "")) continue;
        if (program.fileOf(fn) !== file) continue;
        const callsHook = reachableCallables(program, fn, contract).some((c) => str(c, "name") === "_authorizeUpgrade");
        if (callsHook) continue; // decided by the hook, above
        if (isAccessControlled(program, fn, contract) || !changesImplementation(program, fn, contract)) continue;
        reported.add(fn);
        ctx.report({
          detector: "unprotected-upgrade",
          category: "access_control",
          severity: "high",
          confidence: "high",
          lines: linesIn(program, file, [fn]),
          contract: cname,
          function: displayName(fn),
          message: `Anyone can call ${displayName(fn)}() and replace the contract's implementation with their own code, which then runs with this contract's storage and balance.`,
          remediation: UPGRADE_REMEDIATION.replace(
            "for UUPS, put the check in `_authorizeUpgrade`:",
            `e.g. \`function ${str(fn, "name")}(address newImplementation) external onlyOwner { … }\`; for UUPS, put the check in \`_authorizeUpgrade\`:`,
          ),
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// arbitrary-call
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where a value comes from, as keys of the entry function's parameters and the parts taken from them:
 * `12` (parameter with id 12), `12.to` (its field), `12[]` (an element), `msg.data`.
 */
type Origins = Set<string>;
type Env = Map<AstNode, Origins>;

const NON_VALUE_MEMBERS = new Set(["length", "balance", "code", "codehash", "selector", "address"]);

/** The parts of the input a value is taken from whole (not computed from): `target`, `calls[i].data`, `data[4:]`. */
function wholeOrigins(program: Program, expr: AstNode | undefined, env: Env): Origins {
  const e = stripConversions(expr);
  const out: Origins = new Set();
  if (!e) return out;
  const map = (inner: Origins, suffix: string): Origins => new Set([...inner].map((o) => o + suffix));
  switch (e.nodeType) {
    case "Identifier": {
      const d = program.declOf(e);
      return new Set(d ? (env.get(d) ?? []) : []);
    }
    case "MemberAccess": {
      if (memberOf(program, e, "msg", "data")) return new Set(["msg.data"]);
      const m = str(e, "memberName") ?? "";
      if (NON_VALUE_MEMBERS.has(m)) return out;
      return map(wholeOrigins(program, child(e, "expression"), env), `.${m}`);
    }
    case "IndexAccess":
      return map(wholeOrigins(program, child(e, "baseExpression"), env), "[]");
    case "IndexRangeAccess":
      return wholeOrigins(program, child(e, "baseExpression"), env);
    case "Conditional":
      return new Set([...wholeOrigins(program, child(e, "trueExpression"), env), ...wholeOrigins(program, child(e, "falseExpression"), env)]);
    case "FunctionCall": {
      const name = builtinCallName(program, e);
      const args = list(e, "arguments");
      const callee = child(e, "expression");
      const concat = callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "concat" && /bytes/.test(program.text(child(callee, "expression") ?? callee));
      // the selector (or the whole payload) is the caller's
      if (name === "abi.encodePacked" || name === "abi.encodeWithSelector" || name === "abi.encodeWithSignature" || name === "abi.decode" || concat) {
        return wholeOrigins(program, args[0], env);
      }
      return out;
    }
    default:
      return out;
  }
}

/** Every input part an expression mentions (for hashes and checks). */
function mentionedOrigins(program: Program, expr: AstNode, env: Env): Origins {
  const out: Origins = new Set();
  walk(expr, (n, parent) => {
    if (n.nodeType === "Identifier" || n.nodeType === "MemberAccess" || n.nodeType === "IndexAccess") {
      const chainPart = parent && ((parent.nodeType === "MemberAccess" && child(parent, "expression") === n) || (parent.nodeType === "IndexAccess" && child(parent, "baseExpression") === n));
      if (!chainPart) for (const o of wholeOrigins(program, n, env)) out.add(o);
    }
    return undefined;
  });
  return out;
}

/** Whether two input parts overlap (one is the other or a part of it). */
function overlaps(a: string, b: string): boolean {
  const within = (x: string, y: string): boolean => x === y || x.startsWith(`${y}.`) || x.startsWith(`${y}[`);
  return within(a, b) || within(b, a);
}

function anyOverlap(a: Origins, b: Origins): boolean {
  for (const x of a) for (const y of b) if (overlaps(x, y)) return true;
  return false;
}

const SIGNATURE_CHECK = /^(ecrecover|recover|tryRecover|isValidSignatureNow|isValidSignature|isValidERC1271SignatureNow|_?verifySignature|_?validateSignature)$/;

interface CallCandidate {
  call: AstNode;
  site: AstNode;
  target: Origins;
  data: Origins;
}

interface CallAnalysis {
  candidates: CallCandidate[];
  /** Input parts compared with an allowlist, a stored value or checked by a function. */
  checked: Origins;
  /** Input parts hashed (committed to by a proposal, an operation id or a signature). */
  committed: Origins;
  signed: boolean;
  restricted: boolean;
}

function analyzeCalls(program: Program, entry: AstNode, contract: AstNode): CallAnalysis {
  const result: CallAnalysis = { candidates: [], checked: new Set(), committed: new Set(), signed: false, restricted: false };
  const active = new Set<AstNode>();

  const localEnv = (body: AstNode, env: Env): void => {
    walkDefinitions(body, 2, {
      declaration: (_n, decls, init) => {
        decls.forEach((d, i) => {
          if (!d) return;
          const source = decls.length > 1 && init.nodeType === "TupleExpression" ? list(init, "components")[i] : init;
          const o = wholeOrigins(program, source, env);
          if (o.size > 0) env.set(d, new Set([...(env.get(d) ?? []), ...o]));
        });
      },
      assignment: (n, lhs, rhs) => {
        if (str(n, "operator") !== "=") return;
        const d = lhs?.nodeType === "Identifier" ? program.declOf(lhs) : undefined;
        if (d && !isStateVariable(d)) {
          const o = wholeOrigins(program, rhs, env);
          if (o.size > 0) env.set(d, new Set([...(env.get(d) ?? []), ...o]));
        }
      },
    });
  };

  const noteGuard = (cond: AstNode, env: Env): void => {
    walk(cond, (n) => {
      if (n.nodeType === "IndexAccess") {
        // allowed[target], trusted[calls[i].target]
        for (const o of mentionedOrigins(program, child(n, "indexExpression") ?? n, env)) result.checked.add(o);
      } else if (n.nodeType === "BinaryOperation" && (str(n, "operator") === "==" || str(n, "operator") === "!=")) {
        const l = child(n, "leftExpression");
        const r = child(n, "rightExpression");
        const constant = (x: AstNode | undefined): boolean => {
          const s = stripConversions(x);
          return s?.nodeType === "Literal" || (s !== undefined && memberOf(program, s, "msg", "value"));
        };
        const lo = wholeOrigins(program, l, env);
        const ro = wholeOrigins(program, r, env);
        if (lo.size > 0 && ro.size === 0 && !constant(r)) for (const o of lo) result.checked.add(o);
        if (ro.size > 0 && lo.size === 0 && !constant(l)) for (const o of ro) result.checked.add(o);
      } else if (n.nodeType === "FunctionCall" && builtinCallName(program, n) === undefined && str(n, "kind") !== "typeConversion") {
        // isAllowed(target), registry.isApproved(target)
        for (const a of list(n, "arguments")) for (const o of wholeOrigins(program, a, env)) result.checked.add(o);
      }
      return undefined;
    });
  };

  const visit = (callable: AstNode, env: Env, site: AstNode | undefined, depth: number): void => {
    if (active.has(callable) || depth > 6) return;
    active.add(callable);
    if (depth > 0 && callable.nodeType === "FunctionDefinition" && isAccessControlled(program, callable, contract)) result.restricted = true;
    for (const inv of list(callable, "modifiers")) {
      const m = modifierOf(program, inv, contract);
      if (!m || !child(m, "body")) continue;
      const menv: Env = new Map();
      list(inv, "arguments").forEach((a, i) => {
        const p = parameters(m)[i];
        const o = wholeOrigins(program, a, env);
        if (p && o.size > 0) menv.set(p, o);
      });
      visit(m, menv, site, depth + 1);
    }
    const body = child(callable, "body");
    if (body) {
      localEnv(body, env);
      for (const g of guardConditions(program, body)) noteGuard(g.cond, env);
      for (const call of findAll(body, "FunctionCall")) {
        const here = site ?? call;
        const builtin = builtinCallName(program, call);
        if (builtin === "keccak256" || builtin === "sha256" || builtin === "sha3") {
          for (const a of list(call, "arguments")) for (const o of mentionedOrigins(program, a, env)) result.committed.add(o);
          continue;
        }
        const calleeExpr = child(call, "expression");
        const calleeName = calleeExpr ? (str(calleeExpr, "name") ?? str(calleeExpr, "memberName") ?? "") : "";
        if (SIGNATURE_CHECK.test(calleeName)) result.signed = true;
        const ll = lowLevelCall(program, call);
        if (ll) {
          if ((ll.kind === "call" || ll.kind === "callcode") && !isThis(program, ll.target)) {
            const target = wholeOrigins(program, ll.target, env);
            const data = wholeOrigins(program, ll.args[0], env);
            if (target.size > 0 && data.size > 0) result.candidates.push({ call, site: here, target, data });
          }
          continue;
        }
        const callee = internalCallee(program, call, contract);
        if (!callee || !child(callee, "body")) continue;
        const params = parameters(callee);
        const args = list(call, "arguments");
        // `target.functionCall(data)` with `using Address for address`: the receiver is the first parameter
        const receiver = params.length === args.length + 1 && calleeExpr?.nodeType === "MemberAccess" ? child(calleeExpr, "expression") : undefined;
        const actual = receiver ? [receiver, ...args] : args;
        const cenv: Env = new Map();
        actual.forEach((a, i) => {
          const p = params[i];
          const o = wholeOrigins(program, a, env);
          if (p && o.size > 0) cenv.set(p, o);
        });
        visit(callee, cenv, here, depth + 1);
      }
    }
    active.delete(callable);
  };

  const env: Env = new Map();
  for (const p of parameters(entry)) env.set(p, new Set([String(p.id)]));
  visit(entry, env, undefined, 0);
  return result;
}

const PULL_CALL = /^(transferFrom|safeTransferFrom|permitTransferFrom|permit|safeTransferFromWithPermit)$/;

/**
 * A stateless helper (a flash-loan receiver, a swap adapter): it keeps no numbers or records in storage (only addresses
 * and constants), pulls tokens from no one (so no user approves it), takes no ether and has no privileged function
 * (nothing an owner withdraws). Tokens pass through it inside another contract's transaction; an arbitrary call from
 * it can take only what sits in it at that moment, not approvals or savings.
 */
function statelessHelper(program: Program, contract: AstNode): boolean {
  if (authorisedElsewhere(program, contract)) return false;
  for (const c of program.linearized(contract)) {
    if (isFromDependency(program, c)) continue;
    for (const n of list(c, "nodes")) {
      if (n.nodeType === "VariableDeclaration") {
        if (isConstantVariable(n) || str(n, "mutability") === "immutable") continue;
        if (!/^(address|contract |address payable)/.test(typeString(n) ?? "")) return false;
      }
      if (n.nodeType !== "FunctionDefinition") continue;
      const kind = functionKind(n);
      if (kind === "receive" || (str(n, "stateMutability") === "payable" && kind !== "constructor")) return false;
      if (kind !== "constructor" && isEntryPoint(n) && isAccessControlled(program, n, contract)) return false;
      const body = child(n, "body");
      if (!body) continue;
      const params = new Set(parameters(n));
      const fromParameter = (x: AstNode | undefined): boolean =>
        x !== undefined && [x, ...findAll(x, "Identifier")].some((i) => i.nodeType === "Identifier" && params.has(program.declOf(i)!));
      if (findAll(body, "FunctionCall").some((call) => {
        const e = child(call, "expression");
        const name = (e ? (str(e, "memberName") ?? str(e, "name")) : undefined) ?? "";
        if (PULL_CALL.test(name)) return true;
        // lends out a stock it keeps: sends an amount the caller names (a flash-loan pool)
        const args = list(call, "arguments");
        if (/^(transfer|safeTransfer|sendValue)$/.test(name)) return fromParameter(args[args.length - 1]);
        const ll = lowLevelCall(program, call);
        return ll?.value !== undefined && fromParameter(ll.value);
      })) return false;
    }
  }
  return true;
}

/**
 * Whether another contract trusts this one's address: it compares msg.sender with a variable of this contract's type
 * or named after it (`require(msg.sender == forwarder)` for `contract Forwarder`). A call this contract makes for
 * anyone then carries that trust.
 */
function authorisedElsewhere(program: Program, contract: AstNode): boolean {
  const name = (str(contract, "name") ?? "").toLowerCase();
  if (name.length < 4) return false;
  const names = (d: AstNode): boolean =>
    (str(d, "name") ?? "").toLowerCase().replace(/^_+/, "").endsWith(name) || typeString(d) === `contract ${str(contract, "name")}`;
  return program.files.some((f) =>
    findAll(f.ast, "BinaryOperation").some((op) => {
      if (op.operator !== "==" && op.operator !== "!=") return false;
      const sides = [child(op, "leftExpression"), child(op, "rightExpression")].map((x) => stripConversions(x));
      if (!sides.some((x) => isSenderLike(program, x))) return false;
      return sides.some((x) => {
        const d = x && (x.nodeType === "Identifier" || x.nodeType === "MemberAccess") ? program.declOf(x) : undefined;
        return d?.nodeType === "VariableDeclaration" && isStateVariable(d) && program.contractOf(d) !== contract && names(d);
      });
    }),
  );
}

export const arbitraryCall: Detector = {
  id: "arbitrary-call",
  category: "access_control",
  title: "Low-level call whose target and calldata the caller chooses, in a function anyone can call",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const cname = str(contract, "name");
      for (const fn of list(contract, "nodes")) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        if (isAccessControlled(program, fn, contract)) continue;
        const a = analyzeCalls(program, fn, contract);
        if (a.restricted || a.signed || a.candidates.length === 0) continue;
        const seen = new Set<AstNode>();
        const helper = statelessHelper(program, contract);
        for (const c of a.candidates) {
          if (anyOverlap(c.target, a.checked) || anyOverlap(c.target, a.committed)) continue;
          if (insideCallerBranch(program, c.site, child(fn, "body")!)) continue;
          if (seen.has(c.site)) continue;
          seen.add(c.site);
          const lines = linesIn(program, file, [c.site]);
          ctx.report({
            detector: "arbitrary-call",
            category: "access_control",
            severity: helper ? "low" : "high",
            confidence: c.site === c.call ? "high" : "medium",
            lines: lines.length > 0 ? lines : linesIn(program, file, [fn]),
            contract: cname,
            function: displayName(fn),
            message:
              `Anyone can call ${displayName(fn)}() and make this contract call any address with any calldata (\`${program.text(c.site).split("\n")[0]!.slice(0, 80)}\`). ` +
              "The call is made as this contract: a caller can have it run `token.transferFrom(victim, attacker, amount)` on every approval users gave it, " +
              "or `token.transfer(attacker, balance)` on the tokens it holds." +
              (helper
                ? ` ${cname} is a stateless helper, though: it pulls tokens from no one (no approvals to it), keeps no balances or records, takes no ether and has no owner, so only tokens sent to it inside the same transaction are at risk — make sure no flow leaves any there.`
                : ""),
            remediation:
              "Only call addresses the contract trusts (an allowlist the owner maintains), or only the contract itself, and never forward calldata to token contracts:\n" +
              "```solidity\nmapping(address => bool) public allowedTargets; // set by the owner\n\n" +
              "function execute(address target, bytes calldata data) external {\n    require(allowedTargets[target], \"target not allowed\");\n" +
              "    (bool ok, ) = target.call(data);\n    require(ok);\n}\n```\n" +
              "If only privileged accounts should route calls, restrict the function (`onlyOwner`) instead.",
          });
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// read-only-reentrancy
// ---------------------------------------------------------------------------------------------------------------

const LOCK_MODIFIER = /nonReentrant|reentran|lock|mutex/i;
const LOCK_CHECK = /reentrancyGuardEntered|reentran|locked|_status\b|mutex|\bentered\b|_lock/i;

/**
 * Whether a call goes to an address the contract itself chose: a state variable (the timelock, WETH), an immutable,
 * a constant or `this` — not msg.sender, a parameter or an entry of a list users can join. A target that is a
 * parameter of an inlined helper (Address.sendValue's `recipient`) is followed back to the arguments its callers pass.
 */
function storedTarget(program: Program, expr: AstNode | undefined, stack: AstNode[], level: number, depth = 0): boolean {
  const e = stripConversions(expr);
  if (!e || depth > 6) return false;
  if (isThis(program, e)) return true;
  if (e.nodeType === "FunctionCall" && list(e, "arguments").length === 0) {
    // _timelock(), owner(): a getter of stored state
    const callee = program.declOf(child(e, "expression"));
    return callee?.nodeType === "FunctionDefinition" && isReadOnly(callee);
  }
  if (e.nodeType !== "Identifier" && e.nodeType !== "MemberAccess") return false;
  const d = e.nodeType === "Identifier" ? program.declOf(e) : baseDeclarationOf(program, e);
  if (!d || d.nodeType !== "VariableDeclaration") return false;
  if (isStateVariable(d) || (program.parent(d)?.nodeType === "StructDefinition" && e.nodeType === "MemberAccess")) return true;
  const fn = stack[level];
  if (!fn || level === 0) return false;
  const i = parameters(fn).indexOf(d);
  if (i < 0) return false;
  const caller = stack[level - 1];
  const body = caller ? child(caller, "body") : undefined;
  if (!body) return false;
  const args: AstNode[] = [];
  for (const call of findAll(body, "FunctionCall")) {
    const callee = internalCallee(program, call, program.contractOf(caller!));
    if (callee !== fn) continue;
    const calleeExpr = child(call, "expression");
    const a = list(call, "arguments");
    const receiver = parameters(fn).length === a.length + 1 && calleeExpr?.nodeType === "MemberAccess" ? child(calleeExpr, "expression") : undefined;
    const actual = receiver ? [receiver, ...a] : a;
    if (actual[i]) args.push(actual[i]!);
  }
  return args.length > 0 && args.every((a) => storedTarget(program, a, stack, level - 1, depth + 1));
}

/** `$.field` / `s.timelock` through a storage pointer: the struct member; `a.b` on a state struct: the state variable. */
function baseDeclarationOf(program: Program, e: AstNode): AstNode | undefined {
  if (e.nodeType !== "MemberAccess") return undefined;
  const member = program.declOf(e);
  if (member?.nodeType === "VariableDeclaration") return member;
  const base = child(e, "expression");
  return base?.nodeType === "Identifier" ? program.declOf(base) : undefined;
}

/**
 * An external call that hands control to code the caller may control: sends ether, or is a low-level call made by
 * the contract's own code; and goes to an address the contract did not fix itself.
 */
function handsControl(program: Program, call: OutgoingCall): boolean {
  let target: AstNode | undefined;
  if (call.lowLevel) {
    if (call.lowLevel.kind !== "call" && call.lowLevel.kind !== "callcode") return false;
    const owner = program.contractOf(call.node);
    if (!call.value && (owner === undefined || contractKind(owner) === "library")) return false;
    target = call.lowLevel.target;
  } else if (call.external) {
    if (!call.value) return false;
    target = call.external.target;
  } else {
    return false; // assembly: value-sending helpers are followed through their Solidity callers' low-level calls
  }
  const level = call.stack.findIndex((f) => f === program.callableOf(call.node));
  return !storedTarget(program, target, call.stack, level < 0 ? call.stack.length - 1 : level);
}

/** Whether a view refuses to run while the contract is locked (a reentrancy-guard check or modifier). */
function viewChecksLock(program: Program, view: AstNode, contract: AstNode): boolean {
  if (list(view, "modifiers").some((inv) => LOCK_MODIFIER.test(str(child(inv, "modifierName") ?? inv, "name") ?? ""))) return true;
  for (const callable of reachableCallables(program, view, contract, 3)) {
    const body = child(callable, "body");
    if (!body) continue;
    for (const g of guardConditions(program, body)) if (LOCK_CHECK.test(program.text(g.cond))) return true;
  }
  return false;
}

/** Names of views other protocols price from (ERC-4626's conversions, AMMs' reserves, rate providers' rates). */
const PRICE_VIEW = /price|rate|reserve|assets|convert|preview|share|exchange|virtual|quote|value|ratio|collateral|debt|health/i;

/**
 * Whether a view returns a figure other contracts price from: it is named like one, or its own code (not a library's
 * formatting helpers) multiplies, divides or `mulDiv`s — a share price, an exchange rate. A view that only hands back
 * a stored entry (`balanceOf`, `ownerOf`, an operation's state) is read stale by nobody who prices with it.
 */
function pricesSomething(program: Program, view: AstNode, contract: AstNode): boolean {
  if (PRICE_VIEW.test(str(view, "name") ?? "")) return true;
  for (const callable of reachableCallables(program, view, contract, 3)) {
    const owner = program.contractOf(callable);
    if (owner && contractKind(owner) === "library") continue;
    const body = child(callable, "body");
    if (!body) continue;
    if (findAll(body, "BinaryOperation").some((b) => ["/", "*"].includes(str(b, "operator") ?? ""))) return true;
    if (findAll(body, "FunctionCall").some((c) => /^mulDiv/i.test(str(child(c, "expression") ?? c, "memberName") ?? str(child(c, "expression") ?? c, "name") ?? ""))) return true;
  }
  return false;
}

interface LateWrites {
  fn: AstNode;
  call: OutgoingCall;
  writes: { decl: AstNode; node: AstNode; sites: AstNode[] }[];
}

/**
 * Whether statement `write` of a function runs after statement `call` on some path: it follows it in the source,
 * outside any if/else branch or catch clause `call` sits in (or `call`'s condition guards it).
 */
function runsAfter(program: Program, call: AstNode, write: AstNode): boolean {
  if (call === write || program.contains(call, write)) return true;
  if (program.fileOf(call) !== program.fileOf(write) || !program.before(call, write) || program.contains(write, call)) return false;
  const fn = program.callableOf(call);
  if (!fn || fn !== program.callableOf(write)) return false;
  for (let cur: AstNode | undefined = call; cur && cur !== fn; cur = program.parent(cur)) {
    const parent = program.parent(cur);
    const branch =
      (parent?.nodeType === "IfStatement" && (child(parent, "trueBody") === cur || child(parent, "falseBody") === cur)) ||
      parent?.nodeType === "TryCatchClause";
    if (branch && !program.contains(cur, write)) return false;
  }
  return true;
}

/**
 * State a function writes after its first call that hands control away. Events are taken in evaluation order
 * across inlined helpers (the flow walker does not hand a helper's branch state back to its caller, so the order is
 * kept here, and branches are told apart by the analysed function's statements).
 */
function lateWrites(program: Program, fn: AstNode, contract: AstNode): LateWrites[] {
  const byCall = new Map<AstNode, LateWrites>();
  const calls: OutgoingCall[] = [];
  const early = new Set<AstNode>();
  const earlyDecls = new Set<AstNode>();
  const last = (sites: AstNode[]): AstNode | undefined => sites[sites.length - 1];
  walkFlowEvents(program, fn, contract, {
    onCall: (call) => {
      if (!handsControl(program, call)) return;
      const body = child(fn, "body")!;
      const here = program.contains(body, call.node) ? call.node : call.sites.find((x) => program.contains(body, x));
      if (here && insideCallerBranch(program, here, body)) return; // only a privileged caller gets here
      calls.push(call);
    },
    onWrite: (decl, node, sites) => {
      if (calls.length === 0) {
        early.add(node);
        earlyDecls.add(decl);
        return;
      }
      // Not stale state: the same write on a loop's next round, the release of a reentrancy lock, and a value set
      // for the duration of the call and restored after it (`_executionId = id; target.call(…); _executionId = before;`).
      if (early.has(node) || earlyDecls.has(decl)) return;
      const where = program.callableOf(node);
      if (where && (where.nodeType === "ModifierDefinition" || /reentran/i.test(str(where, "name") ?? ""))) return;
      const ws = last(sites);
      const call = calls.find((c) => {
        const cs = last(c.sites);
        return cs !== undefined && ws !== undefined && runsAfter(program, cs, ws);
      });
      if (!call) return;
      const entry = byCall.get(call.node) ?? { fn, call, writes: [] };
      if (!entry.writes.some((w) => w.node === node)) entry.writes.push({ decl, node, sites });
      byCall.set(call.node, entry);
    },
  });
  return [...byCall.values()];
}

export const readOnlyReentrancy: Detector = {
  id: "read-only-reentrancy",
  category: "reentrancy",
  title: "Public view returning state that another function updates only after handing control to the caller",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const fns = effectiveFunctions(program, contract);
      const views = fns.filter(
        (f) => isEntryPoint(f) && str(f, "stateMutability") === "view" && list(child(f, "returnParameters"), "parameters").length > 0,
      );
      if (views.length === 0) continue;
      const late: LateWrites[] = [];
      for (const fn of fns) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        if (isAccessControlled(program, fn, contract)) continue; // only a privileged caller can open the window
        late.push(...lateWrites(program, fn, contract));
      }
      if (late.length === 0) continue;
      const reads = new Map<AstNode, Set<AstNode>>();
      const readsOf = (view: AstNode): Set<AstNode> => {
        let r = reads.get(view);
        if (!r) {
          const set = new Set<AstNode>();
          walkFlowEvents(program, view, contract, { onRead: (d) => void set.add(d) });
          reads.set(view, set);
          r = set;
        }
        return r;
      };
      const locked = new Map<AstNode, boolean>();
      for (const lw of late) {
        const affected = views.filter((v) => {
          const r = readsOf(v);
          if (!lw.writes.some((w) => r.has(w.decl))) return false;
          if (!locked.has(v)) locked.set(v, viewChecksLock(program, v, contract));
          return !locked.get(v);
        });
        if (affected.length === 0) continue;
        const inFile = program.fileOf(lw.fn) === file || affected.some((v) => program.fileOf(v) === file);
        if (!inFile) continue;
        const stale = lw.writes.filter((w) => affected.some((v) => readsOf(v).has(w.decl)));
        // only stored entries go stale (a balance, an owner, an operation's state): nothing is priced from them
        const priced = affected.some((v) => pricesSomething(program, v, contract));
        // an ERC-20 transfer of a token the caller does not choose hands control to no one unless the token has transfer
        // hooks (ERC-777): the pair's own token0/token1 in a Uniswap-style burn, a listed collateral (Jala's and
        // Velocimeter's reviews)
        const token = tokenCall(program, lw.call, lw.fn, contract);
        const tokenOnly = token !== undefined && !token.callerChosen;
        const vars = [...new Set(stale.map((w) => str(w.decl, "name") ?? "?"))];
        const viewNames = affected.map((v) => `${displayName(v)}()`);
        const shown = [lw.call.node, ...lw.call.sites].find((n) => program.fileOf(n) === file && n.nodeType !== "ModifierInvocation");
        const callText = shown ? program.text(shown).split("\n")[0]!.replace(/;$/, "").slice(0, 80) : "an external call";
        ctx.report({
          detector: "read-only-reentrancy",
          category: "reentrancy",
          severity: priced && !tokenOnly ? "medium" : "low",
          confidence: "medium",
          lines: linesIn(program, file, [lw.call.node, ...lw.call.sites, ...stale.flatMap((w) => [w.node, ...w.sites]), ...affected]),
          contract: str(contract, "name"),
          function: displayName(lw.fn),
          message:
            `${displayName(lw.fn)}() hands control to another contract (\`${callText}\`) before it updates ${vars.join(", ")}, and ${viewNames.join(", ")} ` +
            `return${affected.length === 1 ? "s" : ""} values computed from ${vars.length === 1 ? "it" : "them"}. During the call the receiver can make another protocol ` +
            "read these stale values (a share price, reserves, a balance) and borrow, mint or liquidate at the wrong price. A nonReentrant on the writer does not stop a view from being read." +
            (priced ? "" : " The views return stored entries rather than a computed price or rate, which lowers the risk: it matters only to a protocol that decides on them.") +
            (tokenOnly ? " The call is a transfer of a token the caller does not choose, which calls no one back unless the token has transfer hooks (ERC-777)." : ""),
          remediation:
            "Update the state before the external call (checks-effects-interactions), or make the views revert while the contract is in a call:\n" +
            "```solidity\nshares[msg.sender] -= amount;   // effects first\ntotalShares -= amount;\n" +
            "(bool ok, ) = msg.sender.call{value: amount}(\"\");  // interaction last\nrequire(ok);\n\n" +
            "function sharePrice() external view returns (uint256) {\n    require(!_reentrancyGuardEntered(), \"locked\"); // OpenZeppelin ReentrancyGuard\n    ...\n}\n```",
        });
      }
    }
  },
};

/** The detectors of this group, in report order. */
export const PROXY_DETECTORS: readonly Detector[] = [proxyStorageCollision, unprotectedUpgrade, arbitraryCall, readOnlyReentrancy];
