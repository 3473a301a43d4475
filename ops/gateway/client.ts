/**
 * The client of a gateway's admin API (`/admin/v1/…`): the first argument of every gateway operation, as a `Signer`
 * is for chain operations. A refusal of the gateway becomes an OperationError carrying the gateway's own message.
 *
 *   const admin = gatewayAdmin("http://127.0.0.1:8600", process.env.GATEWAY_ADMIN_TOKEN!);
 *   const { key } = await createApiKey(admin, { dapp: "demo", chains: ["main"] });
 */
import { OperationError } from "../errors";

export interface GatewayAdmin {
  /** The gateway's base URL (http://host:port). */
  readonly url: string;
  request<T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<T>;
}

export function gatewayAdmin(url: string, token: string): GatewayAdmin {
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error();
  } catch {
    throw new OperationError("OP_INVALID_PARAMETER", `gateway URL ${JSON.stringify(url)} is not an http(s) URL (e.g. http://127.0.0.1:8600)`);
  }
  if (token === "") throw new OperationError("OP_INVALID_PARAMETER", "the gateway's admin token is empty: set GATEWAY_ADMIN_TOKEN (or pass it) as the gateway was started with");
  const root = base.origin + base.pathname.replace(/\/+$/, "");
  return {
    url: root,
    async request<T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${root}/admin/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (e) {
        throw new OperationError("OP_PRECONDITION", `gateway ${root} is not reachable: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}; is it running (npm start, or gateway:start)?`);
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (!res.ok) {
        const message = (json as { error?: unknown } | undefined)?.error;
        throw new OperationError(res.status === 400 ? "OP_INVALID_PARAMETER" : "OP_PRECONDITION", `gateway refused ${method} ${path} (HTTP ${res.status}): ${typeof message === "string" ? message : text.slice(0, 200)}`);
      }
      return json as T;
    },
  };
}
