/**
 * The RPC server's client allow-list (`rpc.allowFrom`): addresses and CIDR ranges (IPv4 and IPv6) whose connections the
 * node serves; everyone else gets HTTP 403. A product chain's nodes list the gateway's addresses here, so the chain is
 * reachable only through the gateway (and its API keys) even when a node's port is reachable from elsewhere.
 */
import net from "node:net";
import { LuniverseError } from "../../lib/errors";

/** An allow-list entry that is neither an IP address nor a CIDR range. */
export class AllowListError extends LuniverseError<"RPC_ALLOW_LIST"> {
  override name = "AllowListError";
  constructor(entry: string, why: string) {
    super("RPC_ALLOW_LIST", `rpc.allowFrom: ${JSON.stringify(entry)} ${why}; write an address ("127.0.0.1", "::1") or a CIDR range ("10.0.0.0/8")`);
  }
}

export class AllowList {
  private readonly list = new net.BlockList();
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = [...entries];
    for (const entry of entries) {
      const [addr, bits, extra] = entry.split("/");
      const family = addr === undefined ? 0 : net.isIP(addr);
      if (extra !== undefined || family === 0) throw new AllowListError(entry, "is not an IP address or CIDR range");
      const type = family === 4 ? "ipv4" : "ipv6";
      if (bits === undefined) {
        this.list.addAddress(addr!, type);
        continue;
      }
      const prefix = Number(bits);
      if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new AllowListError(entry, `has a bad prefix length /${bits}`);
      this.list.addSubnet(addr!, prefix, type);
    }
  }

  /** Whether a socket's remote address is allowed (IPv4-mapped IPv6 addresses match IPv4 entries). */
  allows(remote: string | undefined): boolean {
    if (remote === undefined) return false;
    if (remote.startsWith("::ffff:") && net.isIPv4(remote.slice(7))) remote = remote.slice(7);
    const family = net.isIP(remote);
    if (family === 0) return false;
    return this.list.check(remote, family === 4 ? "ipv4" : "ipv6");
  }
}
