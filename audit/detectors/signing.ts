/**
 * Signatures that authorise an amount but not a beneficiary (`signature-unbound-recipient`).
 *
 * A function checks that a message was signed by a stored authority (the recovered signer compared with `owner`,
 * `signer`, an admin, `hasRole(ROLE, signer)`, a signer mapping, or `isValidSignatureNow(signer, …)` for a stored
 * signer) and then pays the caller: ether (`transfer`/`send`/`call{value: …}`), tokens (`transfer`, `safeTransfer`,
 * `transferFrom(x, msg.sender, …)`), a mint (`_mint(msg.sender, …)`) or a credit (`balances[msg.sender] += …`). When
 * the signed digest does not depend on `msg.sender` (nor on an address the signed data names as recipient) the
 * signature is a bearer voucher: whoever submits it first is paid, so anyone who sees it in the mempool copies it and
 * front-runs the intended recipient. A payment to an address parameter the digest does not cover is the same
 * weakness: the front-runner passes its own address.
 *
 * The digest is followed through locals, their later assignments, internal hashing helpers (`_hash(req)`,
 * `_hashTypedDataV4(…)`) with their parameters bound to the arguments, and inline assembly (a variable assigned
 * there depends on the variables the block reads). A struct parameter hashed as a whole (`abi.encode(req)`,
 * `hashStruct(req)`) covers all its fields; `req.amount` covers one.
 *
 * Silent when: the digest depends on `msg.sender`/`_msgSender()`, or on the paid address, or on an address-typed
 * field or parameter named like a recipient; a guard ties the caller to a signed address (`require(req.to ==
 * msg.sender)`); the recovered signer is compared with the caller or a parameter (self-signed: permit, forwarders —
 * not an authority); only privileged callers reach the function; the payment returns the caller's own `msg.value`;
 * the caller pays for what it gets (`balances[msg.sender] -= …`, `_burn(msg.sender, …)`, `transferFrom(msg.sender, …)`:
 * a co-signed withdrawal of its own funds, a redemption at a signed price);
 * the signature authorises a state update and the caller only gets a fixed fee for submitting it (keeper rewards: the
 * signed data is stored and the amount paid does not depend on it).
 */
import type { AstNode } from "../ast/node";
import { child, children, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  isConversion,
  isEntryPoint,
  isInCondition,
  isReadOnly,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  memberOf,
  modifierOf,
  parameters,
  stripParens,
  unwrapCallOptions,
} from "../ast/semantics";
import { argumentsFor, internalTarget } from "./defi";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const DETECTOR = "signature-unbound-recipient";

/** Library functions that return the signer of a digest (OpenZeppelin's and solady's ECDSA). */
const RECOVER = /^(recover|tryRecover|recoverCalldata|tryRecoverCalldata)$/;
/** Library functions that check a signature of a given signer (SignatureChecker, SignatureCheckerLib). */
const CHECK_SIGNER = /^(isValidSignatureNow|isValidSignatureNowCalldata|isValidERC1271SignatureNow|isValidERC1271SignatureNowCalldata)$/;
/** A role or membership check of the recovered signer: `hasRole(SIGNER_ROLE, signer)`, `isSigner(signer)`. */
const ROLE_CHECK = /^_?(checkRole|hasRole|hasAnyRole|hasAllRoles|isSigner|isValidSigner|isTrustedSigner|isAuthori[sz]ed|isOperator|isAdmin|isOwner|isVerifier|isValidator|isMinter|isSignerAuthorized|isAuthorizedSigner)$/i;
/** A mapping that lists authorised signers, read in a guard: `require(isSigner[signer])`. */
const SIGNER_MAP = /sign|owner|admin|operator|validator|verifier|authori|whitelist|allow|trusted|minter|role|guardian|member|approved|oracle|issuer|keeper/i;
const NOT_SIGNER_MAP = /nonce|used|claimed|count|balance|spent|redeemed|last|timestamp|amount/i;
/** A write that only marks the signature used: not "the signed data is stored". */
const REPLAY_NAME = /nonce|used|executed|processed|claimed|spent|consumed|done|redeemed|withdrawn|seen|filled|replay|invalidated|cancelled|minted|count|total|supply|balance/i;
/** Address fields of signed data that are not a recipient (the token paid, the contract called…). */
const NOT_RECIPIENT = /token|asset|currency|contract|collection|nft|pool|vault|market|pair|router|target|verifier|signer|oracle|implementation|module|registry|factory|domain|verifying/i;
/** Payments by name: [argument index of the payee, argument index of the amount], by argument count. */
const MINT = /^_?(safe)?mint(To)?$/i;
const BURN = /^_?burn(From)?$/i;

