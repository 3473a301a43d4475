/**
 * The signer's DApp API (services/signer, docs/tx-api.md) through the console server (`/api/signer/v1/dapps/…`), with
 * the DApp's own service key: the console holds no signer credential.
 */
import { fetchJson } from "./http";

export interface SignerWallet {
  userId: string;
  address: string;
  twoFactor: "none" | "pending" | "enrolled";
  locked: boolean;
  lockedUntil: string | null;
  createdAt: string;
}

export interface SignerTransaction {
  id: string;
  chainId: number;
  template: string;
  to: string | null;
  amount: string;
  nonce: number;
  hash: string;
  status: string;
  error: string | null;
  blockNumber: number | null;
  createdAt: string;
}

export interface SignerCredentials {
  dapp: string;
  serviceKey: string;
}

function call<T>(c: SignerCredentials, method: string, path: string, body?: unknown): Promise<T> {
  return fetchJson<T>(`/api/signer/v1/dapps/${encodeURIComponent(c.dapp)}${path}`, undefined, {
    method,
    headers: { authorization: `Bearer ${c.serviceKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const user = (id: string) => `/wallets/${encodeURIComponent(id)}`;

export const signerApi = {
  createWallet: (c: SignerCredentials, userId: string) => call<SignerWallet>(c, "POST", "/wallets", { userId }),
  wallet: (c: SignerCredentials, userId: string) => call<SignerWallet>(c, "GET", user(userId)),
  enroll: (c: SignerCredentials, userId: string, pin: string, current?: { otp: string; currentPin: string }) => call<{ otpauthUri: string; secret: string }>(c, "POST", `${user(userId)}/2fa`, { pin, ...(current ?? {}) }),
  confirm: (c: SignerCredentials, userId: string, otp: string) => call<SignerWallet>(c, "POST", `${user(userId)}/2fa/confirm`, { otp }),
  transactions: (c: SignerCredentials, userId: string) => call<{ transactions: SignerTransaction[] }>(c, "GET", `${user(userId)}/transactions?limit=20`),
};
