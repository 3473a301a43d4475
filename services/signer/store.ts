/**
 * The signer's state in one SQLite file (better-sqlite3, WAL): DApps, wallets (one HSM key per end user, 2FA state),
 * nonces per key and chain, transactions (the signed bytes are written before anything is sent, so a crash loses
 * nothing and a restart sends nothing twice) and the append-only, hash-chained audit log with its anchors.
 *
 * better-sqlite3 is synchronous: a nonce is allocated, the transaction signed and its row and audit entry written in
 * one synchronous SQLite transaction, so concurrent requests never interleave there (no gap, no duplicate).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { SignerError } from "./errors";

export const GENESIS_HASH = "0x" + "00".repeat(32);

export interface DappRow {
  id: string;
  name: string;
  key_hash: string;
  policy: string;
  created_at: number;
}

export interface WalletRow {
  dapp: string;
  user_id: string;
  key_label: string;
  address: string;
  policy: string | null;
  pin_hash: string | null;
  pin_pending: string | null;
  totp_secret: string | null;
  totp_pending: string | null;
  enrolled_at: number | null;
  last_step: number;
  failures: number;
  locked_until: number;
  created_at: number;
}

export type TxStatus = "signed" | "pending" | "included" | "reverted" | "dropped";

export interface TxRow {
  id: string;
  dapp: string;
  user_id: string;
  idem: string | null;
  request_hash: string;
  chain_id: number;
  template: string;
  sender: string;
  target: string | null;
  value: string;
  amount: string;
  /** What `amount` is of (a token or template contract, or "native"): the daily total is per chain and asset. */
  asset: string;
  nonce: number;
  raw: string;
  hash: string;
  status: TxStatus;
  error: string | null;
  block: number | null;
  receipt: string | null;
  replaced_by: string | null;
  created_at: number;
  sent_at: number | null;
  updated_at: number;
  day: number;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  decision: "allow" | "deny" | "info";
  reason: string | null;
  data: string | null;
  prev: string;
  hash: string;
}

