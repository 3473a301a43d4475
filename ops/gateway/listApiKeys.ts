import type { GatewayAdmin } from "./client";
import type { ApiKeyView } from "./keys";

/** Every key, or one DApp's keys, newest first. */
export function listApiKeys(admin: GatewayAdmin, parameters: { dapp?: string } = {}): Promise<ApiKeyView[]> {
  return admin.request<ApiKeyView[]>("GET", parameters.dapp === undefined ? "/keys" : `/keys?dapp=${encodeURIComponent(parameters.dapp)}`);
}