type Atom = string;
const SENDER = "sender";
const MSG_VALUE = "msgvalue";

interface Frame {
  id: number;
  callable: AstNode;
  bindings: Map<AstNode, { expr: AstNode; frame: Frame }>;
  depth: number;
}

interface Recover {
  call: AstNode;
  digest: AstNode | undefined;
  /** The signer passed to isValidSignatureNow (undefined for recover/ecrecover). */
  signer: AstNode | undefined;
  frame: Frame;
  site: AstNode;
}

interface Payment {
  kind: "ether" | "token" | "mint" | "credit";
  node: AstNode;
  payee: AstNode;
  amount: AstNode | undefined;
  frame: Frame;
  site: AstNode;
}

/** Data-dependency of expressions on the entry function's inputs, the caller and storage, across internal calls. */
class Analysis {
  private nextFrame = 0;
  private readonly memo = new Map<string, Set<Atom>>();
  /** Declaration behind an atom (for names and types). */
  readonly meta = new Map<Atom, AstNode>();
  readonly recovers: Recover[] = [];
  readonly comparisons: { node: AstNode; frame: Frame; site: AstNode }[] = [];
  readonly roleChecks: { call: AstNode; frame: Frame; site: AstNode }[] = [];
  readonly signerMaps: { node: AstNode; frame: Frame; site: AstNode }[] = [];
  readonly payments: Payment[] = [];
  readonly stateWrites: { node: AstNode; frame: Frame }[] = [];
  /** The caller pays for what it gets: its balance debited, its tokens burnt or pulled. */
  readonly debits: AstNode[] = [];

  constructor(
    readonly program: Program,
    readonly contract: AstNode,
    readonly entry: AstNode,
  ) {}

  frame(callable: AstNode, bindings: Map<AstNode, { expr: AstNode; frame: Frame }>, depth: number): Frame {
    return { id: this.nextFrame++, callable, bindings, depth };
  }

  isEntryParam(decl: AstNode): boolean {
    return parameters(this.entry).includes(decl);
  }

  /** The root declaration of an atom (`d12.to` → the declaration 12). */
  rootDecl(atom: Atom): AstNode | undefined {
    const m = /^d(\d+)/.exec(atom);
    return m ? this.program.byId(Number(m[1])) : undefined;
  }

  name(atom: Atom): string {
    if (atom === SENDER) return "msg.sender";
    const root = this.rootDecl(atom);
    const rest = atom.replace(/^d\d+/, "");
    return `${root ? str(root, "name") ?? "?" : "?"}${rest}`;
  }

  // ------------------------------------------------------------------------------------------ dependencies

  deps(expr: AstNode | undefined, frame: Frame): Set<Atom> {
    const e = stripParens(expr);
    if (!e) return new Set();
    const key = `${String(e.id)}@${frame.id}`;
    const known = this.memo.get(key);
    if (known) return known;
    const out = new Set<Atom>();
    this.memo.set(key, out); // cycles see what is known so far
    for (const a of this.compute(e, frame)) out.add(a);
    return out;
  }

  private compute(e: AstNode, frame: Frame): Set<Atom> {
    const { program } = this;
    const out = new Set<Atom>();
    const add = (s: Iterable<Atom>): void => {
      for (const a of s) out.add(a);
    };
    if (memberOf(program, e, "msg", "sender")) return new Set([SENDER]);
    if (memberOf(program, e, "msg", "value")) return new Set([MSG_VALUE]);
    switch (e.nodeType) {
      case "Literal":
      case "ElementaryTypeNameExpression":
        return out;
      case "Identifier": {
        const d = program.declOf(e);
        if (d?.nodeType === "VariableDeclaration") add(this.varDeps(d, frame));
        return out;
      }
      case "MemberAccess": {
        const path = this.path(e, frame);
        if (path) return new Set([path]);
        const bd = baseDeclaration(program, e);
        if (bd && isStorageVariable(program, bd) && !isStateVariable(bd)) {
          const atom = `d${String(bd.id)}`;
          this.meta.set(atom, bd);
          out.add(atom);
        }
        add(this.deps(child(e, "expression"), frame));
        return out;
      }
      case "FunctionCall":
        return this.callDeps(e, frame);
      default:
        // operators, index accesses, tuples, conditionals: what their operands depend on
        for (const c of children(e)) add(this.deps(c, frame));
        return out;
    }
  }

