import type { GatewayAdmin } from "./client";
import type { ApiKeyView } from "./keys";

export type RotateApiKeyReturnType = ApiKeyView & { secret?: string; replaces: string };

/** Replaces a key by a new one with the same settings (and a new secret if it had one); the old key is revoked. */
export function rotateApiKey(admin: GatewayAdmin, parameters: { key: string }): Promise<RotateApiKeyReturnType> {
  return admin.request<RotateApiKeyReturnType>("POST", `/keys/${encodeURIComponent(parameters.key)}/rotate`);
}
