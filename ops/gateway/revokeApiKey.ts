import type { GatewayAdmin } from "./client";
import type { ApiKeyView } from "./keys";

/** Revokes a key: every replica refuses it within a second (open WebSocket connections are closed at their next message). */
export function revokeApiKey(admin: GatewayAdmin, parameters: { key: string }): Promise<ApiKeyView> {
  return admin.request<ApiKeyView>("POST", `/keys/${encodeURIComponent(parameters.key)}/revoke`);
}
