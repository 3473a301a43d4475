/** The signer's Prometheus metrics (lib/metrics.ts). */
import { Registry, type Counter, type Gauge, type Histogram } from "../../lib/metrics";

export interface SignerMetrics {
  registry: Registry;
  requests: Counter;
  requestSeconds: Histogram;
  signSeconds: Histogram;
  decisions: Counter;
  sent: Counter;
  sendErrors: Counter;
  included: Counter;
  latency: Histogram;
  rebroadcasts: Counter;
  replaced: Counter;
  open: Gauge;
  auditHead: Gauge;
  auditAnchored: Gauge;
}

export function signerMetrics(): SignerMetrics {
  const registry = new Registry();
  return {
    registry,
    requests: registry.counter("signer_api_requests_total", "HTTP API requests, per route and status"),
    requestSeconds: registry.histogram("signer_api_seconds", "HTTP API latency per route", [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3]),
    signSeconds: registry.histogram("signer_hsm_sign_seconds", "Time of one signature through PKCS#11", [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]),
    decisions: registry.counter("signer_decisions_total", "Decisions, per action and outcome (allow, deny)"),
    sent: registry.counter("signer_tx_sent_total", "Transactions accepted by a node, per chain"),
    sendErrors: registry.counter("signer_tx_send_errors_total", "Refused or failed sends (retried), per chain"),
    included: registry.counter("signer_tx_final_total", "Transactions found in a block, per chain and status"),
    latency: registry.histogram("signer_tx_inclusion_seconds", "From signing to the receipt being seen", [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]),
    rebroadcasts: registry.counter("signer_tx_rebroadcasts_total", "Transactions resent after a node lost them"),
    replaced: registry.counter("signer_tx_replaced_total", "Stuck transactions replaced at their nonce"),
    open: registry.gauge("signer_tx_open", "Transactions signed and not yet in a block"),
    auditHead: registry.gauge("signer_audit_head_seq", "Sequence number of the audit log's head"),
    auditAnchored: registry.gauge("signer_audit_anchored_seq", "Last audit entry anchored on the main chain"),
  };
}
