/**
 * The call tracer: the tree of message calls of one transaction or call, as geth's `callTracer` reports it (type, from,
 * to, value, gas, gasUsed, input, output, error, revertReason, calls, logs), recorded from the ethereumjs EVM's
 * `beforeMessage` / `afterMessage` / `step` events. Otterscan's `ots_traceTransaction` and `ots_getInternalOperations`
 * are derived from the same tree ({@link otsTrace}, {@link internalOperations}).
 *
 * A tracer listens on one EVM while it is attached; nothing listens otherwise (the block-production path never has
 * a listener, so it pays nothing).
 */
import type { EVM, EVMResult, InterpreterStep, Message } from "@ethereumjs/evm";
import { bytesToHex, type PrefixedHexString as Hex } from "@ethereumjs/util";

export type CallType = "CALL" | "CALLCODE" | "DELEGATECALL" | "STATICCALL" | "CREATE" | "CREATE2" | "SELFDESTRUCT";

export interface CallLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  /** How many child calls of the frame came before the log. */
  position: Hex;
  /** The log's index among the transaction's logs that survived (not inside a reverted frame). */
  index: Hex;
}

/** One frame of geth's callTracer output. */
export interface CallFrame {
  type: CallType;
  from: Hex;
  to: Hex;
  value?: Hex;
  gas: Hex;
  gasUsed: Hex;
  input: Hex;
  output?: Hex;
  error?: string;
  revertReason?: string;
  calls?: CallFrame[];
  logs?: CallLog[];
}

export interface CallTracerConfig {
  onlyTopCall?: boolean;
  withLog?: boolean;
}

const q = (n: bigint | number): Hex => `0x${n.toString(16)}`;
const h = (b: Uint8Array): Hex => bytesToHex(b) as Hex;
const lower = (a: { toString(): string }): Hex => a.toString().toLowerCase() as Hex;

/** Decodes `Error(string)` revert data; undefined for anything else. */
export function decodeRevertReason(data: Hex): string | undefined {
  if (!data.startsWith("0x08c379a0") || data.length < 138) return undefined;
  try {
    const len = Number(BigInt("0x" + data.slice(74, 138)));
    const hex = data.slice(138, 138 + len * 2);
    if (hex.length !== len * 2) return undefined;
    return Buffer.from(hex, "hex").toString("utf8");
  } catch {
    return undefined;
  }
}

/** geth's words for the EVM's errors. */
export function gethError(error: string): string {
  switch (error) {
    case "revert":
      return "execution reverted";
    case "invalid opcode":
      return "invalid opcode";
    default:
      return error;
  }
}

interface OpenFrame {
  frame: CallFrame;
  depth: number;
  message: Message;
}

/** Records the call tree while attached to an EVM. One tracer per transaction. */
export class CallTracer {
  private stack: OpenFrame[] = [];
  private root: CallFrame | null = null;
  private lastOp = "";
  private logCounter = 0;
  private readonly onBefore = (m: Message) => this.before(m);
  private readonly onAfter = (r: EVMResult) => this.after(r);
  private readonly onStep = (s: InterpreterStep, resolve?: (result?: unknown) => void) => {
    this.step(s).then(
      () => resolve?.(),
      () => resolve?.(),
    );
  };
  private evm: EVM | null = null;

  constructor(private readonly config: CallTracerConfig = {}) {}

  attach(evm: EVM): void {
    this.evm = evm;
    evm.events.on("beforeMessage", this.onBefore);
    evm.events.on("afterMessage", this.onAfter);
    evm.events.on("step", this.onStep);
  }

  detach(): void {
    const evm = this.evm;
    if (evm === null) return;
    evm.events.off("beforeMessage", this.onBefore);
    evm.events.off("afterMessage", this.onAfter);
    evm.events.off("step", this.onStep);
    this.evm = null;
  }

  private before(m: Message): void {
    let type: CallType;
    if (m.depth === 0) type = m.to === undefined ? "CREATE" : "CALL";
    else if (m.to === undefined || m.isCreate === true) type = m.salt !== undefined ? "CREATE2" : "CREATE";
    else if (m.delegatecall) type = "DELEGATECALL";
    else if (this.lastOp === "CALLCODE") type = "CALLCODE";
    else if (m.isStatic && this.lastOp === "STATICCALL") type = "STATICCALL";
    else type = "CALL";
    const from = type === "DELEGATECALL" ? lower(m.to!) : lower(m.caller);
    const to = m.to === undefined ? ("0x" as Hex) : lower(m._codeAddress ?? m.to);
    const frame: CallFrame = { type, from, to, gas: q(m.gasLimit), gasUsed: "0x0", input: h(m.data) };
    if (type !== "STATICCALL") frame.value = q(m.value);
    this.stack.push({ frame, depth: m.depth, message: m });
  }

