/**
 * A gas-free chain's gas policy (contracts/gas/GasPolicy.sol) as the node reads it: from the head state, through
 * one VM (consensus/validators.ts HeadCaller), cached.
 *
 * What is cached and when it is forgotten — every change of the policy's state emits an event, so the committed
 * block's logs say exactly what to read again (`onBlock`):
 *   - the parameters: re-read on `ParamsSet`;
 *   - each address's policy (`accountPolicy`: sponsor as sender and as contract, quota, blacklisted until): dropped on
 *     an event naming it (`SponsoredAccountSet`, `SponsoredContractSet`, `AccountQuotaSet`, `Blacklisted`,
 *     `BlacklistRemoved`); all of them on `SponsorUpdated` (a sponsor (de)activated changes its members' answers);
 *   - each sponsor's budget: dropped on `SponsorRegistered`, `SponsorBudgetSet`, `SponsorUpdated`;
 *   - nothing on `AbuserReported` (a blacklisting it causes has its own event);
 *   - everything on `Upgraded` (new code), and when `version()` moved without any of the policy's events (a safety
 *     net: every event of IGasPolicy is in GAS_POLICY_ABI, so it only fires for changes this node does not know).
 * A blacklist entry's expiry is a timestamp, compared with the block's time: expiring needs no re-read.
 */
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import { Interface } from "ethers";
import type { HeadCaller } from "../consensus/validators";
import type { StoredReceipt } from "../execution/executor";

export const GAS_POLICY_ABI = new Interface([
  "function params() view returns ((uint64 windowSeconds, uint64 maxTxGas, uint64 defaultAccountQuota, uint16 unsponsoredShareBps, uint64 abuseGasPerWindow, uint32 abuseRevertsPerWindow, uint32 abuseRejectionsPerWindow, uint64 reportBlacklistSeconds))",
  "function version() view returns (uint256)",
  "function accountPolicy(address account) view returns ((uint256 senderSponsor, uint256 contractSponsor, uint64 quota, uint64 blacklistedUntil))",
  "function sponsor(uint256 id) view returns ((string name, address admin, uint64 budgetPerWindow, bool active, uint32 contracts, uint32 accounts))",
  "function blacklistedAccounts() view returns (address[] accounts, uint64[] untils)",
  "function reportAbusers(address[] accounts, uint64 window, uint8[] reasons)",
  "event ParamsSet((uint64 windowSeconds, uint64 maxTxGas, uint64 defaultAccountQuota, uint16 unsponsoredShareBps, uint64 abuseGasPerWindow, uint32 abuseRevertsPerWindow, uint32 abuseRejectionsPerWindow, uint64 reportBlacklistSeconds) params)",
  "event SponsorRegistered(uint256 indexed id, string name, address indexed admin, uint64 budgetPerWindow)",
  "event SponsorBudgetSet(uint256 indexed id, uint64 budgetPerWindow)",
  "event SponsorUpdated(uint256 indexed id, address indexed admin, bool active)",
  "event SponsoredContractSet(uint256 indexed id, address indexed target, bool sponsored)",
  "event SponsoredAccountSet(uint256 indexed id, address indexed account, bool sponsored)",
  "event AccountQuotaSet(address indexed account, uint64 quota, bool isSet)",
  "event Blacklisted(address indexed account, uint64 until, bool byReports, string reason)",
  "event BlacklistRemoved(address indexed account)",
  "event AbuserReported(address indexed account, uint64 indexed window, address indexed reporter, uint8 reason, uint256 reports, uint256 needed)",
  "event Upgraded(address indexed implementation)",
]);

/** The policy's parameters (IGasPolicy.Params). */
export interface GasPolicyParams {
  windowSeconds: bigint;
  maxTxGas: bigint;
  defaultAccountQuota: bigint;
  unsponsoredShareBps: bigint;
  abuseGasPerWindow: bigint;
  abuseRevertsPerWindow: number;
  abuseRejectionsPerWindow: number;
  reportBlacklistSeconds: bigint;
}

/** One address's policy (IGasPolicy.AccountPolicy); sponsor 0 = none. */
export interface AccountPolicy {
  senderSponsor: bigint;
  contractSponsor: bigint;
  quota: bigint;
  blacklistedUntil: bigint;
}

/** Why a validator reports an account (IGasPolicy.AbuseReason). */
export const ABUSE_REASONS = ["executed-gas", "reverts", "rejections"] as const;
export type AbuseReason = (typeof ABUSE_REASONS)[number];

/** Addresses whose policy is kept (least recently loaded dropped first). */
const MAX_ACCOUNTS = 200_000;

export class GasPolicyView {
  private paramsCache: GasPolicyParams | null = null;
  private readonly accounts = new Map<Hex, AccountPolicy>();
  private readonly sponsors = new Map<bigint, { budget: bigint; active: boolean }>();
  private version: bigint | null = null;
  /** accountPolicy calls that went to the VM (tests, stats). */
  reads = 0;

  constructor(
    private readonly caller: Pick<HeadCaller, "call">,
    readonly address: Hex,
  ) {}