  /** `req.to` for a parameter (or a copy of one) `req`: the atom `d<req>.to`. */
  private path(e: AstNode, frame: Frame, depth = 0): Atom | undefined {
    const { program } = this;
    const n = stripParens(e);
    if (!n || depth > 6) return undefined;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d?.nodeType !== "VariableDeclaration" || isStateVariable(d)) return undefined;
      const bound = frame.bindings.get(d);
      if (bound) return this.path(bound.expr, bound.frame, depth + 1);
      if (parameters(this.callableOf(d) ?? d).includes(d)) {
        const atom = `d${String(d.id)}`;
        this.meta.set(atom, d);
        return atom;
      }
      // a memory copy of a parameter: Req memory r = req;
      if (str(d, "storageLocation") === "memory" || str(d, "storageLocation") === "calldata") {
        const stmt = program.parent(d);
        const init = stmt?.nodeType === "VariableDeclarationStatement" ? child(stmt, "initialValue") : undefined;
        if (init && (init.nodeType === "Identifier" || init.nodeType === "MemberAccess")) return this.path(init, frame, depth + 1);
      }
      return undefined;
    }
    if (n.nodeType === "MemberAccess") {
      const member = program.declOf(n);
      if (member?.nodeType !== "VariableDeclaration" || program.parent(member)?.nodeType !== "StructDefinition") return undefined;
      const base = this.path(child(n, "expression")!, frame, depth + 1);
      if (!base) return undefined;
      const atom = `${base}.${str(n, "memberName") ?? ""}`;
      this.meta.set(atom, member);
      return atom;
    }
    return undefined;
  }

  private callableOf(decl: AstNode): AstNode | undefined {
    const p = this.program.parent(decl);
    const fn = p?.nodeType === "ParameterList" ? this.program.parent(p) : undefined;
    return fn && (fn.nodeType === "FunctionDefinition" || fn.nodeType === "ModifierDefinition") ? fn : undefined;
  }

  private varDeps(d: AstNode, frame: Frame): Set<Atom> {
    const { program } = this;
    const out = new Set<Atom>();
    if (isStateVariable(d)) {
      if (d.constant === true || str(d, "mutability") === "constant") return out;
      const atom = `d${String(d.id)}`;
      this.meta.set(atom, d);
      out.add(atom);
      return out;
    }
    const bound = frame.bindings.get(d);
    if (bound) return this.deps(bound.expr, bound.frame);
    const owner = this.callableOf(d);
    if (owner && parameters(owner).includes(d)) {
      const atom = `d${String(d.id)}`;
      this.meta.set(atom, d);
      out.add(atom);
      return out;
    }
    // a local or a named return variable: its initial value, later assignments, inline assembly that uses it
    const key = `v${String(d.id)}@${frame.id}`;
    const known = this.memo.get(key);
    if (known) return known;
    this.memo.set(key, out);
    const stmt = program.parent(d);
    if (stmt?.nodeType === "VariableDeclarationStatement") {
      const init = child(stmt, "initialValue");
      const decls = (stmt.declarations as (AstNode | null)[] | undefined) ?? [];
      if (init?.nodeType === "TupleExpression" && decls.length > 1) {
        const comp = list(init, "components")[decls.indexOf(d)];
        for (const a of this.deps(comp, frame)) out.add(a);
      } else for (const a of this.deps(init, frame)) out.add(a);
    }
    const scope = program.callableOf(d);
    const body = scope ? child(scope, "body") : undefined;
    if (!body) return out;
    for (const a of findAll(body, "Assignment")) {
      const lhs = child(a, "leftHandSide");
      const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : lhs ? [lhs] : [];
      for (const t of targets) {
        let cur: AstNode | undefined = t;
        while (cur && (cur.nodeType === "MemberAccess" || cur.nodeType === "IndexAccess")) cur = child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression");
        if (cur && program.declOf(cur) === d) for (const x of this.deps(child(a, "rightHandSide"), frame)) out.add(x);
      }
    }
    for (const asm of findAll(body, "InlineAssembly")) {
      const refs = ((asm.externalReferences as { declaration?: number }[] | undefined) ?? []).map((r) => r.declaration);
      if (!refs.includes(d.id as number)) continue;
      if (/"functionName":\{[^}]*"name":"caller"/.test(JSON.stringify(asm.AST ?? {}))) out.add(SENDER);
      for (const id of new Set(refs)) {
        if (id === d.id || id === undefined) continue;
        const other = program.byId(id);
        if (other?.nodeType === "VariableDeclaration") for (const x of this.varDeps(other, frame)) out.add(x);
      }
    }
    return out;
  }

  private callDeps(call: AstNode, frame: Frame): Set<Atom> {
    const { program } = this;
    const out = new Set<Atom>();
    const add = (s: Iterable<Atom>): void => {
      for (const a of s) out.add(a);
    };
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    const name = callee ? (str(callee, "memberName") ?? str(callee, "name") ?? "") : "";
    if ((name === "_msgSender" || name === "msgSender") && list(call, "arguments").length === 0) return new Set([SENDER]);
    if (isConversion(call) || str(call, "kind") === "structConstructorCall") {
      for (const a of list(call, "arguments")) add(this.deps(a, frame));
      return out;
    }
    const rec = this.recoverOf(call);
    if (rec) return new Set([`r${String(call.id)}`]);
    const target = internalTarget(program, call, this.contract);
    if (target && frame.depth < 5 && target !== frame.callable) {
      const inner = this.frame(target, this.bind(call, target, frame), frame.depth + 1);
      for (const r of findAll(child(target, "body")!, "Return")) add(this.deps(child(r, "expression"), inner));
      for (const p of list(child(target, "returnParameters"), "parameters")) add(this.varDeps(p, inner));
      return out;
    }
    // a builtin, an external call, a function without body: what it is given
    for (const a of list(call, "arguments")) add(this.deps(a, frame));
    if (callee?.nodeType === "MemberAccess") add(this.deps(child(callee, "expression"), frame));
    return out;
  }

  bind(call: AstNode, target: AstNode, frame: Frame): Map<AstNode, { expr: AstNode; frame: Frame }> {
    const params = parameters(target);
    const args = argumentsFor(this.program, call, target);
    const out = new Map<AstNode, { expr: AstNode; frame: Frame }>();
    params.forEach((p, i) => {
      if (args[i]) out.set(p, { expr: args[i]!, frame });
    });
    return out;
  }

  // ------------------------------------------------------------------------------------------ classification

  /** A signature check: the digest, and for isValidSignatureNow the signer it is checked against. */
  recoverOf(call: AstNode): { digest: AstNode | undefined; signer: AstNode | undefined } | undefined {
    const { program } = this;
    if (call.nodeType !== "FunctionCall") return undefined;
    if (builtinCallName(program, call) === "ecrecover") return { digest: list(call, "arguments")[0], signer: undefined };
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    const name = callee ? (str(callee, "memberName") ?? str(callee, "name") ?? "") : "";
    const isRecover = RECOVER.test(name);
    const isCheck = CHECK_SIGNER.test(name);
    if (!isRecover && !isCheck) return undefined;
    const decl = callee ? program.declOf(callee) : undefined;
    // a library function (ECDSA, SignatureChecker) — not a contract's own `recover(...)` entry point
    if (decl?.nodeType === "FunctionDefinition") {
      const owner = program.contractOf(decl);
      if (!owner || str(owner, "contractKind") !== "library") return undefined;
    }
    const args = decl ? argumentsFor(program, call, decl) : list(call, "arguments");
    if (isRecover) return { digest: args[0], signer: undefined };
    return { digest: args[1], signer: args[0] };
  }

  private payment(call: AstNode, frame: Frame, site: AstNode): Payment | undefined {
    const { program } = this;
    const ll = lowLevelCall(program, call);
    if (ll) {
      if (ll.kind === "transfer" || ll.kind === "send") return { kind: "ether", node: call, payee: ll.target, amount: ll.value, frame, site };
      if (ll.kind === "call" && ll.value && !(stripParens(ll.value)?.nodeType === "Literal" && String(stripParens(ll.value)!.value) === "0")) {
        return { kind: "ether", node: call, payee: ll.target, amount: ll.value, frame, site };
      }
      return undefined;
    }
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    if (!callee || (callee.nodeType !== "MemberAccess" && callee.nodeType !== "Identifier")) return undefined;
    const name = str(callee, "memberName") ?? str(callee, "name") ?? "";
    const decl = program.declOf(callee);
    const raw = list(call, "arguments");
    const args = decl?.nodeType === "FunctionDefinition" ? argumentsFor(program, call, decl) : raw;
    const bound = args.length === raw.length + 1;
    const at = (i: number | undefined): AstNode | undefined => (i === undefined ? undefined : args[i]);
    if (/^(safeTransferETH|sendValue|forceSafeTransferETH|trySafeTransferETH)$/.test(name) && args.length >= 2) {
      return { kind: "ether", node: call, payee: args[0]!, amount: args[1], frame, site };
    }
    if (/^(transfer|safeTransfer|_transfer)$/.test(name)) {
      // token.transfer(to, amount); SafeERC20: token.safeTransfer(to, amount) bound → (token, to, amount); _transfer(from, to, amount)
      const i = args.length === 2 ? 0 : args.length === 3 ? 1 : undefined;
      if (i === undefined || !at(i)) return undefined;
      if (i === 1 && !bound && this.deps(at(0), frame).has(SENDER)) {
        this.debits.push(call); // _transfer(msg.sender, to, amount): the caller pays
        return undefined;
      }
      return { kind: "token", node: call, payee: at(i)!, amount: at(i + 1), frame, site };
    }
    if (/^(transferFrom|safeTransferFrom|_safeTransfer|_safeTransferFrom)$/.test(name)) {
      // (from, to, amount[, data]); bound library: (token, from, to, amount)
      const off = bound || (args.length === 4 && /^(safeTransferFrom)$/.test(name) && !this.isToken(call)) ? 1 : 0;
      const payee = at(off + 1);
      const from = at(off);
      if (!payee || !from) return undefined;
      if (this.deps(from, frame).has(SENDER)) {
        this.debits.push(call); // the caller pays
        return undefined;
      }
      return { kind: "token", node: call, payee, amount: at(off + 2), frame, site };
    }
    if (BURN.test(name) && args.length >= 2 && !bound && this.deps(args[0], frame).has(SENDER)) {
      this.debits.push(call);
      return undefined;
    }
    if (MINT.test(name) && args.length >= 2) {
      return { kind: "mint", node: call, payee: args[0]!, amount: args[1], frame, site };
    }
    return undefined;
  }

  /** `nft.safeTransferFrom(from, to, id, data)` on a contract (not a bound library call). */
  private isToken(call: AstNode): boolean {
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    const base = callee?.nodeType === "MemberAccess" ? child(callee, "expression") : undefined;
    return (typeString(base) ?? "").startsWith("contract ");
  }

  // ------------------------------------------------------------------------------------------ walk

  visit(callable: AstNode, frame: Frame, site: AstNode | undefined, stack: AstNode[]): void {
    const { program } = this;
    const body = child(callable, "body");
    if (!body) return;
    walk(body, (n) => {
      if (n.nodeType === "FunctionCall") {
        const s = site ?? n;
        const rec = this.recoverOf(n);
        if (rec) {
          this.recovers.push({ call: n, digest: rec.digest, signer: rec.signer, frame, site: s });
          return undefined;
        }
        const pay = this.payment(n, frame, s);
        if (pay) {
          this.payments.push(pay);
          return undefined;
        }
        const callee = unwrapCallOptions(child(n, "expression")).callee;
        const name = callee ? (str(callee, "memberName") ?? str(callee, "name") ?? "") : "";
        if (ROLE_CHECK.test(name)) {
          this.roleChecks.push({ call: n, frame, site: s });
          return undefined;
        }
        const target = internalTarget(program, n, this.contract);
        if (target && !stack.includes(target) && stack.length < 4) {
          this.visit(target, this.frame(target, this.bind(n, target, frame), frame.depth + 1), s, [...stack, target]);
        }
      } else if (n.nodeType === "BinaryOperation" && (str(n, "operator") === "==" || str(n, "operator") === "!=")) {
        this.comparisons.push({ node: n, frame, site: site ?? n });
      } else if (n.nodeType === "IndexAccess" && isInCondition(program, n, { maxDepth: 12, anyArgument: true })) {
        this.signerMaps.push({ node: n, frame, site: site ?? n });
      } else if (n.nodeType === "Assignment") {
        this.assignment(n, frame, site ?? n);
      }
      return undefined;
    });
  }

  private assignment(a: AstNode, frame: Frame, site: AstNode): void {
    const { program } = this;
    const lhs = child(a, "leftHandSide");
    const bd = baseDeclaration(program, lhs);
    if (!bd || !isStorageVariable(program, bd)) return;
    this.stateWrites.push({ node: a, frame });
    if (str(a, "operator") === "-=") {
      let idx = lhs;
      while (idx && idx.nodeType !== "IndexAccess") idx = idx.nodeType === "MemberAccess" ? child(idx, "expression") : undefined;
      if (idx && this.deps(child(idx, "indexExpression"), frame).has(SENDER)) this.debits.push(a);
    }
    // a credit: balances[msg.sender] += amount (also users[msg.sender].rewards += amount)
    if (str(a, "operator") !== "+=" || REPLAY_NAME.test(str(bd, "name") ?? "") && !/balance/i.test(str(bd, "name") ?? "")) return;
    let cur = lhs;
    while (cur && cur.nodeType !== "IndexAccess") cur = cur.nodeType === "MemberAccess" ? child(cur, "expression") : undefined;
    const index = cur ? child(cur, "indexExpression") : undefined;
    if (!index) return;
    this.payments.push({ kind: "credit", node: a, payee: index, amount: child(a, "rightHandSide"), frame, site });
  }
}

