/**
 * Anchors the audit log's head on the main chain with the existing anchoring: the log is a "child" of the
 * AnchorRegistry (registered by governance under its own id, `audit.anchor.logId`), its entries are the child's
 * "blocks", and a range `start..end` is anchored with the hash of entry `end` — which commits, through the hash chain,
 * to every entry before it. The registry's `nextStart` is the truth about what is anchored, so a crash between the
 * transaction and its record changes nothing. The anchor is signed by an HSM key of the signer.
 */
import { JsonRpcProvider, NonceManager } from "ethers";
import type { Hsm } from "../../lib/hsm";
import { HsmSigner } from "../../lib/hsmSigner";
import type { Logger } from "../../lib/log";
import { typechain } from "../../lib/typechain";
import type { AuditAnchorConfig } from "./config";
import type { SignerMetrics } from "./metrics";
import type { SignerStore } from "./store";

const MAX_RANGE = 65_536;

export class AuditAnchorer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly provider: JsonRpcProvider;
  private readonly signer: NonceManager;
  readonly address: string;

  constructor(
    private readonly cfg: AuditAnchorConfig,
    hsm: Hsm,
    private readonly store: SignerStore,
    private readonly log: Logger,
    private readonly metrics: SignerMetrics,
  ) {
    this.provider = new JsonRpcProvider(cfg.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 });
    const key = hsm.findKey(cfg.key) ?? hsm.generateKey(cfg.key);
    this.address = key.address;
    this.signer = new NonceManager(HsmSigner.fromHsm(hsm, cfg.key, this.provider));
  }

  start(): void {
    const loop = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        await this.anchorOnce();
      } catch (e) {
        this.signer.reset();
        this.log.warn("audit anchoring failed; retrying", { error: (e as Error).message });
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.cfg.everyMs);
    };
    this.timer = setTimeout(() => void loop(), Math.min(this.cfg.everyMs, 1_000));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.provider.destroy();
  }

  /** Anchors the entries after the registry's `nextStart` up to the head (at most one range); returns the range or null. */
  async anchorOnce(): Promise<{ start: number; end: number; head: string; tx: string } | null> {
    const registry = typechain().AnchorRegistry__factory.connect(this.cfg.registry, this.signer);
    const next = Number(await registry.nextStart(this.cfg.logId));
    const head = this.store.auditHead();
    if (head.seq < Math.max(next, 1)) return null;
    const end = Math.min(head.seq, next + MAX_RANGE - 1);
    const entry = this.store.auditEntry(end)!;
    const tx = await registry.anchor(this.cfg.logId, next, end, entry.hash);
    const receipt = await tx.wait();
    this.store.insertAnchor({ end_seq: end, start_seq: next, head: entry.hash, tx_hash: tx.hash, block: receipt?.blockNumber ?? null, status: "confirmed", at: Date.now() });
    this.metrics.auditAnchored.set({}, end);
    this.log.info("audit log anchored", { start: next, end, head: entry.hash, tx: tx.hash });
    return { start: next, end, head: entry.hash, tx: tx.hash };
  }
}
