/**
 * Detectors that close gaps against Slither and Aderyn (docs/audit-coverage.md, priority list): ether locked in a
 * contract with no way out, state variables read but never written, `^` written for a power, return-data bombs from
 * caller-chosen call targets, and balances compared across a re-entrant call.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, span, str, typeString, walk } from "../ast/node";
import type { Program, SourceFile } from "../ast/program";
import { walkYul, yulArgs, yulCallName } from "../ast/yul";
import { walkFlowEvents, type OutgoingCall } from "../ast/flow";
import { hasReentrancyGuard, isAccessControlled } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  contractKind,
  exprKey,
  functionKind,
  guardConditions,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isConversion,
  isEntryPoint,
  isGlobal,
  isPayable,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  memberOf,
  modifierOf,
  parameters,
  stripConversions,
  stripParens,
  isFromDependency,
  unwrapCallOptions,
  visibility,
  writtenStateVariable,
} from "../ast/semantics";
import type { Confidence, Severity } from "../types";
import { callablesOf, contractsIn, displayName, linesIn, type Detector, type DetectorContext } from "./detector";
import { hardCodedTarget } from "./reentrancy";
import { entriesReaching } from "./defi";

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------

function isConcrete(contract: AstNode): boolean {
  return contractKind(contract) === "contract" && contract.abstract !== true;
}

/**
 * A contract that is deployed as it is: concrete, and not a base of another contract of its own file (before 0.6 a
 * base could not be marked abstract; bases in other files are not looked at, so a file gives the same findings
 * whatever else is compiled with it).
 */
function isMostDerived(program: Program, file: SourceFile, contract: AstNode): boolean {
  if (!isConcrete(contract)) return false;
  for (const c of findAll(file.ast, "ContractDefinition")) {
    if (c !== contract && program.linearized(c).slice(1).includes(contract)) return false;
  }
  return true;
}

/**
 * The functions and modifiers a contract runs, most derived first, those overridden further down left out;
 * constructors of every base are kept (they all run at deployment).
 */
function effectiveCallables(program: Program, contract: AstNode): AstNode[] {
  const seen = new Set<string>();
  const out: AstNode[] = [];
  for (const c of program.linearized(contract)) {
    for (const f of list(c, "nodes")) {
      if (f.nodeType !== "FunctionDefinition" && f.nodeType !== "ModifierDefinition") continue;
      const kind = functionKind(f);
      if (kind !== "constructor") {
        const key = kind === "function" || kind === "modifier" ? `${kind}:${str(f, "name")}/${parameters(f).length}` : kind;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      if (child(f, "body")) out.push(f);
    }
  }
  return out;
}

/**
 * Every function and modifier a contract's code can run: all callables of its linearization plus the library and
 * free functions they call internally (transitively).
 */
function allRunnableCode(program: Program, contract: AstNode, roots: AstNode[] = program.linearized(contract).flatMap(callablesOf)): AstNode[] {
  const out: AstNode[] = [];
  const seen = new Set<AstNode>();
  const stack = [...roots];
  while (stack.length > 0) {
    const fn = stack.pop()!;
    if (seen.has(fn)) continue;
    seen.add(fn);
    out.push(fn);
    for (const inv of list(fn, "modifiers")) {
      const m = modifierOf(program, inv, contract);
      if (m && child(m, "body") && !seen.has(m)) stack.push(m);
    }
    const body = child(fn, "body");
    if (!body) continue;
    for (const call of findAll(body, "FunctionCall")) {
      const callee = internalCallee(program, call, contract);
      if (callee && child(callee, "body") && !seen.has(callee)) stack.push(callee);
    }
  }
  return out;
}

interface ExternalReference {
  declaration?: unknown;
  src?: unknown;
  suffix?: unknown;
  isSlot?: unknown;
}

function externalReferences(asm: AstNode): ExternalReference[] {
  return ((asm.externalReferences as unknown[] | undefined) ?? []) as ExternalReference[];
}

function isZeroLiteral(node: AstNode | undefined): boolean {
  const n = stripConversions(node);
  return n?.nodeType === "Literal" && /^(0x)?0+$/i.test(String(n.value ?? ""));
}

function isThis(program: Program, node: AstNode | undefined): boolean {
  const n = stripConversions(node);
  return isGlobal(program, n, "this") || (n !== undefined && n.nodeType === "Identifier" && str(n, "name") === "this");
}

/** Start offset of a node, for ordering nodes of one function. */
function startOf(node: AstNode): number {
  return span(node).start;
}

/** Whether `root` reads one of `decls`. */
function mentionsDecl(program: Program, root: AstNode | undefined, decls: Set<AstNode>): boolean {
  if (!root) return false;
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && decls.has(d)) found = true;
    }
    return undefined;
  });
  return found;
}

/** The value-typed, non-reference static type of an expression (`uint256`, `address`, `bool`, `contract X`, `enum E`). */
function isValueType(t: string | undefined): boolean {
  if (t === undefined) return false;
  if (/\b(storage|memory|calldata)\b/.test(t) || t.startsWith("mapping") || /\[\]|\[\d+\]/.test(t)) return false;
  return /^(u?int\d*|bool|address( payable)?|bytes\d+|contract |enum |int_const|rational_const|literal_string|type\(|function )/.test(t);
}

// ---------------------------------------------------------------------------------------------------------------
// locked-ether
// ---------------------------------------------------------------------------------------------------------------

/** Ways ether can leave through code that `root` runs (one instance is enough). */
function sendsEtherIn(program: Program, root: AstNode): boolean {
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    if (n.nodeType === "InlineAssembly") {
      if (assemblyMaySendEther(n)) found = true;
      return false;
    }
    if (n.nodeType === "FunctionCallOptions") {
      // ext.f{value: v}(), new C{value: v}(), a.call{value: v}()
      const names = (n.names as string[] | undefined) ?? [];
      const i = names.indexOf("value");
      if (i >= 0 && !isZeroLiteral(list(n, "options")[i])) found = true;
      return undefined;
    }
    if (n.nodeType !== "FunctionCall") return undefined;
    const name = builtinCallName(program, n);
    if (name === "selfdestruct" || name === "suicide") {
      found = true;
      return undefined;
    }
    const ll = lowLevelCall(program, n);
    if (ll) {
      if (ll.kind === "transfer" || ll.kind === "send" || ll.kind === "delegatecall" || ll.kind === "callcode") found = true;
      else if (ll.kind === "call" && ll.value !== undefined && !isZeroLiteral(ll.value)) found = true;
      return undefined;
    }
    // x.f.value(v)() before 0.7
    const { callee, value } = unwrapCallOptions(child(n, "expression"));
    if (value !== undefined && !isZeroLiteral(value)) {
      found = true;
      return undefined;
    }
    // before 0.5 a contract-typed value had the address members too: `wallet.transfer(x)` with `Wallet wallet`
    const member = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : undefined;
    // (new C).value(v)() before 0.7
    if (member === "value" && stripParens(child(callee, "expression"))?.nodeType === "NewExpression" && !isZeroLiteral(list(n, "arguments")[0])) {
      found = true;
      return undefined;
    }
    if (member && program.declOf(callee) === undefined) {
      if ((member === "transfer" || member === "send") && list(n, "arguments").length === 1) found = true;
      if (member === "delegatecall" || member === "callcode") found = true;
      if (found) return undefined;
    }
    // a public/external library function runs by delegatecall: it may send the contract's ether
    const decl = program.declOf(unwrapCallOptions(child(n, "expression")).callee);
    if (decl?.nodeType === "FunctionDefinition") {
      const owner = program.contractOf(decl);
      const vis = visibility(decl);
      if (owner && contractKind(owner) === "library" && (vis === "public" || vis === "external")) found = true;
    }
    return undefined;
  });
  return found;
}