/** Only constants, immutables and state: the authority side of a comparison. */
function isStored(an: Analysis, atoms: Set<Atom>): boolean {
  if (atoms.size === 0) return false;
  for (const a of atoms) {
    if (a === SENDER || a === MSG_VALUE || a.startsWith("r")) return false;
    const d = an.rootDecl(a);
    if (!d || !isStorageVariable(an.program, d)) return false;
  }
  return true;
}

function recoveredIn(atoms: Set<Atom>): string[] {
  return [...atoms].filter((a) => /^r\d+$/.test(a));
}

/** Whether `digest` atoms cover `atom` (the same value, or a whole struct it is a field of). */
function covers(digest: Set<Atom>, atom: Atom): boolean {
  for (const d of digest) if (atom === d || atom.startsWith(`${d}.`)) return true;
  return false;
}

function isAddressDecl(decl: AstNode | undefined): boolean {
  if (!decl) return false;
  const t = typeString(decl) ?? (child(decl, "typeName") ? str(child(decl, "typeName")!, "name") : undefined) ?? "";
  return t.startsWith("address");
}

function snippet(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 90 ? `${t.slice(0, 87)}…` : t;
}

export const signatureUnboundRecipient: Detector = {
  id: DETECTOR,
  category: "signatures",
  title: "Authority signatures that pay the caller without signing the recipient (front-runnable vouchers)",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (str(contract, "contractKind") === "library") continue;
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        // signature checks, comparisons and payments in the function, the helpers it calls and its modifiers
        const an = new Analysis(program, contract, fn);
        const root = an.frame(fn, new Map(), 0);
        an.visit(fn, root, undefined, [fn]);
        for (const inv of list(fn, "modifiers")) {
          const mod = modifierOf(program, inv, contract);
          if (!mod || mod.nodeType !== "ModifierDefinition") continue;
          const bindings = new Map<AstNode, { expr: AstNode; frame: Frame }>();
          const args = list(inv, "arguments");
          parameters(mod).forEach((p, i) => {
            if (args[i]) bindings.set(p, { expr: args[i]!, frame: root });
          });
          an.visit(mod, an.frame(mod, bindings, 1), inv, [fn, mod]);
        }
        if (an.recovers.length === 0 || an.payments.length === 0) continue;
        if (isAccessControlled(program, fn, contract)) continue;
        reportFunction(ctx, an, contract, fn);
      }
    }
  },
};

