/** The signer's API as OpenAPI 3.0 (served at `GET /openapi.json`; prose and curl examples in docs/tx-api.md). */
import { SIGNER_ERRORS } from "./errors";
import { TEMPLATES } from "./templates";

const json = (schema: unknown) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = { description: "refused; `error.code` says why (see components.schemas.Error)", content: json(ref("Error")) };
const path = (name: string, description: string) => ({ name, in: "path", required: true, description, schema: { type: "string" } });
const dapp = path("dapp", "the DApp's id");
const user = path("userId", "the DApp's id of the user (phone, e-mail, social id), URL-encoded");
const amount = { type: "string", pattern: "^[0-9]+$", description: "an integer in the smallest unit, as a decimal string" };

export const OPENAPI = {
  openapi: "3.0.3",
  info: {
    title: "Luniverse signer: custodial wallets and the transaction API",
    version: "1.0.0",
    description:
      "Keys are generated and kept in an HSM (PKCS#11). A DApp creates a wallet per end user and sends transactions by template; the signer checks the policy, asks for the user's TOTP code and PIN above the threshold, assigns the nonce, signs in the HSM and sends the transaction to the chain. Every decision is in a hash-chained audit log anchored on the main chain.",
  },
  servers: [{ url: "http://127.0.0.1:8900" }],
  components: {
    securitySchemes: {
      serviceKey: { type: "http", scheme: "bearer", description: "the DApp's service key (lsk_…); X-Api-Key is accepted too" },
      operator: { type: "http", scheme: "bearer", description: "the operator token (the environment variable named by adminTokenEnv)" },
      gatewayKey: { type: "apiKey", in: "header", name: "X-Api-Key", description: "when the signer is configured with a gateway: one of the DApp's gateway API keys (the gateway DApp of the same name), with its secret in X-Key-Secret" },
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: { code: { type: "string", enum: [...Object.keys(SIGNER_ERRORS), "SIGNER_METHOD", "SIGNER_INTERNAL", "HSM_SIGN_FAILED", "HSM_MODULE"] }, message: { type: "string" }, rule: { type: "string", description: "the policy rule that refused" } },
          },
        },
      },
      Policy: {
        type: "object",
        properties: {
          maxValuePerTx: { ...amount, nullable: true },
          maxValuePerDay: { ...amount, nullable: true },
          otpThreshold: { ...amount, nullable: true, description: "above this amount the user's TOTP code and PIN are needed" },
          allowedTargets: { type: "array", items: { type: "string" }, nullable: true },
          allowedSelectors: { type: "array", items: { type: "string", pattern: "^0x[0-9a-fA-F]{8}$" }, nullable: true },
          allowedChains: { type: "array", items: { type: "integer" }, nullable: true },
        },
      },
      Wallet: {
        type: "object",
        properties: {
          userId: { type: "string" },
          address: { type: "string" },
          twoFactor: { type: "string", enum: ["none", "pending", "enrolled"] },
          locked: { type: "boolean" },
          lockedUntil: { type: "string", nullable: true },
          policy: { ...ref("Policy"), nullable: true },
          createdAt: { type: "string", format: "date-time" },
        },
      },
      TransactionRequest: {
        type: "object",
        required: ["userId", "template", "params"],
        properties: {
          userId: { type: "string" },
          chainId: { type: "integer", description: "required when the signer serves more than one chain" },
          template: { type: "string", enum: [...TEMPLATES] },
          params: { type: "object", description: "the template's parameters (docs/tx-api.md)" },
          idempotencyKey: { type: "string", description: "or the Idempotency-Key header: a retried request returns the first transaction" },
          otp: { type: "string", pattern: "^[0-9]{6}$" },
          pin: { type: "string" },
          gasLimit: { type: "integer", description: "default: estimated" },
        },
      },
      Transaction: {
        type: "object",
        properties: {
          id: { type: "string" },
          userId: { type: "string" },
          chainId: { type: "integer" },
          template: { type: "string" },
          from: { type: "string" },
          to: { type: "string" },
          value: amount,
          amount,
          nonce: { type: "integer" },
          hash: { type: "string" },
          status: { type: "string", enum: ["signed", "pending", "included", "reverted", "dropped"] },
          error: { type: "string", nullable: true },
          blockNumber: { type: "integer", nullable: true },
          receipt: { type: "object", nullable: true },
          replacedBy: { type: "string", nullable: true },
          idempotencyKey: { type: "string", nullable: true },
          createdAt: { type: "string" },
          updatedAt: { type: "string" },
        },
      },
    },
  },
  paths: {
    "/v1/admin/dapps": {
      post: {
        summary: "Create a DApp (its service key is shown once)",
        security: [{ operator: [] }],
        requestBody: { required: true, content: json({ type: "object", required: ["id"], properties: { id: { type: "string" }, name: { type: "string" }, policy: ref("Policy") } }) },
        responses: { "201": { description: "created", content: json({ type: "object", properties: { id: { type: "string" }, serviceKey: { type: "string" }, policy: ref("Policy") } }) }, "409": error, "401": error },
      },
      get: { summary: "List DApps", security: [{ operator: [] }], responses: { "200": { description: "the DApps" }, "401": error } },
    },
    "/v1/admin/dapps/{dapp}/policy": { put: { summary: "Set a DApp's policy", security: [{ operator: [] }], parameters: [dapp], requestBody: { required: true, content: json(ref("Policy")) }, responses: { "200": { description: "the policy" }, "400": error, "404": error } } },
    "/v1/admin/dapps/{dapp}/key": { post: { summary: "Rotate a DApp's service key", security: [{ operator: [] }], parameters: [dapp], responses: { "200": { description: "the new key" }, "404": error } } },
    "/v1/admin/audit": {
      get: {
        summary: "Read the audit log",
        security: [{ operator: [] }],
        parameters: [
          { name: "from", in: "query", schema: { type: "integer" } },
          { name: "limit", in: "query", schema: { type: "integer" } },
        ],
        responses: { "200": { description: "entries, head and recent anchors" } },
      },
    },
    "/v1/admin/audit/verify": { get: { summary: "Recompute the audit log's hash chain", security: [{ operator: [] }], responses: { "200": { description: "{ ok, entries, head, brokenAt, lastAnchor }" } } } },
    "/v1/dapps/{dapp}/wallets": {
      post: {
        summary: "Create (or get) a user's wallet; its key is generated in the HSM",
        security: [{ serviceKey: [] }, { gatewayKey: [] }],
        parameters: [dapp],
        requestBody: { required: true, content: json({ type: "object", required: ["userId"], properties: { userId: { type: "string" } } }) },
        responses: { "201": { description: "created", content: json(ref("Wallet")) }, "200": { description: "it existed", content: json(ref("Wallet")) }, "400": error, "401": error },
      },
    },
    "/v1/dapps/{dapp}/wallets/{userId}": { get: { summary: "A user's wallet", security: [{ serviceKey: [] }, { gatewayKey: [] }], parameters: [dapp, user], responses: { "200": { description: "the wallet", content: json(ref("Wallet")) }, "404": error } } },
    "/v1/dapps/{dapp}/wallets/{userId}/policy": {
      put: { summary: "Tighten the policy for one user (the DApp's policy stays the ceiling)", security: [{ serviceKey: [] }, { gatewayKey: [] }], parameters: [dapp, user], requestBody: { required: true, content: json(ref("Policy")) }, responses: { "200": { description: "the wallet", content: json(ref("Wallet")) } } },
    },
    "/v1/dapps/{dapp}/wallets/{userId}/2fa": {
      post: {
        summary: "Enrol TOTP and a PIN (re-enrolment needs the current otp and currentPin)",
        security: [{ serviceKey: [] }, { gatewayKey: [] }],
        parameters: [dapp, user],
        requestBody: { required: true, content: json({ type: "object", required: ["pin"], properties: { pin: { type: "string" }, otp: { type: "string" }, currentPin: { type: "string" } } }) },
        responses: { "201": { description: "the otpauth:// URI (show it as a QR code) and the base32 secret", content: json({ type: "object", properties: { otpauthUri: { type: "string" }, secret: { type: "string" } } }) }, "403": error, "423": error },
      },
    },
    "/v1/dapps/{dapp}/wallets/{userId}/2fa/confirm": {
      post: { summary: "Confirm enrolment with the app's current code", security: [{ serviceKey: [] }, { gatewayKey: [] }], parameters: [dapp, user], requestBody: { required: true, content: json({ type: "object", required: ["otp"], properties: { otp: { type: "string" } } }) }, responses: { "200": { description: "the wallet", content: json(ref("Wallet")) }, "403": error, "409": error } },
    },
    "/v1/dapps/{dapp}/wallets/{userId}/transactions": {
      get: { summary: "A user's transactions, newest first", security: [{ serviceKey: [] }, { gatewayKey: [] }], parameters: [dapp, user, { name: "limit", in: "query", schema: { type: "integer" } }], responses: { "200": { description: "{ transactions }" } } },
    },
    "/v1/dapps/{dapp}/transactions": {
      post: {
        summary: "Sign a templated transaction with the user's key and send it",
        security: [{ serviceKey: [] }, { gatewayKey: [] }],
        parameters: [dapp, { name: "Idempotency-Key", in: "header", schema: { type: "string" } }],
        requestBody: { required: true, content: json(ref("TransactionRequest")) },
        responses: {
          "201": { description: "signed and sent", content: json(ref("Transaction")) },
          "200": { description: "the idempotency key names an earlier transaction: that one", content: json(ref("Transaction")) },
          "400": error,
          "403": error,
          "404": error,
          "409": error,
          "422": error,
          "423": error,
          "502": error,
        },
      },
    },
    "/v1/dapps/{dapp}/transactions/{id}": { get: { summary: "A transaction's status and receipt", security: [{ serviceKey: [] }, { gatewayKey: [] }], parameters: [dapp, path("id", "the transaction's id")], responses: { "200": { description: "the transaction", content: json(ref("Transaction")) }, "404": error } } },
  },
} as const;
