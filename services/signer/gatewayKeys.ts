/**
 * DApps authenticated by their gateway API keys: the key is read through the gateway's admin API (ops/gateway: which
 * DApp, active or revoked, whether it has a secret) and its secret checked by the gateway itself (a DApp's own
 * `GET /v1/keys/<key>/analytics` with `X-Key-Secret` answers 401 to a wrong one). A key without a secret is refused:
 * the key alone travels in RPC URLs and cannot authorise signing.
 */
import { gatewayAdmin } from "../../ops/gateway/client";
import { readApiKey } from "../../ops/gateway/readApiKey";
import type { SignerGatewayConfig } from "./config";
import { SignerError } from "./errors";
import type { GatewayKeys } from "./service";

export function gatewayKeys(cfg: SignerGatewayConfig, adminToken: string): GatewayKeys {
  const admin = gatewayAdmin(cfg.url, adminToken);
  return {
    async verify(key: string, secret: string | null): Promise<string> {
      if (!/^[0-9a-f]{32}$/.test(key)) throw new SignerError("SIGNER_AUTH", "the key is neither a signer service key (lsk_…) nor a gateway API key (32 hex characters)");
      let view;
      try {
        view = await readApiKey(admin, { key });
      } catch (e) {
        const msg = (e as Error).message;
        if (/not reachable/.test(msg)) throw new SignerError("SIGNER_UPSTREAM", `the gateway at ${cfg.url} is not reachable to check the API key`, { details: msg });
        throw new SignerError("SIGNER_AUTH", `unknown gateway API key`, { details: msg });
      }
      if (view.status !== "active") throw new SignerError("SIGNER_AUTH", `the gateway API key is ${view.status}`);
      if (!view.hasSecret) throw new SignerError("SIGNER_AUTH", "this gateway API key has no secret: a key used to sign must have one (gateway:key:create --secret); send it in X-Key-Secret");
      if (secret === null) throw new SignerError("SIGNER_AUTH", "send the gateway API key's secret in the X-Key-Secret header");
      let res: Response;
      try {
        res = await fetch(`${cfg.url}/v1/keys/${key}/analytics?from=${Date.now()}`, { headers: { "x-key-secret": secret }, signal: AbortSignal.timeout(10_000) });
      } catch (e) {
        throw new SignerError("SIGNER_UPSTREAM", `the gateway at ${cfg.url} is not reachable to check the key's secret`, { details: (e as Error).message });
      }
      await res.arrayBuffer();
      if (res.status === 401) throw new SignerError("SIGNER_AUTH", "wrong secret for this gateway API key");
      if (!res.ok) throw new SignerError("SIGNER_UPSTREAM", `the gateway answered HTTP ${res.status} when checking the key's secret`);
      return view.dapp;
    },
  };
}
