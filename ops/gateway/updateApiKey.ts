import type { GatewayAdmin } from "./client";
import type { ApiKeySettings, ApiKeyView } from "./keys";

/** Changes a key's chains, allow-lists or limits; every replica applies it within a second. */
export function updateApiKey(admin: GatewayAdmin, parameters: { key: string } & ApiKeySettings): Promise<ApiKeyView> {
  const { key, ...settings } = parameters;
  return admin.request<ApiKeyView>("PATCH", `/keys/${encodeURIComponent(key)}`, settings);
}