function reportFunction(ctx: DetectorContext, an: Analysis, contract: AstNode, fn: AstNode): void {
  const { program, file } = ctx;
  // Which recovered signers are checked against a stored authority, and which against the caller or a parameter.
  const authority = new Map<string, string>(); // recover atom → what it is checked against
  let selfSigned = false;
  const recoverById = new Map<string, Recover>(an.recovers.map((r) => [`r${String(r.call.id)}`, r]));
  for (const r of an.recovers) {
    if (!r.signer) continue;
    const s = an.deps(r.signer, r.frame);
    if (isStored(an, s)) authority.set(`r${String(r.call.id)}`, snippet(program, r.signer));
    else selfSigned = true;
  }
  for (const c of an.comparisons) {
    const l = an.deps(child(c.node, "leftExpression"), c.frame);
    const r = an.deps(child(c.node, "rightExpression"), c.frame);
    for (const [mine, other, otherNode] of [
      [l, r, child(c.node, "rightExpression")],
      [r, l, child(c.node, "leftExpression")],
    ] as const) {
      const rec = recoveredIn(mine);
      if (rec.length === 0 || recoveredIn(other).length > 0 || other.size === 0) continue;
      if (isStored(an, other)) for (const a of rec) authority.set(a, snippet(program, otherNode!));
      else if ([...other].some((a) => a === SENDER || (an.rootDecl(a) && !isStorageVariable(program, an.rootDecl(a))))) selfSigned = true;
    }
  }
  for (const rc of an.roleChecks) {
    const args = list(rc.call, "arguments").map((a) => an.deps(a, rc.frame));
    if (args.some((s) => s.has(SENDER))) continue;
    for (const s of args) for (const a of recoveredIn(s)) authority.set(a, snippet(program, rc.call));
  }
  for (const m of an.signerMaps) {
    const base = child(m.node, "baseExpression");
    const bd = baseDeclaration(program, base);
    if (!bd || !isStorageVariable(program, bd)) continue;
    const mapName = str(bd, "name") ?? "";
    const valueType = typeString(m.node) ?? "";
    if (NOT_SIGNER_MAP.test(mapName) || !(valueType === "bool" || SIGNER_MAP.test(mapName))) continue;
    for (const a of recoveredIn(an.deps(child(m.node, "indexExpression"), m.frame))) authority.set(a, snippet(program, m.node));
  }
  if (authority.size === 0 || selfSigned) return;

  const recs = [...authority.keys()].map((a) => recoverById.get(a)).filter((r): r is Recover => r !== undefined);
  if (recs.length === 0) return;
  const digest = new Set<Atom>();
  for (const r of recs) for (const a of an.deps(r.digest, r.frame)) digest.add(a);
  if (digest.has(SENDER)) return;
  // The caller is bound when the signed data names a recipient (`user`, `req.account`), or a guard ties the caller to
  // a signed value (require(keccak256(abi.encode(msg.sender)) == accountHash)).
  const namesRecipient = [...digest].some((a) => {
    const d = an.meta.get(a) ?? an.rootDecl(a);
    return d !== undefined && !isStateVariable(d) && isAddressDecl(d) && !NOT_RECIPIENT.test(str(d, "name") ?? "");
  });
  const callerBound =
    namesRecipient ||
    an.comparisons.some((c) => {
      const l = an.deps(child(c.node, "leftExpression"), c.frame);
      const r = an.deps(child(c.node, "rightExpression"), c.frame);
      const binds = (mine: Set<Atom>, other: Set<Atom>): boolean => mine.has(SENDER) && other.size > 0 && [...other].every((a) => covers(digest, a));
      return binds(l, r) || binds(r, l);
    });
  const signedInputs = [...digest].filter((a) => a !== SENDER && !a.startsWith("r") && an.rootDecl(a) && !isStateVariable(an.rootDecl(a)));
  const storesSignedData = an.stateWrites.some((w) => {
    const bd = baseDeclaration(program, child(w.node, "leftHandSide"));
    if (!bd || REPLAY_NAME.test(str(bd, "name") ?? "")) return false;
    const rhs = an.deps(child(w.node, "rightHandSide"), w.frame);
    return [...rhs].some((a) => signedInputs.some((s) => a === s || a.startsWith(`${s}.`) || s.startsWith(`${a}.`)));
  });

  const bad: { p: Payment; caller: boolean; payeeName: string }[] = [];
  for (const p of an.payments) {
    const payee = an.deps(p.payee, p.frame);
    if (payee.size === 0) continue;
    if ([...payee].some((a) => a !== SENDER && covers(digest, a))) continue;
    const amount = p.amount ? an.deps(p.amount, p.frame) : new Set<Atom>();
    if (amount.has(MSG_VALUE)) continue;
    const amountSigned = [...amount].some((a) => covers(digest, a) || [...digest].some((d) => d.startsWith(`${a}.`)));
    const caller = payee.has(SENDER);
    // the payee is the caller, or an address the caller passes in (a parameter the signature does not cover)
    const callerChosen = [...payee].every((a) => {
      const d = an.rootDecl(a);
      return a !== SENDER && d !== undefined && an.isEntryParam(d) && isAddressDecl(an.meta.get(a) ?? d);
    });
    if (!caller && !callerChosen) continue;
    if (caller && (callerBound || an.debits.length > 0)) continue;
    if (p.kind === "credit" && !caller) continue;
    // a fixed fee for submitting a signed update (keeper reward): the signed data is stored, the amount is not signed
    if (!amountSigned && storesSignedData && p.kind !== "mint" && p.kind !== "credit") continue;
    bad.push({ p, caller, payeeName: caller ? "msg.sender" : [...payee].map((a) => an.name(a)).join(", ") });
  }
  if (bad.length === 0) return;

  const name = displayName(fn) ?? "";
  const signedBy = [...new Set(authority.values())].join(", ");
  const fields = [...new Set(signedInputs.map((a) => an.name(a)))];
  const stored = [...digest].some((a) => an.rootDecl(a) !== undefined && isStateVariable(an.rootDecl(a)));
  const fieldText = `${fields.length ? fields.join(", ") : "no input of the call"}${stored ? " (besides stored values such as the domain separator)" : ""}`;
  const first = bad[0]!;
  const payText = snippet(program, first.p.node);
  const payee = first.payeeName;
  const message = first.caller
    ? `${name}() pays msg.sender (${payText}) on a signature checked against ${signedBy}, but the signed digest covers only ${fieldText} — ` +
      "not msg.sender nor any recipient. The signature authorises a payout, not a beneficiary: whoever submits it first is paid, so anyone who " +
      "sees it (in the mempool or anywhere else) can copy it and front-run the intended recipient."
    : `${name}() pays ${payee} (${payText}), an address the caller passes in, on a signature checked against ${signedBy}, but the signed digest ` +
      `covers only ${fieldText} — not ${payee}. Anyone who sees the signature (in the mempool or anywhere else) can submit it first with their own address and is paid instead of the intended recipient.`;
  const remediation =
    "Put the recipient in the signed message and pay that recipient (or require that it is msg.sender), so a copied signature pays only the address it was issued for:\n" +
    "```solidity\n" +
    "bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(TYPEHASH, msg.sender, amount, nonce)));\n" +
    "require(ECDSA.recover(digest, sig) == signer, \"bad sig\");\n" +
    "```";
  const lines = linesIn(program, file, [...recs.map((r) => r.site), ...recs.map((r) => r.call), ...bad.map((b) => b.p.site), ...bad.map((b) => b.p.node)]);
  ctx.report({
    detector: DETECTOR,
    category: "signatures",
    severity: "medium",
    confidence: "medium",
    lines,
    contract: str(contract, "name"),
    function: name,
    message,
    remediation,
    swc: ["SWC-114"],
  });
}

export const SIGNING_DETECTORS: Detector[] = [signatureUnboundRecipient];

