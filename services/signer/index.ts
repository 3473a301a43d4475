/**
 * Wiring of the signer (`runSigner`): the HSM token (PIN from the environment), the SQLite store, the sender, the
 * service, the audit anchorer and the HTTP API. The devnet, the tests and `services/signer/main.ts` call it.
 */
import { Hsm } from "../../lib/hsm";
import { createLogger, type Logger } from "../../lib/log";
import { AuditAnchorer } from "./auditAnchor";
import { gatewayKeys } from "./gatewayKeys";
import { loadSignerConfigFile, type SignerConfig } from "./config";
import { SignerError } from "./errors";
import { signerMetrics } from "./metrics";
import { Sender } from "./sender";
import { startSignerServer } from "./server";
import { SignerService } from "./service";
import { SignerStore } from "./store";

export interface RunningSigner {
  url: string;
  port: number;
  service: SignerService;
  anchorer: AuditAnchorer | null;
  close(): Promise<void>;
}

export async function runSigner(config: SignerConfig, options: { logger?: Logger; env?: NodeJS.ProcessEnv } = {}): Promise<RunningSigner> {
  const env = options.env ?? process.env;
  const log = options.logger ?? createLogger("signer");
  const adminToken = env[config.adminTokenEnv];
  if (!adminToken || adminToken.length < 16) {
    throw new SignerError("SIGNER_UNAVAILABLE", `the operator token is missing: set ${config.adminTokenEnv} to a secret of at least 16 characters (it authorises /v1/admin)`);
  }
  const pin = env[config.hsm.pinEnv];
  if (!pin) throw new SignerError("SIGNER_UNAVAILABLE", `no PIN for the HSM token "${config.hsm.token}": set ${config.hsm.pinEnv}`);
  const hsm = Hsm.open({ module: config.hsm.module, token: config.hsm.token, pin });
  // the signer creates the wallets' keys in this token: its labels are read once, not searched on every miss
  hsm.loadIndex();
  const store = new SignerStore(config.dataDir);
  const metrics = signerMetrics();
  const chains = new Map(config.chains.map((c) => [c.id, c]));
  const sender = new Sender(store, chains, config.sender, log.child("sender"), metrics);
  let gateway = null;
  if (config.gateway !== null) {
    const token = env[config.gateway.adminTokenEnv];
    if (!token) throw new SignerError("SIGNER_UNAVAILABLE", `gateway.adminTokenEnv: the environment variable ${config.gateway.adminTokenEnv} is not set (the signer reads DApps' gateway keys through the gateway's admin API)`);
    gateway = gatewayKeys(config.gateway, token);
  }
  const service = new SignerService(store, hsm, config, sender, log, metrics, gateway);
  const anchorer = config.audit.anchor ? new AuditAnchorer(config.audit.anchor, hsm, store, log.child("audit"), metrics) : null;
  await sender.start();
  anchorer?.start();
  const server = await startSignerServer(service, {
    host: config.listen.host,
    port: config.listen.port,
    adminToken,
    logger: log,
    metrics,
    health: () => {
      const head = store.auditHead();
      metrics.open.set({}, sender.openCount());
      metrics.auditHead.set({}, head.seq);
      return { token: config.hsm.token, chains: config.chains.map((c) => c.id), openTransactions: sender.openCount(), audit: { head: head.seq, lastAnchored: store.lastAnchor()?.end_seq ?? null }, anchorer: anchorer?.address ?? null };
    },
  });
  log.info("signer listening", { url: server.url, token: config.hsm.token, chains: config.chains.map((c) => c.name) });
  return {
    url: server.url,
    port: server.port,
    service,
    anchorer,
    close: async () => {
      await server.close();
      sender.stop();
      anchorer?.stop();
      store.close();
      hsm.close();
    },
  };
}

export async function runSignerFile(file: string, options: { logger?: Logger } = {}): Promise<RunningSigner> {
  return runSigner(loadSignerConfigFile(file), options);
}
