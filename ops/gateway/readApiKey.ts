import type { GatewayAdmin } from "./client";
import type { ApiKeyView } from "./keys";

export type ReadApiKeyReturnType = ApiKeyView & { usage: unknown };

/** One key with its usage against its quotas (today, this month). */
export function readApiKey(admin: GatewayAdmin, parameters: { key: string }): Promise<ReadApiKeyReturnType> {
  return admin.request<ReadApiKeyReturnType>("GET", `/keys/${encodeURIComponent(parameters.key)}`);
}