export interface AuditAnchorRow {
  end_seq: number;
  start_seq: number;
  head: string;
  tx_hash: string | null;
  block: number | null;
  status: "sent" | "confirmed";
  at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dapps(id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL, policy TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS wallets(
  dapp TEXT NOT NULL, user_id TEXT NOT NULL, key_label TEXT NOT NULL UNIQUE, address TEXT NOT NULL, policy TEXT,
  pin_hash TEXT, pin_pending TEXT, totp_secret TEXT, totp_pending TEXT, enrolled_at INTEGER, last_step INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
  PRIMARY KEY(dapp, user_id));
CREATE TABLE IF NOT EXISTS nonces(address TEXT NOT NULL, chain_id INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY(address, chain_id));
CREATE TABLE IF NOT EXISTS txs(
  id TEXT PRIMARY KEY, dapp TEXT NOT NULL, user_id TEXT NOT NULL, idem TEXT, request_hash TEXT NOT NULL,
  chain_id INTEGER NOT NULL, template TEXT NOT NULL, sender TEXT NOT NULL, target TEXT, value TEXT NOT NULL,
  amount TEXT NOT NULL, asset TEXT NOT NULL, nonce INTEGER NOT NULL, raw TEXT NOT NULL, hash TEXT NOT NULL, status TEXT NOT NULL,
  error TEXT, block INTEGER, receipt TEXT, replaced_by TEXT, created_at INTEGER NOT NULL, sent_at INTEGER,
  updated_at INTEGER NOT NULL, day INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS txs_idem ON txs(dapp, idem) WHERE idem IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS txs_nonce ON txs(chain_id, sender, nonce) WHERE status != 'dropped';
CREATE INDEX IF NOT EXISTS txs_open ON txs(status) WHERE status IN ('signed', 'pending');
CREATE INDEX IF NOT EXISTS txs_user_day ON txs(dapp, user_id, day, chain_id, asset);
CREATE INDEX IF NOT EXISTS txs_hash ON txs(hash);
CREATE TABLE IF NOT EXISTS audit(
  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT,
  decision TEXT NOT NULL, reason TEXT, data TEXT, prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_anchors(end_seq INTEGER PRIMARY KEY, start_seq INTEGER NOT NULL, head TEXT NOT NULL, tx_hash TEXT, block INTEGER, status TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

/** The hash of an audit entry: sha256 over the previous hash and the entry's fields (JSON array, fixed order). */
export function auditHash(prev: string, e: Omit<AuditEntry, "prev" | "hash">): string {
  const body = JSON.stringify([e.seq, e.at, e.actor, e.action, e.subject, e.decision, e.reason, e.data]);
  return "0x" + createHash("sha256").update(prev).update("|").update(body).digest("hex");
}

export class SignerStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, "signer.sqlite");
    try {
      this.db = new Database(file);
      this.db.pragma("journal_mode = WAL");
      // WAL + NORMAL: a committed transaction survives a crash of the process (kill -9); FULL would also survive power loss
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new SignerError("SIGNER_UNAVAILABLE", `cannot open the signer's store ${file}`, { details: (e as Error).message, hint: "check dataDir and that its folder is writable" });
    }
  }

  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one synchronous SQLite transaction (BEGIN IMMEDIATE). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    this.db.close();
  }

  // --- DApps -------------------------------------------------------------------------------------------------------

  dapp(id: string): DappRow | undefined {
    return this.stmt("SELECT * FROM dapps WHERE id = ?").get(id) as DappRow | undefined;
  }

  dapps(): DappRow[] {
    return this.stmt("SELECT * FROM dapps ORDER BY id").all() as DappRow[];
  }

  insertDapp(d: DappRow): void {
    this.stmt("INSERT INTO dapps(id, name, key_hash, policy, created_at) VALUES (@id, @name, @key_hash, @policy, @created_at)").run(d);
  }

  setDappPolicy(id: string, policy: string): void {
    this.stmt("UPDATE dapps SET policy = ? WHERE id = ?").run(policy, id);
  }

  setDappKey(id: string, keyHash: string): void {
    this.stmt("UPDATE dapps SET key_hash = ? WHERE id = ?").run(keyHash, id);
  }

  // --- wallets -----------------------------------------------------------------------------------------------------

  wallet(dapp: string, userId: string): WalletRow | undefined {
    return this.stmt("SELECT * FROM wallets WHERE dapp = ? AND user_id = ?").get(dapp, userId) as WalletRow | undefined;
  }

  walletCount(dapp: string): number {
    return (this.stmt("SELECT COUNT(*) AS n FROM wallets WHERE dapp = ?").get(dapp) as { n: number }).n;
  }

  insertWallet(w: Pick<WalletRow, "dapp" | "user_id" | "key_label" | "address" | "created_at">): void {
    this.stmt("INSERT INTO wallets(dapp, user_id, key_label, address, created_at) VALUES (@dapp, @user_id, @key_label, @address, @created_at)").run(w);
  }

  updateWallet(dapp: string, userId: string, fields: Partial<Omit<WalletRow, "dapp" | "user_id">>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    const sql = `UPDATE wallets SET ${keys.map((k) => `${k} = @${k}`).join(", ")} WHERE dapp = @dapp AND user_id = @user_id`;
    this.stmt(sql).run({ ...fields, dapp, user_id: userId });
  }

  /** Marks a TOTP step used; false when it (or a later one) already was — a replayed code. */
  consumeStep(dapp: string, userId: string, step: number): boolean {
    return this.stmt("UPDATE wallets SET last_step = ? WHERE dapp = ? AND user_id = ? AND last_step < ?").run(step, dapp, userId, step).changes === 1;
  }

  // --- nonces ------------------------------------------------------------------------------------------------------

  hasNonce(address: string, chainId: number): boolean {
    return this.stmt("SELECT 1 FROM nonces WHERE address = ? AND chain_id = ?").get(address, chainId) !== undefined;
  }

  /** Sets the first nonce of a key on a chain (from the chain's pending count) unless one is known. */
  initNonce(address: string, chainId: number, next: number): void {
    this.stmt("INSERT OR IGNORE INTO nonces(address, chain_id, next) VALUES (?, ?, ?)").run(address, chainId, next);
  }

  /** Takes the key's next nonce (inside a transaction). */
  takeNonce(address: string, chainId: number): number {
    const row = this.stmt("SELECT next FROM nonces WHERE address = ? AND chain_id = ?").get(address, chainId) as { next: number } | undefined;
    if (row === undefined) throw new SignerError("SIGNER_UNAVAILABLE", `no nonce known for ${address} on chain ${chainId}`);
    this.stmt("UPDATE nonces SET next = ? WHERE address = ? AND chain_id = ?").run(row.next + 1, address, chainId);
    return row.next;
  }

  // --- transactions ------------------------------------------------------------------------------------------------

  txById(id: string): TxRow | undefined {
    return this.stmt("SELECT * FROM txs WHERE id = ?").get(id) as TxRow | undefined;
  }

  /** The transaction that `fillerId` replaced at its nonce. */
  txReplacedBy(fillerId: string): TxRow | undefined {
    return this.stmt("SELECT * FROM txs WHERE replaced_by = ?").get(fillerId) as TxRow | undefined;
  }

  txByIdem(dapp: string, idem: string): TxRow | undefined {
    return this.stmt("SELECT * FROM txs WHERE dapp = ? AND idem = ?").get(dapp, idem) as TxRow | undefined;
  }

  txsOfUser(dapp: string, userId: string, limit: number): TxRow[] {
    return this.stmt("SELECT * FROM txs WHERE dapp = ? AND user_id = ? ORDER BY created_at DESC, nonce DESC LIMIT ?").all(dapp, userId, limit) as TxRow[];
  }

  /** What a user moved of one asset on one chain on a UTC day, in transactions that are not dropped or reverted. */
  spentOn(dapp: string, userId: string, day: number, chainId: number, asset: string): bigint {
    const rows = this.stmt("SELECT amount FROM txs WHERE dapp = ? AND user_id = ? AND day = ? AND chain_id = ? AND asset = ? AND status NOT IN ('dropped', 'reverted')").all(dapp, userId, day, chainId, asset) as { amount: string }[];
    return rows.reduce((s, r) => s + BigInt(r.amount), 0n);
  }

  insertTx(t: TxRow): void {
    this.stmt(
      `INSERT INTO txs(id, dapp, user_id, idem, request_hash, chain_id, template, sender, target, value, amount, asset, nonce, raw, hash, status, error, block, receipt, replaced_by, created_at, sent_at, updated_at, day)
       VALUES (@id, @dapp, @user_id, @idem, @request_hash, @chain_id, @template, @sender, @target, @value, @amount, @asset, @nonce, @raw, @hash, @status, @error, @block, @receipt, @replaced_by, @created_at, @sent_at, @updated_at, @day)`,
    ).run(t);
  }

  updateTx(id: string, fields: Partial<Pick<TxRow, "status" | "error" | "block" | "receipt" | "replaced_by" | "sent_at">>): void {
    const keys = Object.keys(fields);
    const sql = `UPDATE txs SET ${keys.map((k) => `${k} = @${k}`).join(", ")}, updated_at = @updated_at WHERE id = @id`;
    this.stmt(sql).run({ ...fields, id, updated_at: Date.now() });
  }

  /** Transactions not final yet (signed, or accepted by a node and not in a block), in nonce order per key. */
  openTxs(): TxRow[] {
    return this.stmt("SELECT * FROM txs WHERE status IN ('signed', 'pending') ORDER BY chain_id, sender, nonce").all() as TxRow[];
  }

  countByStatus(): Record<string, number> {
    const rows = this.stmt("SELECT status, COUNT(*) AS n FROM txs GROUP BY status").all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  // --- audit log ---------------------------------------------------------------------------------------------------

  auditHead(): { seq: number; hash: string } {
    const row = this.stmt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Appends an entry chained to the head (call inside the transaction that makes the decision it records). */
  appendAudit(e: { actor: string; action: string; subject?: string | null; decision: AuditEntry["decision"]; reason?: string | null; data?: unknown }): AuditEntry {
    const head = this.auditHead();
    const entry = {
      seq: head.seq + 1,
      at: Date.now(),
      actor: e.actor,
      action: e.action,
      subject: e.subject ?? null,
      decision: e.decision,
      reason: e.reason ?? null,
      data: e.data === undefined ? null : JSON.stringify(e.data),
    };
    const full: AuditEntry = { ...entry, prev: head.hash, hash: auditHash(head.hash, entry) };
    this.stmt("INSERT INTO audit(seq, at, actor, action, subject, decision, reason, data, prev, hash) VALUES (@seq, @at, @actor, @action, @subject, @decision, @reason, @data, @prev, @hash)").run(full);
    return full;
  }

  audit(fromSeq: number, limit: number): AuditEntry[] {
    return this.stmt("SELECT * FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?").all(fromSeq, limit) as AuditEntry[];
  }

  auditEntry(seq: number): AuditEntry | undefined {
    return this.stmt("SELECT * FROM audit WHERE seq = ?").get(seq) as AuditEntry | undefined;
  }

  /** Recomputes the chain from the first entry: the first broken link, or null when every hash holds. */
  verifyAudit(): { entries: number; head: string; brokenAt: number | null } {
    let prev = GENESIS_HASH;
    let n = 0;
    for (const e of this.stmt("SELECT * FROM audit ORDER BY seq").iterate() as Iterable<AuditEntry>) {
      n++;
      if (e.seq !== n || e.prev !== prev || auditHash(prev, e) !== e.hash) return { entries: n, head: prev, brokenAt: e.seq };
      prev = e.hash;
    }
    return { entries: n, head: prev, brokenAt: null };
  }

  lastAnchor(): AuditAnchorRow | undefined {
    return this.stmt("SELECT * FROM audit_anchors ORDER BY end_seq DESC LIMIT 1").get() as AuditAnchorRow | undefined;
  }

  anchors(limit: number): AuditAnchorRow[] {
    return this.stmt("SELECT * FROM audit_anchors ORDER BY end_seq DESC LIMIT ?").all(limit) as AuditAnchorRow[];
  }

  insertAnchor(a: AuditAnchorRow): void {
    this.stmt("INSERT OR REPLACE INTO audit_anchors(end_seq, start_seq, head, tx_hash, block, status, at) VALUES (@end_seq, @start_seq, @head, @tx_hash, @block, @status, @at)").run(a);
  }
}