  private after(r: EVMResult): void {
    const open = this.stack.pop();
    if (open === undefined) return;
    const { frame } = open;
    const exec = r.execResult;
    const created = r.createdAddress ?? (frame.type === "CREATE" || frame.type === "CREATE2" ? open.message.to : undefined);
    if (created !== undefined) frame.to = lower(created);
    frame.gasUsed = q(exec.executionGasUsed);
    const out = h(exec.returnValue);
    const err = exec.exceptionError?.error;
    if (err !== undefined) {
      frame.error = gethError(err);
      if (err === "revert") {
        if (out !== "0x") frame.output = out;
        const reason = decodeRevertReason(out);
        if (reason !== undefined) frame.revertReason = reason;
      }
      dropLogs(frame);
    } else if (out !== "0x") frame.output = out;
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) this.root = frame;
    else if (!this.config.onlyTopCall) (parent.frame.calls ??= []).push(frame);
  }

  private async step(s: InterpreterStep): Promise<void> {
    const op = s.opcode.name;
    this.lastOp = op;
    if (op === "SELFDESTRUCT") {
      const parent = this.stack[this.stack.length - 1];
      if (parent === undefined || this.config.onlyTopCall) return;
      const beneficiary = s.stack[s.stack.length - 1]!;
      const balance = (await s.stateManager.getAccount(s.address))?.balance ?? 0n;
      (parent.frame.calls ??= []).push({
        type: "SELFDESTRUCT",
        from: lower(s.address),
        to: `0x${beneficiary.toString(16).padStart(40, "0")}` as Hex,
        value: q(balance),
        gas: "0x0",
        gasUsed: "0x0",
        input: "0x",
      });
    } else if (this.config.withLog && op.startsWith("LOG")) {
      const open = this.stack[this.stack.length - 1];
      if (open === undefined || (this.config.onlyTopCall && open.depth > 0)) return;
      const n = Number(op.slice(3));
      const st = s.stack;
      const offset = Number(st[st.length - 1]!);
      const size = Number(st[st.length - 2]!);
      const topics: Hex[] = [];
      for (let i = 0; i < n; i++) topics.push(`0x${st[st.length - 3 - i]!.toString(16).padStart(64, "0")}` as Hex);
      const data = new Uint8Array(size);
      data.set(s.memory.subarray(offset, Math.min(offset + size, s.memory.length)));
      (open.frame.logs ??= []).push({ address: lower(s.address), topics, data: h(data), position: q(open.frame.calls?.length ?? 0), index: q(this.logCounter) });
      this.logCounter++;
    }
  }

  /**
   * The finished tree. `gasUsed` of the top call becomes the transaction's (intrinsic gas included, as geth reports
   * it) when given; the logs are renumbered to their index among the surviving ones.
   */
  result(txGasUsed?: bigint): CallFrame {
    const root = this.root;
    if (root === null) throw new Error("the call tracer saw no call (was it attached?)");
    if (txGasUsed !== undefined) root.gasUsed = q(txGasUsed);
    if (this.config.withLog) {
      const all: CallLog[] = [];
      const walk = (f: CallFrame) => {
        for (const l of f.logs ?? []) all.push(l);
        for (const c of f.calls ?? []) walk(c);
      };
      walk(root);
      all.sort((a, b) => Number(BigInt(a.index) - BigInt(b.index)));
      all.forEach((l, i) => (l.index = q(i)));
    }
    return root;
  }
}

/** A reverted frame's logs (and its children's) are not part of the transaction (geth's clearFailedLogs). */
function dropLogs(frame: CallFrame): void {
  delete frame.logs;
  for (const c of frame.calls ?? []) dropLogs(c);
}

/** An entry of Otterscan's `ots_traceTransaction`. */
export interface OtsTraceEntry {
  type: CallType;
  depth: number;
  from: Hex;
  to: Hex;
  value: Hex | null;
  input: Hex;
  output: Hex;
}

/** The call tree flattened in call order with depths, as `ots_traceTransaction` returns it. */
export function otsTrace(root: CallFrame): OtsTraceEntry[] {
  const out: OtsTraceEntry[] = [];
  const walk = (f: CallFrame, depth: number) => {
    out.push({ type: f.type, depth, from: f.from, to: f.to, value: f.value ?? "0x0", input: f.input, output: f.output ?? "0x" });
    for (const c of f.calls ?? []) walk(c, depth + 1);
  };
  walk(root, 0);
  return out;
}

/** An entry of `ots_getInternalOperations`: 0 transfer, 1 self-destruct, 2 create, 3 create2. */
export interface InternalOperation {
  type: 0 | 1 | 2 | 3;
  from: Hex;
  to: Hex;
  value: Hex;
}

/**
 * The internal operations of a transaction (below the top call, as Erigon reports them): value transfers by CALL,
 * contract creations (CREATE, CREATE2) and self-destructs, in the order they happened.
 */
export function internalOperations(root: CallFrame): InternalOperation[] {
  const out: InternalOperation[] = [];
  const walk = (f: CallFrame, depth: number) => {
    if (depth > 0) {
      const value = f.value ?? "0x0";
      if (f.type === "CALL" && value !== "0x0") out.push({ type: 0, from: f.from, to: f.to, value });
      else if (f.type === "SELFDESTRUCT") out.push({ type: 1, from: f.from, to: f.to, value });
      else if (f.type === "CREATE") out.push({ type: 2, from: f.from, to: f.to, value });
      else if (f.type === "CREATE2") out.push({ type: 3, from: f.from, to: f.to, value });
    }
    for (const c of f.calls ?? []) walk(c, depth + 1);
  };
  walk(root, 0);
  return out;
}