  /** The parameters (read once, then again after `ParamsSet`). */
  async params(): Promise<GasPolicyParams> {
    if (this.paramsCache === null) {
      const [p] = await this.read("params", []);
      this.paramsCache = {
        windowSeconds: p.windowSeconds as bigint,
        maxTxGas: p.maxTxGas as bigint,
        defaultAccountQuota: p.defaultAccountQuota as bigint,
        unsponsoredShareBps: p.unsponsoredShareBps as bigint,
        abuseGasPerWindow: p.abuseGasPerWindow as bigint,
        abuseRevertsPerWindow: Number(p.abuseRevertsPerWindow),
        abuseRejectionsPerWindow: Number(p.abuseRejectionsPerWindow),
        reportBlacklistSeconds: p.reportBlacklistSeconds as bigint,
      };
    }
    return this.paramsCache;
  }

  /** The parameters if loaded (synchronous: block building). */
  get loadedParams(): GasPolicyParams | null {
    return this.paramsCache;
  }

  /** Loads the policy of every address not cached yet, and the budgets of their sponsors. */
  async ensure(addresses: Iterable<Hex>): Promise<void> {
    for (const a of addresses) {
      if (this.accounts.has(a)) continue;
      this.reads++;
      const [p] = await this.read("accountPolicy", [a]);
      const policy: AccountPolicy = {
        senderSponsor: p.senderSponsor as bigint,
        contractSponsor: p.contractSponsor as bigint,
        quota: p.quota as bigint,
        blacklistedUntil: p.blacklistedUntil as bigint,
      };
      if (this.accounts.size >= MAX_ACCOUNTS) this.accounts.delete(this.accounts.keys().next().value as Hex);
      this.accounts.set(a, policy);
      for (const id of [policy.senderSponsor, policy.contractSponsor]) if (id !== 0n) await this.ensureSponsor(id);
    }
  }

  private async ensureSponsor(id: bigint): Promise<void> {
    if (this.sponsors.has(id)) return;
    const [s] = await this.read("sponsor", [id]);
    this.sponsors.set(id, { budget: s.budgetPerWindow as bigint, active: s.active as boolean });
  }

  /** Whether an address's policy is loaded. */
  has(address: Hex): boolean {
    return this.accounts.has(address);
  }

  /** An address's policy if loaded (synchronous). */
  peek(address: Hex): AccountPolicy | undefined {
    return this.accounts.get(address);
  }

  /** A sponsor's budget per window (0 when inactive or not loaded). */
  sponsorBudget(id: bigint): bigint {
    const s = this.sponsors.get(id);
    return s !== undefined && s.active ? s.budget : 0n;
  }

  /** A sponsor's budget, read if needed (RPC). */
  async sponsorInfo(id: bigint): Promise<{ budget: bigint; active: boolean }> {
    await this.ensureSponsor(id);
    return this.sponsors.get(id) as { budget: bigint; active: boolean };
  }

  /** The accounts blacklisted now (a call: metrics and RPC only). */
  async blacklistSize(): Promise<number> {
    const [accounts] = await this.read("blacklistedAccounts", []);
    return (accounts as string[]).length;
  }

  /**
   * A block was committed: forgets what its policy events changed (see the module comment). Returns the accounts it
   * blacklisted or removed from the blacklist.
   */
  async onBlock(receipts: readonly StoredReceipt[]): Promise<Hex[]> {
    let events = 0;
    const decided: Hex[] = [];
    for (const r of receipts) {
      for (const [address, topics, data] of r.logs) {
        if (address.toLowerCase() !== this.address) continue;
        let log;
        try {
          log = GAS_POLICY_ABI.parseLog({ topics, data });
        } catch {
          continue;
        }
        if (log === null) continue;
        events++;
        switch (log.name) {
          case "ParamsSet":
            this.paramsCache = null;
            break;
          case "SponsoredContractSet":
          case "SponsoredAccountSet":
            this.accounts.delete((log.args[1] as string).toLowerCase() as Hex);
            break;
          case "Blacklisted":
          case "BlacklistRemoved":
            decided.push((log.args[0] as string).toLowerCase() as Hex);
            this.accounts.delete((log.args[0] as string).toLowerCase() as Hex);
            break;
          case "AccountQuotaSet":
            this.accounts.delete((log.args[0] as string).toLowerCase() as Hex);
            break;
          case "SponsorRegistered":
          case "SponsorBudgetSet":
            this.sponsors.delete(log.args[0] as bigint);
            break;
          case "SponsorUpdated":
            this.sponsors.delete(log.args[0] as bigint);
            this.accounts.clear();
            break;
          case "Upgraded":
            this.clear();
            break;
          // AbuserReported changes nothing the node reads (a blacklisting has its own event)
        }
      }
    }
    const [v] = await this.read("version", []);
    if (this.version !== null && v !== this.version && events === 0) this.clear();
    this.version = v as bigint;
    if (this.paramsCache === null) await this.params();
    return decided;
  }

  /** Forgets everything (tests; an upgrade). */
  clear(): void {
    this.paramsCache = null;
    this.accounts.clear();
    this.sponsors.clear();
  }

  private async read(fn: string, args: unknown[]) {
    const out = await this.caller.call(this.address, GAS_POLICY_ABI.encodeFunctionData(fn, args));
    return GAS_POLICY_ABI.decodeFunctionResult(fn, out);
  }
}

/** Whether a policy says `address` is blacklisted at `timestamp` (seconds). */
export function blacklistedAt(p: AccountPolicy | undefined, timestamp: bigint): boolean {
  return p !== undefined && p.blacklistedUntil > timestamp;
}
