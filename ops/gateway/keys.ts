/** The API-key operations on a gateway (through its admin API): the view of a key they return. */
import type { KeyLimits } from "../../lib/gatewayApi";

/** A key as the admin API shows it (never the secret's hash; the secret itself only once, on create and rotate). */
export interface ApiKeyView {
  key: string;
  dapp: string;
  name: string;
  hasSecret: boolean;
  chains: string[];
  methods: string[] | null;
  contracts: string[] | null;
  origins: string[] | null;
  limits: KeyLimits;
  status: "active" | "revoked";
  createdAt: number;
  revokedAt: number | null;
  rotatedTo: string | null;
}

/** What may be set on a key. Chains by id or registered name; null lists mean "any". */
export interface ApiKeySettings {
  name?: string;
  chains?: string[];
  methods?: string[] | null;
  contracts?: string[] | null;
  origins?: string[] | null;
  limits?: Partial<KeyLimits>;
}
