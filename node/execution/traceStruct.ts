/**
 * The struct logger: geth's default tracer (`debug_traceTransaction` without a `tracer`) — one entry per executed
 * opcode `{pc, op, gas, gasCost, depth, stack?, memory?, storage?, refund, error?}` — recorded from the ethereumjs
 * EVM's `step` events while attached.
 */
import type { EVM, EVMResult, InterpreterStep, Message } from "@ethereumjs/evm";
import { bytesToHex, setLengthLeft, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { TraceError } from "./trace";

export interface StructLoggerConfig {
  disableStack?: boolean;
  disableStorage?: boolean;
  enableMemory?: boolean;
  enableReturnData?: boolean;
  /** Most entries recorded (0: the node's cap). */
  limit?: number;
}

export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: Hex[];
  memory?: Hex[];
  storage?: Record<string, string>;
  refund: number;
  error?: string;
}

export interface StructLoggerResult {
  gas: number;
  failed: boolean;
  returnValue: Hex;
  structLogs: StructLog[];
}

/** A trace never holds more entries than this (≈ 200 MB of JSON with stacks); more is an error naming the option. */
export const MAX_STRUCT_LOGS = 500_000;

const CALL_OPS = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2"]);

const word = (v: bigint): string => v.toString(16).padStart(64, "0");

export class StructLogger {
  readonly logs: StructLog[] = [];
  /** Per contract: the slots seen by SLOAD/SSTORE so far (geth shows the contract's map on those steps). */
  private storage = new Map<string, Record<string, string>>();
  private evm: EVM | null = null;
  private topResult: EVMResult | null = null;
  private readonly max: number;
  private readonly onStep = (s: InterpreterStep, resolve?: (result?: unknown) => void) => {
    this.step(s).then(
      () => resolve?.(),
      (err: unknown) => {
        this.failure ??= err;
        resolve?.();
      },
    );
  };
  /**
   * geth counts the gas a CALL/CREATE hands to its callee in the opcode's gasCost (the stipend of a value transfer
   * excepted); ethereumjs reports the opcode's own cost: the callee's gas is added when its message starts.
   */
  private readonly onBefore = (m: Message) => {
    if (m.depth === 0) return;
    const last = this.logs[this.logs.length - 1];
    if (last === undefined || last.depth !== m.depth || !CALL_OPS.has(last.op)) return;
    const stipend = m.value > 0n && (last.op === "CALL" || last.op === "CALLCODE") ? 2300 : 0;
    last.gasCost += Number(m.gasLimit) - stipend;
  };
  private readonly onAfter = (r: EVMResult) => {
    this.topResult = r; // the last one is the top call's
  };
  private failure: unknown = null;

  constructor(private readonly config: StructLoggerConfig = {}) {
    this.max = config.limit && config.limit > 0 ? Math.min(config.limit, MAX_STRUCT_LOGS) : MAX_STRUCT_LOGS;
  }

  attach(evm: EVM): void {
    this.evm = evm;
    evm.events.on("step", this.onStep);
    evm.events.on("afterMessage", this.onAfter);
    evm.events.on("beforeMessage", this.onBefore);
  }

  detach(): void {
    this.evm?.events.off("step", this.onStep);
    this.evm?.events.off("afterMessage", this.onAfter);
    this.evm?.events.off("beforeMessage", this.onBefore);
    this.evm = null;
  }

  private async step(s: InterpreterStep): Promise<void> {
    if (this.failure !== null) return;
    if (this.logs.length >= this.max) {
      if (this.config.limit && this.config.limit > 0) return; // the caller's own limit: stop recording, as geth does
      throw new TraceError("TRACE_TOO_LARGE", `the trace has more than ${MAX_STRUCT_LOGS} steps; pass "limit", "disableStack": true, or use the callTracer`);
    }
    const op = s.opcode.name;
    const entry: StructLog = {
      pc: s.pc,
      op,
      gas: Number(s.gasLeft),
      gasCost: s.opcode.dynamicFee === undefined ? s.opcode.fee : Number(s.opcode.dynamicFee), // the whole cost (static + dynamic)
      depth: s.depth + 1,
      refund: Number(s.gasRefund),
    };
    if (!this.config.disableStack) entry.stack = s.stack.map((v) => `0x${v.toString(16)}` as Hex);
    if (this.config.enableMemory) {
      const mem: Hex[] = [];
      const bytes = s.memory;
      const words = Number(s.memoryWordCount);
      for (let i = 0; i < words; i++) {
        const chunk = new Uint8Array(32);
        chunk.set(bytes.subarray(i * 32, Math.min(i * 32 + 32, bytes.length)));
        mem.push(bytesToHex(chunk) as Hex);
      }
      entry.memory = mem;
    }
    if (!this.config.disableStorage && (op === "SLOAD" || op === "SSTORE")) {
      const key = s.address.toString();
      let map = this.storage.get(key);
      if (map === undefined) this.storage.set(key, (map = {}));
      const st = s.stack;
      const slot = st[st.length - 1];
      if (slot !== undefined) {
        if (op === "SSTORE") {
          const value = st[st.length - 2];
          if (value !== undefined) map[word(slot)] = word(value);
        } else {
          const value = await s.stateManager.getStorage(s.address, setLengthLeft(hexToBytes32(slot), 32));
          map[word(slot)] = bytesToHex(setLengthLeft(value, 32)).slice(2);
        }
      }
      entry.storage = { ...map };
    }
    this.logs.push(entry);
  }

  /** The finished trace; `gasUsed` is the transaction's (intrinsic gas included). */
  result(gasUsed: bigint): StructLoggerResult {
    if (this.failure !== null) throw this.failure;
    const exec = this.topResult?.execResult;
    return {
      gas: Number(gasUsed),
      failed: exec?.exceptionError !== undefined,
      returnValue: exec ? (bytesToHex(exec.returnValue) as Hex) : "0x",
      structLogs: this.logs,
    };
  }
}

function hexToBytes32(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(word(v), "hex"));
}
