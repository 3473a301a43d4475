/**
 * Double signing: detection (two commit signatures by one validator for two hashes at one height) and submission
 * (`Slashing.submitDoubleSignEvidence`, once the height is final, unless the offender was already punished).
 *
 * The detector is pure bookkeeping over verified signatures; the reporter turns ready evidence into a transaction
 * signed by this validator and hands it to the pool.
 */
import type { Common } from "@ethereumjs/common";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { signNodeTransaction, type ValidatorKey } from "./crypto";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { FinalitySignature } from "../chain/chain";
import { SLASHING_ABI } from "./slashing";

export interface Evidence {
  number: bigint;
  validator: Hex;
  a: FinalitySignature & { hash: Hex };
  b: FinalitySignature & { hash: Hex };
}

/** Heights below the current one for which first signatures are remembered. */
const KEEP_HEIGHTS = 16n;

export class DoubleSignDetector {
  /** height → validator → the first (hash, signature) seen. */
  private seen = new Map<bigint, Map<string, { hash: Hex; signature: Hex }>>();
  private pending: Evidence[] = [];

  constructor(private readonly onEvidence: (e: Evidence) => void = () => undefined) {}

  /**
   * Records a verified commit signature; a second one by the same validator for another hash at the same height
   * becomes evidence (once per validator and height). Returns the new evidence, if any.
   */
  note(number: bigint, hash: Hex, validator: Hex, signature: Hex): Evidence | null {
    let m = this.seen.get(number);
    if (!m) this.seen.set(number, (m = new Map()));
    const prev = m.get(validator);
    if (!prev) {
      m.set(validator, { hash, signature });
      return null;
    }
    if (prev.hash === hash) return null;
    if (this.pending.some((e) => e.number === number && e.validator === validator)) return null;
    const e: Evidence = { number, validator, a: { hash: prev.hash, validator, signature: prev.signature }, b: { hash, validator, signature } };
    this.pending.push(e);
    this.onEvidence(e);
    return e;
  }

  /** Forgets first signatures of heights long final (entering `height`). */
  prune(height: bigint): void {
    for (const key of [...this.seen.keys()]) if (key < height - KEEP_HEIGHTS) this.seen.delete(key);
  }

  /** Takes the evidence of heights up to `finalHeight` (submittable: the height is final). */
  takeReady(finalHeight: bigint): Evidence[] {
    const ready = this.pending.filter((e) => e.number <= finalHeight);
    this.pending = this.pending.filter((e) => e.number > finalHeight);
    return ready;
  }

  get size(): number {
    return this.pending.length;
  }
}

export interface EvidenceReporterOptions {
  chainId: bigint;
  common: Common;
  slashing: Hex;
  key: ValidatorKey;
  address: Hex;
  baseFeePerGas: bigint;
  /** A read-only call on the head state. */
  call(to: Hex, data: string): Promise<string>;
  nextNonce(address: Hex): Promise<bigint>;
  submit(tx: TypedTransaction): Promise<void>;
  log: Logger;
}

/** Submits evidence as this validator's transaction (skipping its own, and offenders already punished). */
export class EvidenceReporter {
  submitted = 0;

  constructor(private readonly o: EvidenceReporterOptions) {}

  async submit(ready: Evidence[]): Promise<void> {
    for (const e of ready) {
      if (e.validator === this.o.address) continue;
      try {
        const punished = await this.o.call(this.o.slashing, SLASHING_ABI.encodeFunctionData("isDoubleSignPunished", [e.validator, e.number]));
        if (BigInt(punished) !== 0n) continue;
        const data = SLASHING_ABI.encodeFunctionData("submitDoubleSignEvidence", [e.number, e.a.hash, e.a.signature, e.b.hash, e.b.signature]);
        const tx = signNodeTransaction(
          createFeeMarket1559Tx(
          {
            chainId: this.o.chainId,
            nonce: await this.o.nextNonce(this.o.address),
            to: this.o.slashing,
            data: hexToBytes(data as Hex),
            gasLimit: 1_000_000n,
            maxFeePerGas: this.o.baseFeePerGas * 2n + 1n,
            maxPriorityFeePerGas: 1n,
          },
          { common: this.o.common },
          ),
          this.o.key,
        );
        await this.o.submit(tx);
        this.submitted++;
        this.o.log.warn("double-sign evidence submitted", { validator: e.validator, number: e.number.toString(), tx: bytesToHex(tx.hash()) });
      } catch (err) {
        this.o.log.error("could not submit double-sign evidence", { error: (err as Error).message });
      }
    }
  }
}
