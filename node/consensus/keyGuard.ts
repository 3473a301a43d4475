/**
 * One active signer per validator key: a standby node, and the guard every validator runs against a second signer.
 *
 * A **standby** holds the same key as a validator (a keystore copy, or the same HSM token) but signs nothing: it follows
 * the chain and counts the committed blocks that carry no commit signature of the key. Once the key has been absent
 * for `afterBlocks` blocks, the operator may confirm the takeover (`luniverse_takeover`, node:takeover): the standby
 * first raises its signing record past anything the other node can have signed — the higher of the record the operator
 * transfers from the old node (node:stand-down prints it) and the standby's head + 1 (a node cut off from the chain
 * cannot have signed beyond the head it knew, and that head is behind this one) — then starts signing.
 *
 * Every signing node also watches for its own key in the commit signatures of blocks it did not sign (signatures at
 * heights above its signing record: it writes the record before it signs). Such a block means another node signs
 * with this key — a standby that took over, a copy of the data dir — and this node stops signing at once, before it
 * could sign a second block at some height (a double sign the slashing contract would punish). It says so in its log,
 * its status and a metric; the operator decides which node keeps the key.
 */
import type { Block } from "@ethereumjs/block";
import { bytesToHex, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { LuniverseError } from "../../lib/errors";
import type { Logger } from "../../lib/log";
import type { FinalitySignature } from "../chain/chain";
import type { SignedCommit, SigningRecord } from "./signingRecord";

/** A takeover asked too early (the key is still signing) or of a node that is no standby / already signs. */
export class KeyGuardError extends LuniverseError<"STANDBY_NOT_READY" | "STANDBY_ALREADY_ACTIVE" | "STANDBY_NO_KEY"> {
  override name = "KeyGuardError";
}

export interface KeyGuardOptions {
  /** The key's address. */
  address: Hex;
  /** Start as a standby (not signing). */
  standby: boolean;
  /** Blocks without the key's signature before a takeover is allowed. */
  afterBlocks: number;
  log: Logger;
}

export interface KeyGuardStatus {
  validator: Hex;
  /** This node signs with the key. */
  active: boolean;
  /** "standby" (waiting), "active", or "stood-down" (another signer seen, or stood down by the operator). */
  role: "standby" | "active" | "stood-down";
  /** Height of the latest committed block carrying the key's commit signature (null: none seen since start). */
  lastSignedHeight: string | null;
  /** Committed blocks since then (or since start) without it. */
  absentBlocks: number;
  afterBlocks: number;
  /** A takeover would be accepted now. */
  ready: boolean;
  /** The block that showed another signer of this key, when one did. */
  otherSigner: { height: string; hash: Hex } | null;
  /** This node's signing record (what a takeover elsewhere must be fenced above). */
  signingRecord: { height: string; hash: Hex } | null;
}

export class KeyGuard {
  private active: boolean;
  private role: KeyGuardStatus["role"];
  private lastSigned: bigint | null = null;
  private absent = 0;
  private other: { height: bigint; hash: Hex } | null = null;
  /** Takeovers, stand-downs and other signers seen, for metrics. */
  readonly stats = { takeovers: 0, standDowns: 0, otherSigners: 0 };

  constructor(
    private readonly signing: SigningRecord,
    private readonly head: () => bigint,
    private readonly o: KeyGuardOptions,
  ) {
    this.active = !o.standby;
    this.role = o.standby ? "standby" : "active";
  }

  /** Whether this node may sign with the key now (the round machine asks before proposing, prevoting or signing). */
  get signs(): boolean {
    return this.active;
  }

  /** Every committed block (consensus or sync), with the commit signatures stored with it. */
  onCommitted(block: Block, signatures: readonly FinalitySignature[]): void {
    const height = block.header.number;
    const signed = signatures.some((s) => s.validator.toLowerCase() === this.o.address);
    if (!signed) {
      this.absent++;
      return;
    }
    this.lastSigned = height;
    this.absent = 0;
    const record = this.signing.latest;
    if (this.active && (record === null || height > record.height)) {
      // this node never signed at this height (its record is written before any signature): another node did
      this.active = false;
      this.role = "stood-down";
      this.other = { height, hash: bytesToHex(block.hash()) as Hex };
      this.stats.otherSigners++;
      this.o.log.error("another node signs with this validator's key: this node stopped signing", {
        validator: this.o.address,
        height: height.toString(),
        hash: this.other.hash,
        signingRecord: record === null ? null : record.height.toString(),
        hint: "stop one of the two nodes; to sign here again, run node:takeover on this node once the other is stopped",
      });
    }
  }

  status(): KeyGuardStatus {
    const rec = this.signing.latest;
    return {
      validator: this.o.address,
      active: this.active,
      role: this.role,
      lastSignedHeight: this.lastSigned === null ? null : this.lastSigned.toString(),
      absentBlocks: this.absent,
      afterBlocks: this.o.afterBlocks,
      ready: !this.active && this.absent >= this.o.afterBlocks,
      otherSigner: this.other === null ? null : { height: this.other.height.toString(), hash: this.other.hash },
      signingRecord: rec === null ? null : { height: rec.height.toString(), hash: rec.hash },
    };
  }

  /**
   * Starts signing with the key, after fencing the signing record above `transferred` (the old node's record) and
   * above this node's head + 1. Refused while the key still signs (absent for fewer than `afterBlocks` blocks).
   */
  async takeover(transferred: SignedCommit | null): Promise<KeyGuardStatus> {
    if (this.active) throw new KeyGuardError("STANDBY_ALREADY_ACTIVE", `this node already signs for ${this.o.address}`);
    if (this.absent < this.o.afterBlocks) {
      throw new KeyGuardError("STANDBY_NOT_READY", `the key ${this.o.address} signed ${this.absent} block(s) ago; a takeover needs ${this.o.afterBlocks} blocks without its signature`, {
        hint: "stop the node that signs with it (node:stand-down), wait for the blocks, then run node:takeover again",
      });
    }
    const fence = [this.head() + 1n, transferred?.height ?? 0n].reduce((a, b) => (a > b ? a : b));
    await this.signing.fence(fence);
    this.active = true;
    this.role = "active";
    this.other = null;
    this.stats.takeovers++;
    this.o.log.warn("takeover: this node now signs for the validator", { validator: this.o.address, fencedAt: fence.toString() });
    return this.status();
  }

  /** Stops signing (a planned switch to a standby); returns the signing record to hand to it. */
  standDown(): KeyGuardStatus {
    if (this.active) {
      this.active = false;
      this.role = "stood-down";
      this.stats.standDowns++;
      this.o.log.warn("stood down: this node signs nothing for the validator until node:takeover", { validator: this.o.address });
    }
    return this.status();
  }
}