function assemblyMaySendEther(asm: AstNode): boolean {
  if (asm.AST === undefined) {
    const text = JSON.stringify(asm.operations ?? asm);
    return /\b(call|callcode|delegatecall|selfdestruct|suicide|create|create2)\s*\(/.test(text);
  }
  let found = false;
  walkYul(asm, (y) => {
    const name = yulCallName(y);
    if (name === "callcode" || name === "delegatecall" || name === "selfdestruct" || name === "create" || name === "create2") found = true;
    else if (name === "call") {
      const v = yulArgs(y)[2];
      if (!(v?.nodeType === "YulLiteral" && /^(0x)?0+$/i.test(String(v.value ?? "")))) found = true;
    }
  });
  return found;
}

/** Whether a payable function refuses ether anyway: its body reverts outright or requires `msg.value == 0`. */
function refusesEther(program: Program, fn: AstNode): boolean {
  const body = child(fn, "body");
  if (!body) return true;
  const first = list(body, "statements")[0];
  if (first && (first.nodeType === "RevertStatement" || first.nodeType === "Throw")) return true;
  if (first?.nodeType === "ExpressionStatement") {
    const e = child(first, "expression");
    if (e?.nodeType === "FunctionCall" && builtinCallName(program, e) === "revert") return true;
  }
  for (const g of guardConditions(program, body)) {
    const c = stripParens(g.cond);
    if (c?.nodeType !== "BinaryOperation" || str(c, "operator") !== "==") continue;
    const l = child(c, "leftExpression");
    const r = child(c, "rightExpression");
    if ((memberOf(program, l, "msg", "value") && isZeroLiteral(r)) || (memberOf(program, r, "msg", "value") && isZeroLiteral(l))) return true;
  }
  return false;
}

export const lockedEther: Detector = {
  id: "locked-ether",
  category: "other",
  title: "Contract that accepts ether (payable function, receive, payable fallback) but has no code path that sends ether out",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (!isMostDerived(program, file, contract)) continue;
      const receivers = effectiveCallables(program, contract).filter((f) => {
        if (f.nodeType !== "FunctionDefinition" || !isPayable(f)) return false;
        const kind = functionKind(f);
        if (kind === "constructor") return false; // the deployer's own ether, sent once on purpose
        if (kind === "function" && visibility(f) !== "public" && visibility(f) !== "external") return false;
        // a library's functions made payable to save gas (solady's Ownable, OwnableRoles): not meant to take ether
        if (kind === "function" && isFromDependency(program, f)) return false;
        return !refusesEther(program, f);
      });
      if (receivers.length === 0) continue;
      const code = allRunnableCode(program, contract);
      if (code.some((fn) => sendsEtherIn(program, child(fn, "body")!))) continue;
      const cname = str(contract, "name") ?? "?";
      const local = receivers.filter((f) => program.fileOf(f) === file);
      const names = receivers.map((f) => (functionKind(f) === "function" ? `${displayName(f)}()` : displayName(f)!));
      ctx.report({
        detector: "locked-ether",
        category: "other",
        severity: "medium",
        confidence: local.length > 0 ? "high" : "medium",
        lines: local.length > 0 ? linesIn(program, file, local) : linesIn(program, file, [contract]),
        contract: cname,
        function: displayName(receivers[0]),
        message:
          `${cname} accepts ether (${names.join(", ")}) but neither it nor any of its bases can send ether out: no transfer, send, ` +
          "call with value, selfdestruct or delegatecall anywhere in its code. Every wei sent to it is locked forever.",
        remediation:
          "Either stop accepting ether (remove `payable` / the `receive` function, so transfers revert), or add a restricted way to take it out:\n" +
          "```solidity\nfunction withdrawEther(address payable to, uint256 amount) external onlyOwner {\n" +
          '    (bool ok, ) = to.call{value: amount}("");\n    require(ok, "withdraw failed");\n}\n```\n' +
          "If the ether is meant to be forwarded (wrapping, bridging), forward it in the same function that receives it.",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// uninitialized-state
// ---------------------------------------------------------------------------------------------------------------

/** The node whose value an access chain `a[i].b` finally yields, climbing from the identifier `a`. */
function accessTop(program: Program, node: AstNode): AstNode {
  let cur = node;
  for (;;) {
    const p = program.parent(cur);
    if (!p) return cur;
    if ((p.nodeType === "IndexAccess" && child(p, "baseExpression") === cur) || (p.nodeType === "MemberAccess" && child(p, "expression") === cur)) {
      cur = p;
      continue;
    }
    if (p.nodeType === "TupleExpression" && list(p, "components").length === 1) {
      cur = p;
      continue;
    }
    return cur;
  }
}

interface WriteScan {
  written: Set<AstNode>;
  /** An assembly `sstore` to a slot we cannot tie to a variable: any variable may be written. */
  unknownStore: boolean;
}

/** The state variables the given code may write: assignments, ++/--, delete, push/pop, storage references, assembly. */
function scanWrites(program: Program, roots: AstNode[]): WriteScan {
  const scan: WriteScan = { written: new Set(), unknownStore: false };
  const note = (d: AstNode | undefined): void => {
    if (d && isStateVariable(d)) scan.written.add(d);
  };
  for (const root of roots) {
    walk(root, (n) => {
      if (n.nodeType === "InlineAssembly") {
        scanAssembly(program, n, scan);
        return false;
      }
      if (n.nodeType === "Assignment") {
        const lhs = child(n, "leftHandSide");
        const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : lhs ? [lhs] : [];
        for (const t of targets) note(baseDeclaration(program, t));
      }
      if (n.nodeType === "UnaryOperation" || n.nodeType === "FunctionCall") {
        const w = writtenStateVariable(program, n);
        if (w) note(w.decl);
      }
      if (n.nodeType === "Identifier") {
        const d = program.declOf(n);
        if (d && isStateVariable(d) && !isValueType(typeString(d) ?? typeString(n))) {
          // A reference (mapping, array, struct, string) that is handed on as a reference — to a storage pointer, a
          // library (`set.add(x)`), a function's storage parameter — may be written there.
          const top = accessTop(program, n);
          if (!isValueType(typeString(top))) note(d);
          // `bitmap.flipTick(…)` with `using Lib for mapping(…)`: the variable itself goes to the library by reference
          const p = program.parent(n);
          const fnDecl = p?.nodeType === "MemberAccess" && child(p, "expression") === n ? program.declOf(p) : undefined;
          const lib = fnDecl?.nodeType === "FunctionDefinition" ? program.contractOf(fnDecl) : undefined;
          if (lib && contractKind(lib) === "library") note(d);
        }
      }
      return undefined;
    });
  }
  return scan;
}

function scanAssembly(program: Program, asm: AstNode, scan: WriteScan): void {
  const refs = externalReferences(asm);
  for (const r of refs) {
    const d = typeof r.declaration === "number" ? program.byId(r.declaration) : undefined;
    if (d && isStateVariable(d) && !isConstantVariable(d)) scan.written.add(d);
  }
  if (asm.AST === undefined) {
    const text = JSON.stringify(asm.operations ?? asm);
    if (/\bsstore\s*\(/.test(text)) scan.unknownStore = true;
    return;
  }
  walkYul(asm, (y) => {
    if (yulCallName(y) !== "sstore") return;
    const slot = yulArgs(y)[0];
    if (slot?.nodeType === "YulIdentifier") {
      const ref = refs.find((r) => r.src === slot.src);
      const d = typeof ref?.declaration === "number" ? program.byId(ref.declaration) : undefined;
      // sstore(SLOT, …) with a constant slot, sstore(x.slot, …) of a variable or of a storage pointer: known
      if (d?.nodeType === "VariableDeclaration") return;
    }
    scan.unknownStore = true;
  });
}

const PAYOUT_CALL = /^(transfer|safeTransfer|transferFrom|safeTransferFrom|sendValue|_transfer|_mint|_safeMint)$/;

/** How a read of an address-typed variable is used: as where money goes, or as the account an auth check expects. */
function addressUse(program: Program, read: AstNode): "payout" | "auth" | undefined {
  let cur = read;
  for (let i = 0; i < 4; i++) {
    const p = program.parent(cur);
    const conversion = p?.nodeType === "FunctionCall" && isConversion(p) && list(p, "arguments")[0] === cur;
    const parens = p?.nodeType === "TupleExpression" && list(p, "components").length === 1;
    if (!p || (!conversion && !parens)) break;
    cur = p;
  }
  const p = program.parent(cur);
  if (!p) return undefined;
  if (p.nodeType === "BinaryOperation" && (str(p, "operator") === "==" || str(p, "operator") === "!=")) {
    const other = child(p, "leftExpression") === cur ? child(p, "rightExpression") : child(p, "leftExpression");
    if (isSenderLike(program, other)) return "auth";
  }
  if (p.nodeType === "MemberAccess" && child(p, "expression") === cur) {
    const call = program.parent(p);
    const outer = call ? program.ancestor(call, "FunctionCall") : undefined;
    for (const c of [call, outer]) {
      if (c?.nodeType !== "FunctionCall") continue;
      const ll = lowLevelCall(program, c);
      if (
        ll &&
        ll.target === cur &&
        (ll.kind === "transfer" || ll.kind === "send" || (ll.kind === "call" && ll.value !== undefined && !isZeroLiteral(ll.value)))
      )
        return "payout";
    }
    if (str(p, "memberName") === "sendValue") return "payout";
  }
  if (p.nodeType === "FunctionCall" && list(p, "arguments").includes(cur)) {
    const builtin = builtinCallName(program, p);
    if (builtin === "selfdestruct" || builtin === "suicide") return "payout";
    const callee = unwrapCallOptions(child(p, "expression")).callee;
    const name = callee ? str(callee, "memberName") ?? str(callee, "name") ?? "" : "";
    const args = list(p, "arguments");
    const i = args.indexOf(cur);
    const toIndex: Record<string, number[]> = {
      transfer: [0],
      _transfer: [1],
      transferFrom: [1],
      safeTransfer: args.length === 3 ? [1] : [0],
      safeTransferFrom: args.length === 4 ? [2] : [1],
      sendValue: [0],
      _mint: [0],
      _safeMint: [0],
    };
    if (PAYOUT_CALL.test(name) && (toIndex[name] ?? []).includes(i)) return "payout";
  }
  return undefined;
}

/** Whether some guard of the code compares address(this) with an immutable: a delegatecall-only check. */
function onlyDelegateCalled(program: Program, code: AstNode[]): boolean {
  const isThisAddress = (n: AstNode | undefined): boolean => {
    const x = stripConversions(n);
    return x !== undefined && (program.text(x).replace(/\s+/g, "") === "this" || program.text(n ?? x).replace(/\s+/g, "") === "address(this)");
  };
  const isImmutable = (n: AstNode | undefined): boolean => {
    const x = stripConversions(n);
    const d = x?.nodeType === "Identifier" ? program.declOf(x) : undefined;
    return d !== undefined && str(d, "mutability") === "immutable";
  };
  return code.some((f) =>
    guardConditions(program, child(f, "body")!).some((g) =>
      findAll(g.cond, "BinaryOperation").some((b) => {
        if (str(b, "operator") !== "!=" && str(b, "operator") !== "==") return false;
        const l = child(b, "leftExpression");
        const r = child(b, "rightExpression");
        return (isThisAddress(l) && isImmutable(r)) || (isThisAddress(r) && isImmutable(l));
      }),
    ),
  );
}

const BASES = new WeakMap<Program, Set<AstNode>>();

/** Every contract some other contract of the program inherits from (computed once per program). */
function inheritedBases(program: Program): Set<AstNode> {
  let bases = BASES.get(program);
  if (!bases) {
    bases = new Set<AstNode>();
    for (const f of program.files) for (const c of findAll(f.ast, "ContractDefinition")) for (const b of program.linearized(c).slice(1)) bases.add(b);
    BASES.set(program, bases);
  }
  return bases;
}

export const uninitializedState: Detector = {
  id: "uninitialized-state",
  category: "other",
  title: "State variable read but never written anywhere in the contract or its bases (always zero)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const reported = new Set<AstNode>();
    for (const contract of contractsIn(ctx)) {
      if (!isMostDerived(program, file, contract)) continue;
      const chain = program.linearized(contract);
      const vars = chain.flatMap((c) =>
        list(c, "nodes").filter((d) => d.nodeType === "VariableDeclaration" && isStateVariable(d) && !isConstantVariable(d) && child(d, "value") === undefined)
      );
      if (vars.length === 0) continue;
      const code = allRunnableCode(program, contract);
      const initialisers = chain.flatMap((c) =>
        list(c, "nodes")
          .filter((d) => d.nodeType === "VariableDeclaration" && child(d, "value") !== undefined)
          .map((d) => child(d, "value")!)
      );
      const scan = scanWrites(program, [...code.map((f) => child(f, "body")!), ...initialisers, ...chain.flatMap((c) => list(c, "baseContracts"))]);
      if (scan.unknownStore) continue;
      // code run by delegatecall from this contract (a wallet library's initWallet) writes this contract's storage
      if (code.some((f) => findAll(child(f, "body")!, "FunctionCall").some((c) => lowLevelCall(program, c)?.kind === "delegatecall"))) continue;
      // code meant to run by delegatecall only (Safe's SafeToL2Setup: `require(address(this) != _SELF)`) works on the
      // caller's storage, which other code writes
      if (onlyDelegateCalled(program, code)) continue;
      // Reads in the code that runs: overridden functions left out.
      const live = effectiveCallables(program, contract);
      const reads = new Map<AstNode, AstNode[]>();
      const candidates = new Set(vars.filter((v) => !scan.written.has(v)));
      if (candidates.size === 0) continue;
      // a base another contract of the scan inherits (in another file) is checked through that contract, which may set it
      if (inheritedBases(program).has(contract)) continue;
      for (const root of [...live.map((f) => child(f, "body")!), ...initialisers]) {
        walk(root, (n) => {
          if (n.nodeType === "Identifier") {
            const d = program.declOf(n);
            if (d && candidates.has(d)) reads.set(d, [...(reads.get(d) ?? []), n]);
          }
          return undefined;
        });
      }
      for (const v of candidates) {
        const rs = reads.get(v) ?? [];
        if (rs.length === 0 || reported.has(v)) continue;
        reported.add(v);
        const name = str(v, "name") ?? "?";
        const t = typeString(v) ?? program.text(child(v, "typeName") ?? v);
        const addressLike = /^(address|contract )/.test(t);
        const uses = addressLike ? rs.map((r) => addressUse(program, r)) : [];
        const payout = uses.includes("payout");
        const auth = uses.includes("auth");
        // read only by view functions nothing in the contract calls: a getter that reports 0, no logic runs on it
        const readerFns = [...new Set(rs.map((r) => program.callableOf(r)))];
        const getterOnly =
          !payout &&
          !auth &&
          readerFns.every(
            (f) =>
              f?.nodeType === "FunctionDefinition" &&
              isReadOnly(f) &&
              isEntryPoint(f) &&
              !live.some((g) => findAll(child(g, "body")!, "FunctionCall").some((c) => internalCallee(program, c, contract) === f)),
          );
        const severity: Severity = payout || auth ? "high" : getterOnly ? "low" : "medium";
        let lines = linesIn(program, file, [v, ...rs]);
        if (lines.length === 0) lines = linesIn(program, file, [contract]);
        const readers = [...new Set(rs.map((r) => displayName(program.callableOf(r)) ?? "an initialiser"))];
        const owner = program.contractOf(v);
        const cname = str(contract, "name") ?? "?";
        const consequence = payout
          ? "It is used as the address ether or tokens are sent to, so they go to address(0) and are lost (or every payout reverts)."
          : auth
          ? "It is compared with the caller in an access check: no one can pass the check (or, where the zero address can be the caller's value, anyone who matches it can)."
          : getterOnly
          ? "Only view functions nothing here calls read it, so no logic of this contract depends on it, but whoever reads the getter is told 0."
          : "Every computation that uses it sees 0 (or false / address(0)), which is almost certainly not what the code expects.";
        ctx.report({
          detector: "uninitialized-state",
          category: "other",
          severity,
          confidence: "high",
          lines,
          contract: cname,
          function: readers[0],
          message:
            `${name}${owner && owner !== contract ? ` (declared in ${str(owner, "name")})` : ""} is read in ${readers.join(", ")} but is never assigned ` +
            `anywhere in ${cname} or its bases — not in a constructor, an initializer, a setter or through a storage reference — so it is always zero. ${consequence}`,
          remediation:
            `Give ${name} its value: assign it in the constructor (or initializer for an upgradeable contract), or add a restricted setter; ` +
            "if it never changes after deployment, make it `immutable` (or `constant`) so the compiler enforces the assignment:\n" +
            '```solidity\naddress public immutable treasury;\n\nconstructor(address treasury_) {\n    require(treasury_ != address(0), "zero address");\n    treasury = treasury_;\n}\n```\n' +
            "If the variable is genuinely unused, delete it and the code that reads it.",
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// incorrect-exp
// ---------------------------------------------------------------------------------------------------------------

const BITWISE = new Set(["&", "|", "^", "<<", ">>"]);

/** A decimal number literal that is a typical power base: 2, 10, 1e18… */
function isPowerBase(node: AstNode | undefined): boolean {
  const n = stripParens(node);
  if (n?.nodeType !== "Literal" || (str(n, "kind") ?? "number") !== "number" || n.subdenomination) return false;
  const v = String(n.value ?? "").replace(/_/g, "");
  return v === "2" || v === "10" || /^1e\d+$/i.test(v);
}

function isDecimalLiteral(node: AstNode | undefined): boolean {
  const n = stripParens(node);
  return n?.nodeType === "Literal" && (str(n, "kind") ?? "number") === "number" && !/^0x/i.test(String(n.value ?? ""));
}

/** Whether a `^` sits among bit operations (`mask ^ (2 ^ i)`, `~(10 ^ x)`), where xor may be meant. */
function inBitwiseContext(program: Program, xor: AstNode): boolean {
  let cur = xor;
  let p = program.parent(cur);
  while (p?.nodeType === "TupleExpression" && list(p, "components").length === 1) {
    cur = p;
    p = program.parent(p);
  }
  if (!p) return false;
  if (p.nodeType === "BinaryOperation" && BITWISE.has(str(p, "operator") ?? "")) return true;
  if (p.nodeType === "UnaryOperation" && str(p, "operator") === "~") return true;
  if (p.nodeType === "Assignment" && ["^=", "&=", "|="].includes(str(p, "operator") ?? "")) return true;
  return false;
}

export const incorrectExp: Detector = {
  id: "incorrect-exp",
  category: "arithmetic",
  title: "`^` (bitwise xor) where a power was meant: `10 ^ 18`, `2 ^ 256`, `10 ^ decimals`",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    // One finding per function (or per declaration outside functions).
    const groups = new Map<AstNode, AstNode[]>();
    for (const op of findAll(file.ast, "BinaryOperation")) {
      if (str(op, "operator") !== "^") continue;
      const left = child(op, "leftExpression");
      const right = child(op, "rightExpression");
      if (!isPowerBase(left) || !right) continue;
      const rightType = typeString(right);
      if (rightType !== undefined && !/^(u?int|int_const|rational_const)/.test(rightType)) continue;
      const r = stripParens(right);
      if (r?.nodeType === "Literal" && !isDecimalLiteral(r)) continue; // 2 ^ 0xff: a bit pattern
      if (inBitwiseContext(program, op)) continue;
      const owner = program.callableOf(op) ?? program.ancestor(op, "VariableDeclaration") ?? program.contractOf(op) ?? file.ast;
      groups.set(owner, [...(groups.get(owner) ?? []), op]);
    }
    for (const [owner, ops] of groups) {
      const contract = program.contractOf(ops[0]!);
      const fn = program.callableOf(ops[0]!);
      const allLiteral = ops.every((op) => isDecimalLiteral(child(op, "rightExpression")));
      const shown = ops.map((op) => `\`${program.text(op).replace(/\s+/g, " ")}\``);
      const example = program.text(ops[0]!).replace(/\s+/g, " ");
      const fixed = example.replace(/\s*\^\s*/, " ** ");
      const samples = ops
        .filter((op) => isDecimalLiteral(child(op, "rightExpression")))
        .slice(0, 2)
        .map((op) => {
          const a = String(stripParens(child(op, "leftExpression"))?.value ?? "");
          const b = String(stripParens(child(op, "rightExpression"))?.value ?? "");
          const x = Number(a) ^ Number(b);
          return Number.isFinite(x) && /^\d+$/.test(a) && /^\d+$/.test(b) ? `${a} ^ ${b} is ${x}, not ${a}**${b}` : undefined;
        })
        .filter((s): s is string => s !== undefined);
      ctx.report({
        detector: "incorrect-exp",
        category: "arithmetic",
        severity: "medium",
        confidence: allLiteral ? "high" : "medium",
        lines: linesIn(program, file, ops),
        contract: contract ? str(contract, "name") : undefined,
        function: fn ? displayName(fn) : owner.nodeType === "VariableDeclaration" ? str(owner, "name") : undefined,
        message:
          `${shown.join(", ")} ${ops.length === 1 ? "uses" : "use"} \`^\`, which in Solidity is bitwise xor, not exponentiation` +
          (samples.length > 0 ? ` (${samples.join("; ")})` : "") +
          ". Amounts, decimals scales or limits computed this way are wrong by orders of magnitude.",
        remediation:
          "Use `**` for powers:\n```solidity\n" +
          `${fixed}\n` +
          "uint256 constant WAD = 10 ** 18; // or 1e18\nuint256 scale = 10 ** token.decimals();\n```\n" +
          "If xor really is meant, write the operands in hex (`0x0a ^ 0x12`) so the intent is visible.",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// return-bomb
// ---------------------------------------------------------------------------------------------------------------

type Origin = "caller" | "privileged" | "unknown";

const ORIGIN_RANK: Record<Origin, number> = { unknown: 0, privileged: 1, caller: 2 };

function strongest(os: (Origin | undefined)[]): Origin | undefined {
  let best: Origin | undefined;
  for (const o of os) if (o !== undefined && (best === undefined || ORIGIN_RANK[o] > ORIGIN_RANK[best])) best = o;
  return best;
}

class ReturnBombAnalysis {
  private readonly stateOrigin = new Map<AstNode, Origin | undefined>();
  private writers: { fn: AstNode; writes: { decl: AstNode; node: AstNode }[] }[] | undefined;

  constructor(private readonly program: Program, private readonly contract: AstNode) {}

  /** Where the value of an address expression inside `fn` comes from (undefined: the contract's own choice). */
  origin(expr: AstNode | undefined, fn: AstNode, depth = 0): Origin | undefined {
    const program = this.program;
    const e = stripConversions(expr);
    if (!e || depth > 4) return undefined;
    if (isSenderLike(program, e) || isThis(program, e)) return undefined;
    switch (e.nodeType) {
      case "Identifier": {
        const d = program.declOf(e);
        if (!d || d.nodeType !== "VariableDeclaration") return undefined;
        if (isStateVariable(d)) return isConstantVariable(d) ? undefined : this.ofState(d);
        if (parameters(fn).includes(d)) return this.ofParameter(fn, parameters(fn).indexOf(d), depth);
        // a local: what it was given
        const values: AstNode[] = [];
        const init = initialValueOf(program, d);
        if (init) values.push(init);
        const body = child(fn, "body");
        if (body) {
          for (const a of findAll(body, "Assignment")) {
            const lhs = child(a, "leftHandSide");
            if (lhs?.nodeType === "Identifier" && program.declOf(lhs) === d && child(a, "rightHandSide")) values.push(child(a, "rightHandSide")!);
          }
        }
        return strongest(values.map((v) => this.origin(v, fn, depth + 1)));
      }
      case "MemberAccess":
      case "IndexAccess": {
        const base = baseDeclaration(program, e);
        if (base && isStorageVariable(program, base)) return isConstantVariable(base) ? undefined : this.ofState(base);
        const inner = child(e, e.nodeType === "MemberAccess" ? "expression" : "baseExpression");
        if (e.nodeType === "MemberAccess" && memberOf(program, e, "msg", "sender")) return undefined;
        return this.origin(inner, fn, depth + 1);
      }
      case "Conditional":
        return strongest([this.origin(child(e, "trueExpression"), fn, depth + 1), this.origin(child(e, "falseExpression"), fn, depth + 1)]);
      case "FunctionCall": {
        // abi.decode(data, (address)) of a parameter
        if (builtinCallName(program, e) === "abi.decode") return this.origin(list(e, "arguments")[0], fn, depth + 1);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private ofParameter(fn: AstNode, index: number, depth: number): Origin {
    const program = this.program;
    if (isEntryPoint(fn)) return isAccessControlled(program, fn, this.contract) ? "privileged" : "caller";
    // an internal helper: what its callers pass
    const origins: (Origin | undefined)[] = [];
    let sites = 0;
    for (const caller of effectiveCallables(program, this.contract)) {
      const body = child(caller, "body");
      if (!body || caller === fn) continue;
      for (const call of findAll(body, "FunctionCall")) {
        if (internalCallee(program, call, this.contract) !== fn) continue;
        const calleeExpr = child(call, "expression");
        const args = list(call, "arguments");
        const receiver = parameters(fn).length === args.length + 1 && calleeExpr?.nodeType === "MemberAccess" ? child(calleeExpr, "expression") : undefined;
        const actual = receiver ? [receiver, ...args] : args;
        sites++;
        origins.push(this.origin(actual[index], caller, depth + 1));
      }
    }
    if (sites === 0) return "unknown";
    return strongest(origins) ?? "privileged";
  }

  /** A stored address: "caller" when a function anyone can call stores a value the caller chooses (or the caller). */
  private ofState(decl: AstNode): Origin | undefined {
    if (this.stateOrigin.has(decl)) return this.stateOrigin.get(decl);
    this.stateOrigin.set(decl, undefined);
    const program = this.program;
    if (!this.writers) {
      this.writers = [];
      for (const fn of effectiveCallables(program, this.contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        const writes: { decl: AstNode; node: AstNode }[] = [];
        walkFlowEvents(program, fn, this.contract, { onWrite: (d, node) => void writes.push({ decl: d, node }) });
        this.writers.push({ fn, writes });
      }
    }
    let result: Origin | undefined;
    for (const w of this.writers) {
      const mine = w.writes.filter((x) => x.decl === decl);
      if (mine.length === 0) continue;
      const chosen = mine.some((x) => writesChosenValue(program, x.node));
      if (!chosen) continue;
      const o: Origin = isAccessControlled(program, w.fn, this.contract) ? "privileged" : "caller";
      result = strongest([result, o]);
    }
    this.stateOrigin.set(decl, result);
    return result;
  }
}

/** Whether a write stores something other than constants: a parameter, a local, the caller. */
function writesChosenValue(program: Program, node: AstNode): boolean {
  const values: AstNode[] = [];
  if (node.nodeType === "Assignment") {
    const rhs = child(node, "rightHandSide");
    if (rhs) values.push(rhs);
  } else if (node.nodeType === "FunctionCall") {
    values.push(...list(node, "arguments"));
  }
  return values.some((v) => {
    let found = false;
    walk(v, (n) => {
      if (found) return false;
      if (isSenderLike(program, n)) found = true;
      else if (n.nodeType === "Identifier") {
        const d = program.declOf(n);
        if (d?.nodeType === "VariableDeclaration" && !isStateVariable(d)) found = true;
      }
      return undefined;
    });
    return found;
  });
}

/** Whether a statement reverts: revert(), revert Error(), throw, or a block that does. */
function reverts(program: Program, stmt: AstNode | undefined): boolean {
  if (!stmt) return false;
  if (stmt.nodeType === "RevertStatement" || stmt.nodeType === "Throw") return true;
  if (stmt.nodeType === "ExpressionStatement") {
    const e = child(stmt, "expression");
    if (e?.nodeType !== "FunctionCall") return false;
    if (builtinCallName(program, e) === "revert") return true;
    const callee = child(e, "expression");
    const name = callee ? str(callee, "name") ?? str(callee, "memberName") ?? "" : "";
    return /revert|bubble/i.test(name);
  }
  if (stmt.nodeType === "Block" || stmt.nodeType === "UncheckedBlock") return list(stmt, "statements").some((s) => reverts(program, s));
  // `if (data.length > 0) revert SwapFailed(string(data)); else revert SwapFailed("Unknown reason");` (Amphor's zapper)
  if (stmt.nodeType === "IfStatement") return reverts(program, child(stmt, "trueBody")) && reverts(program, child(stmt, "falseBody"));
  if (stmt.nodeType === "InlineAssembly") {
    // assembly { revert(add(ret, 32), mload(ret)) }: bubbling the callee's error up
    if (stmt.AST === undefined) return /\brevert\s*\(/.test(JSON.stringify(stmt.operations ?? stmt));
    let found = false;
    walkYul(stmt, (y) => {
      if (yulCallName(y) === "revert") found = true;
    });
    return found;
  }
  return false;
}

const RESULT_CHECK = /verify|check|require|revert|bubble|assert/i;

/** Whether the function reverts when the call fails (a callee can then make it fail anyway by reverting). */
function failureReverts(program: Program, fn: AstNode, ok: AstNode | null | undefined): boolean {
  if (!ok) return false;
  const body = child(fn, "body");
  if (!body) return false;
  const okSet = new Set([ok]);
  for (const n of findAll(body, "FunctionCall", "IfStatement", "Return")) {
    if (n.nodeType === "FunctionCall") {
      const name = builtinCallName(program, n);
      const args = list(n, "arguments");
      if ((name === "require" || name === "assert") && mentionsDecl(program, args[0], okSet)) return true;
      const callee = child(n, "expression");
      const fname = callee ? str(callee, "name") ?? str(callee, "memberName") ?? "" : "";
      if (name === undefined && RESULT_CHECK.test(fname) && args.some((a) => mentionsDecl(program, a, okSet))) return true;
    } else if (n.nodeType === "IfStatement") {
      if (!mentionsDecl(program, child(n, "condition"), okSet)) continue;
      if (reverts(program, child(n, "trueBody")) || reverts(program, child(n, "falseBody"))) return true;
    } else if (n.nodeType === "Return" && !isEntryPoint(fn) && mentionsDecl(program, child(n, "expression"), okSet)) {
      return true; // an internal helper hands the flag to its caller, which decides
    }
  }
  // named return parameter `success` of an internal helper
  if (!isEntryPoint(fn) && list(child(fn, "returnParameters"), "parameters").includes(ok)) return true;
  return false;
}

interface CapturedCall {
  ok: AstNode | null | undefined;
  data: AstNode | null | undefined;
}

/** `(bool ok, bytes memory data) = target.call(…)` or `(ok, data) = …`: the return data is kept (copied in full). */
function capturedReturnData(program: Program, call: AstNode): CapturedCall | undefined {
  const p = program.parent(call);
  if (p?.nodeType === "VariableDeclarationStatement" && child(p, "initialValue") === call) {
    const decls = (p.declarations as (AstNode | null)[] | undefined) ?? [];
    if (decls.length >= 2 && decls[1]) return { ok: decls[0], data: decls[1] };
    return undefined;
  }
  if (p?.nodeType === "Assignment" && child(p, "rightHandSide") === call) {
    const lhs = child(p, "leftHandSide");
    if (lhs?.nodeType !== "TupleExpression") return undefined;
    const comps = (lhs.components as (AstNode | null)[] | undefined) ?? [];
    if (comps.length < 2 || !comps[1]) return undefined;
    const okExpr = comps[0] ?? null;
    const okDecl = okExpr?.nodeType === "Identifier" ? program.declOf(okExpr) : undefined;
    return { ok: okExpr ? okDecl ?? okExpr : null, data: comps[1] };
  }
  if (p?.nodeType === "Return") return { ok: undefined, data: call };
  return undefined;
}

export const returnBomb: Detector = {
  id: "return-bomb",
  category: "denial_of_service",
  title: "Low-level call to a caller-chosen address that copies all the return data, in code that must survive the call failing",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      const analysis = new ReturnBombAnalysis(program, contract);
      for (const fn of callablesOf(contract)) {
        if (fn.nodeType !== "FunctionDefinition") continue;
        const body = child(fn, "body")!;
        for (const call of findAll(body, "FunctionCall")) {
          const ll = lowLevelCall(program, call);
          if (!ll || ll.kind !== "call") continue;
          const captured = capturedReturnData(program, call);
          if (!captured) continue;
          if (captured.ok === undefined && isEntryPoint(fn) === false) continue; // `return target.call(…)` in a helper: the caller decides
          if (failureReverts(program, fn, captured.ok)) continue;
          const origin = analysis.origin(ll.target, fn);
          if (origin === undefined) continue;
          const confidence: Confidence = origin === "caller" ? "medium" : "low";
          const targetText = program.text(ll.target).replace(/\s+/g, " ");
          const inLoop =
            program.ancestor(call, "ForStatement", "WhileStatement", "DoWhileStatement") !== undefined &&
            program.contains(body, program.ancestor(call, "ForStatement", "WhileStatement", "DoWhileStatement")!);
          const gasLimited =
            child(call, "expression")?.nodeType === "FunctionCallOptions" && ((child(call, "expression")!.names as string[] | undefined) ?? []).includes("gas");
          ctx.report({
            detector: "return-bomb",
            category: "denial_of_service",
            severity: "medium",
            confidence,
            lines: linesIn(program, file, [call]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() calls \`${targetText}\`, an address ${
                origin === "caller"
                  ? "the caller chooses (a parameter or a stored address anyone can set)"
                  : origin === "privileged"
                  ? "a privileged account chooses"
                  : "passed in as a parameter"
              }, ` +
              "and keeps the whole return data (`bytes memory` in the result). The code goes on when the call fails, so it means to survive a bad callee; " +
              "but the callee can return megabytes of data, and copying them into memory burns the caller's gas" +
              (gasLimited ? " (the `gas:` limit only caps the callee, not the copy)" : "") +
              (inLoop ? ", so one bad entry stops the whole loop" : "") +
              ": the transaction runs out of gas and the relay, refund or queue it serves is blocked.",
            remediation:
              "Do not copy return data you cannot bound. Drop it (`(bool ok, ) = target.call{gas: g}(data);` still copies it in solc — use assembly), or copy at most a few bytes:\n" +
              "```solidity\nbool ok;\nassembly {\n    ok := call(gasLimit, target, value, add(data, 0x20), mload(data), 0, 0)\n}\n" +
              "// or use ExcessivelySafeCall: (ok, ret) = target.excessivelySafeCall(gasLimit, value, 256, data);\n```\n" +
              "Keep a gas limit on the call and enough gas back for the bookkeeping after it.",
          });
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// reentrancy-balance
// ---------------------------------------------------------------------------------------------------------------

/** `address(this).balance`, `this.balance`, `token.balanceOf(address(this))`. */
function isOwnBalance(program: Program, node: AstNode | undefined): boolean {
  const n = stripParens(node);
  if (!n) return false;
  if (n.nodeType === "MemberAccess" && str(n, "memberName") === "balance") return isThis(program, child(n, "expression"));
  if (n.nodeType !== "FunctionCall") return false;
  const callee = unwrapCallOptions(child(n, "expression")).callee;
  if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== "balanceOf") return false;
  const args = list(n, "arguments");
  return args.length === 1 && isThis(program, args[0]);
}

interface BalanceRead {
  /** The local the balance was saved in. */
  local: AstNode;
  /** The statement (or assignment) that saved it. */
  node: AstNode;
  key: string;
}

function canReenter(program: Program, call: OutgoingCall): boolean {
  if (call.assembly) return true;
  if (call.lowLevel) return (call.lowLevel.kind === "call" || call.lowLevel.kind === "callcode") && !isThis(program, call.lowLevel.target);
  if (call.external) return !call.external.readOnly && !isThis(program, call.external.target);
  return false;
}

export const reentrancyBalance: Detector = {
  id: "reentrancy-balance",
  category: "reentrancy",
  title: "Balance saved before an external call and compared with the balance after it (a re-entrant call is counted twice)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) !== "contract") continue;
      for (const fn of callablesOf(contract)) {
        if (fn.nodeType !== "FunctionDefinition" || isReadOnly(fn)) continue;
        if (functionKind(fn) === "constructor") continue;
        if (hasReentrancyGuard(program, fn, contract)) continue;
        // an internal helper that only guarded entry points run (`borrow() inExec` → `_doBorrow`): the lock is held
        if (!isEntryPoint(fn)) {
          const entries = entriesReaching(program, fn, contract);
          if (entries.length > 0 && entries.every((e) => hasReentrancyGuard(program, e, contract))) continue;
        }
        const body = child(fn, "body")!;
        // Balances saved in locals.
        const saved: BalanceRead[] = [];
        const savedByLocal = new Map<AstNode, BalanceRead[]>();
        const note = (local: AstNode | null | undefined, value: AstNode | undefined, node: AstNode): void => {
          if (!local || local.nodeType !== "VariableDeclaration" || isStateVariable(local) || !isOwnBalance(program, value)) return;
          const r = { local, node, key: exprKey(program, stripParens(value)!) };
          saved.push(r);
          savedByLocal.set(local, [...(savedByLocal.get(local) ?? []), r]);
        };
        walk(body, (n) => {
          if (n.nodeType === "VariableDeclarationStatement") {
            const decls = (n.declarations as (AstNode | null)[] | undefined) ?? [];
            if (decls.length === 1) note(decls[0], child(n, "initialValue"), n);
          } else if (n.nodeType === "Assignment" && str(n, "operator") === "=") {
            const lhs = child(n, "leftHandSide");
            if (lhs?.nodeType === "Identifier") note(program.declOf(lhs), child(n, "rightHandSide"), n);
          }
          return undefined;
        });
        if (saved.length === 0) continue;
        // Calls that can re-enter, at the statement of this function that makes them.
        const calls: { call: OutgoingCall; at: AstNode }[] = [];
        walkFlowEvents(program, fn, contract, {
          onCall: (call) => {
            if (!canReenter(program, call)) return;
            if (call.stack.some((f) => f !== fn && f.nodeType === "FunctionDefinition" && hasReentrancyGuard(program, f, contract))) return;
            const at = program.contains(body, call.node) ? call.node : [...call.sites].reverse().find((s) => program.contains(body, s));
            if (at) calls.push({ call, at });
          },
        });
        if (calls.length === 0) continue;
        // Comparisons / differences of a saved balance with the same balance read again after a call.
        const reported = new Set<AstNode>();
        for (const op of findAll(body, "BinaryOperation")) {
          const operator = str(op, "operator") ?? "";
          if (!["-", "+", "<", ">", "<=", ">=", "==", "!="].includes(operator)) continue;
          const sides = [child(op, "leftExpression"), child(op, "rightExpression")];
          for (let i = 0; i < 2; i++) {
            const beforeSide = stripParens(sides[i]);
            const afterSide = stripParens(sides[1 - i]);
            // `before` itself, or `before + amount` on the compared side
            const beforeLocal = savedLocalIn(program, beforeSide, savedByLocal);
            if (!beforeLocal) continue;
            const opPos = startOf(op);
            const befores = (savedByLocal.get(beforeLocal) ?? []).filter((r) => startOf(r.node) < opPos);
            const before = befores[befores.length - 1];
            if (!before) continue;
            const after = afterBalance(program, afterSide, before.key, body);
            if (!after) continue;
            const afterPos = startOf(after);
            const between = calls.filter((c) => startOf(c.at) > startOf(before.node) && startOf(c.at) < afterPos);
            if (between.length === 0 || reported.has(before.node)) continue;
            reported.add(before.node);
            const call = between[0]!;
            const restricted = isAccessControlled(program, fn, contract);
            // nothing here keeps the difference: a double count fails the check or hands the caller what arrived;
            // or the callee is an address written into the code (Saffron's Lido withdrawal queue), which runs no one's code
            const unkept = !differenceKept(program, op, body) || hardCodedTarget(program, call.call);
            const callText = program.text(call.at).split("\n")[0]!.replace(/;$/, "").slice(0, 80);
            const balanceText = program.text(stripParens(initialOrRhs(before.node))!).replace(/\s+/g, " ");
            ctx.report({
              detector: "reentrancy-balance",
              category: "reentrancy",
              // the owner's own function: whoever re-enters credits the owner twice with the owner's tokens (low)
              severity: restricted || unkept ? "low" : "medium",
              confidence: restricted || unkept ? "low" : "medium",
              lines: linesIn(program, file, [before.node, call.at, after, op]),
              contract: str(contract, "name"),
              function: displayName(fn),
              message:
                `${displayName(fn)}() saves \`${balanceText}\` in ${str(before.local, "name")}, makes an external call (\`${callText}\`) and then ` +
                `compares the balance again with the saved one to see what arrived. During the call the callee (or a token hook) can re-enter ` +
                `${displayName(
                  fn
                )}() or another function that moves funds in: the inner call's deposit also shows up in the outer difference, so one payment is counted twice` +
                (restricted
                  ? ". Only privileged callers reach the function, so a double count credits them with what they sent (low)."
                  : hardCodedTarget(program, call.call)
                    ? ". The callee is an address written into the code (a constant), a known protocol rather than a contract anyone chooses: it re-enters only if that protocol calls back (low)."
                    : unkept
                    ? ". The difference is only checked against the amount asked for, sent back to the caller or returned, so this contract records nothing from it: a double count reverts the check or pays the caller what arrived (low; a caller that books the returned amount must guard itself)."
                    : "."),
              remediation:
                "Make the function (and every function that can change the same balance) `nonReentrant` (OpenZeppelin ReentrancyGuard), so nothing can run between the two reads:\n" +
                "```solidity\nfunction deposit(uint256 amount) external nonReentrant {\n    uint256 before = token.balanceOf(address(this));\n" +
                "    token.safeTransferFrom(msg.sender, address(this), amount);\n    uint256 received = token.balanceOf(address(this)) - before;\n    credit[msg.sender] += received;\n}\n```\n" +
                "Or account with stored totals instead of measuring the balance around the call.",
            });
          }
        }
      }
    }
  },
};

/**
 * Whether a balance difference ends up recorded by the function: anything but a check (`require(after - before ==
 * amount)`, an `if` that reverts), a local holding it that is only checked, sent to the caller (`token.transfer(msg.sender,
 * received)`) or returned.
 */
function differenceKept(program: Program, op: AstNode, body: AstNode): boolean {
  const harmlessUse = (n: AstNode): boolean => {
    let cur: AstNode = n;
    for (let p = program.parent(cur); p && p !== body; cur = p, p = program.parent(p)) {
      if (p.nodeType === "Return") return true;
      if (p.nodeType === "IfStatement") return child(p, "condition") === cur;
      if (p.nodeType === "FunctionCall") {
        const name = builtinCallName(program, p);
        if (name === "require" || name === "assert") return true;
        const callee = unwrapCallOptions(child(p, "expression")).callee;
        const member = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : undefined;
        const args = list(p, "arguments");
        // token.transfer(msg.sender, x) / token.safeTransfer(msg.sender, x) / SafeERC20.safeTransfer(token, msg.sender, x)
        if ((member === "transfer" || member === "safeTransfer") && args.some((a) => isSenderLike(program, a))) return true;
        return false;
      }
      if (p.nodeType === "VariableDeclarationStatement" || p.nodeType === "Assignment" || p.nodeType === "ExpressionStatement") return false;
    }
    return false;
  };
  const stmt = program.parent(op);
  // `uint256 received = after - before;`: follow the local's uses
  if (stmt?.nodeType === "VariableDeclarationStatement" && child(stmt, "initialValue") === op) {
    const decls = (stmt.declarations as (AstNode | null)[] | undefined) ?? [];
    const local = decls.length === 1 ? decls[0] : undefined;
    if (!local) return true;
    const uses = findAll(body, "Identifier").filter((i) => program.declOf(i) === local);
    return uses.length === 0 || !uses.every(harmlessUse);
  }
  return !harmlessUse(op);
}

function initialOrRhs(node: AstNode): AstNode | undefined {
  return node.nodeType === "VariableDeclarationStatement" ? child(node, "initialValue") : child(node, "rightHandSide");
}

/** The saved-balance local an expression is (`before`) or adds to (`before + amount`). */
function savedLocalIn(program: Program, expr: AstNode | undefined, saved: Map<AstNode, BalanceRead[]>): AstNode | undefined {
  const e = stripConversions(expr);
  if (!e) return undefined;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    return d && saved.has(d) ? d : undefined;
  }
  if (e.nodeType === "BinaryOperation" && str(e, "operator") === "+") {
    return savedLocalIn(program, child(e, "leftExpression"), saved) ?? savedLocalIn(program, child(e, "rightExpression"), saved);
  }
  return undefined;
}

/** The same balance read again: the expression itself, or a local that was given it; returns the read node. */
function afterBalance(program: Program, expr: AstNode | undefined, key: string, body: AstNode): AstNode | undefined {
  const e = stripConversions(expr);
  if (!e) return undefined;
  if (isOwnBalance(program, e)) return exprKey(program, e) === key ? e : undefined;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (!d || d.nodeType !== "VariableDeclaration" || isStateVariable(d)) return undefined;
    const reads: AstNode[] = [];
    const init = initialValueOf(program, d);
    if (init && isOwnBalance(program, init) && exprKey(program, stripParens(init)!) === key) reads.push(init);
    for (const a of findAll(body, "Assignment")) {
      const lhs = child(a, "leftHandSide");
      const rhs = child(a, "rightHandSide");
      if (
        lhs?.nodeType === "Identifier" &&
        program.declOf(lhs) === d &&
        str(a, "operator") === "=" &&
        isOwnBalance(program, rhs) &&
        exprKey(program, stripParens(rhs)!) === key
      )
        reads.push(a);
    }
    const usedAt = startOf(e);
    const earlier = reads.filter((r) => startOf(r) < usedAt);
    return earlier[earlier.length - 1];
  }
  if (e.nodeType === "BinaryOperation" && (str(e, "operator") === "-" || str(e, "operator") === "+")) {
    return afterBalance(program, child(e, "leftExpression"), key, body);
  }
  return undefined;
}

/** The detectors of this group, in report order. */
export const PARITY_DETECTORS: readonly Detector[] = [lockedEther, uninitializedState, incorrectExp, returnBomb, reentrancyBalance];
