/**
 * The indexer's tables, one script per dialect (the same tables, columns and indexes; SQLite's INTEGER is
 * PostgreSQL's BIGINT). Every table carries `chain_id`: one store holds every chain. uint256 values are decimal TEXT;
 * `balance_key` is the balance zero-padded to 78 digits so that text order is numeric order (holders by balance).
 */
export const SCHEMA_VERSION = 1;

export function schemaSql(dialect: "sqlite" | "postgres"): string {
  const int = dialect === "postgres" ? "BIGINT" : "INTEGER";
  return `
CREATE TABLE IF NOT EXISTS idx_meta (name TEXT PRIMARY KEY, value ${int} NOT NULL);
INSERT INTO idx_meta (name, value) VALUES ('schema_version', ${SCHEMA_VERSION}) ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS idx_chains (
  chain_id ${int} PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
  indexed_height ${int} NOT NULL, head_height ${int} NOT NULL, last_block_time ${int}, tx_count ${int} NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS idx_blocks (
  chain_id ${int} NOT NULL, number ${int} NOT NULL, hash TEXT NOT NULL, parent_hash TEXT NOT NULL, timestamp ${int} NOT NULL,
  miner TEXT NOT NULL, round ${int}, tx_count ${int} NOT NULL, gas_used ${int} NOT NULL, gas_limit ${int} NOT NULL,
  base_fee TEXT, extra_data TEXT NOT NULL, state_root TEXT NOT NULL, tx_root TEXT NOT NULL, receipts_root TEXT NOT NULL,
  size ${int}, finality TEXT,
  PRIMARY KEY (chain_id, number)
);
CREATE INDEX IF NOT EXISTS idx_blocks_hash ON idx_blocks (chain_id, hash);
CREATE INDEX IF NOT EXISTS idx_blocks_time ON idx_blocks (chain_id, timestamp);
CREATE INDEX IF NOT EXISTS idx_blocks_round ON idx_blocks (chain_id, round, number);
CREATE TABLE IF NOT EXISTS idx_txs (
  chain_id ${int} NOT NULL, hash TEXT NOT NULL, block_number ${int} NOT NULL, idx ${int} NOT NULL, timestamp ${int} NOT NULL,
  from_addr TEXT NOT NULL, to_addr TEXT, contract_address TEXT, value TEXT NOT NULL, status ${int} NOT NULL,
  gas_used TEXT NOT NULL, gas TEXT NOT NULL, gas_price TEXT, max_fee TEXT, max_priority_fee TEXT, effective_gas_price TEXT,
  type ${int} NOT NULL, nonce ${int} NOT NULL, input TEXT NOT NULL, cumulative_gas_used TEXT NOT NULL, selector TEXT, method TEXT,
  PRIMARY KEY (chain_id, hash)
);
CREATE INDEX IF NOT EXISTS idx_txs_order ON idx_txs (chain_id, block_number, idx);
CREATE TABLE IF NOT EXISTS idx_address_txs (
  chain_id ${int} NOT NULL, address TEXT NOT NULL, block_number ${int} NOT NULL, idx ${int} NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (chain_id, address, block_number, idx)
);
CREATE TABLE IF NOT EXISTS idx_addresses (
  chain_id ${int} NOT NULL, address TEXT NOT NULL, tx_count ${int} NOT NULL, PRIMARY KEY (chain_id, address)
);
CREATE TABLE IF NOT EXISTS idx_logs (
  chain_id ${int} NOT NULL, block_number ${int} NOT NULL, log_index ${int} NOT NULL, tx_hash TEXT NOT NULL, address TEXT NOT NULL,
  topics TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX IF NOT EXISTS idx_logs_tx ON idx_logs (chain_id, tx_hash);
CREATE TABLE IF NOT EXISTS idx_internal_calls (
  chain_id ${int} NOT NULL, tx_hash TEXT NOT NULL, calls TEXT NOT NULL, PRIMARY KEY (chain_id, tx_hash)
);
CREATE TABLE IF NOT EXISTS idx_contracts (
  chain_id ${int} NOT NULL, address TEXT NOT NULL, creator TEXT, tx_hash TEXT, block_number ${int}, name TEXT, source TEXT,
  PRIMARY KEY (chain_id, address)
);
CREATE TABLE IF NOT EXISTS idx_tokens (
  chain_id ${int} NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, name TEXT, symbol TEXT, decimals ${int},
  supply TEXT NOT NULL, holders ${int} NOT NULL, transfers ${int} NOT NULL, first_block ${int} NOT NULL,
  PRIMARY KEY (chain_id, address)
);
CREATE INDEX IF NOT EXISTS idx_tokens_symbol ON idx_tokens (chain_id, symbol);
CREATE TABLE IF NOT EXISTS idx_token_transfers (
  chain_id ${int} NOT NULL, block_number ${int} NOT NULL, log_index ${int} NOT NULL, token TEXT NOT NULL, tx_hash TEXT NOT NULL,
  timestamp ${int} NOT NULL, from_addr TEXT NOT NULL, to_addr TEXT NOT NULL, value TEXT NOT NULL, token_id TEXT,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX IF NOT EXISTS idx_token_transfers_token ON idx_token_transfers (chain_id, token, block_number, log_index);
CREATE INDEX IF NOT EXISTS idx_token_transfers_tx ON idx_token_transfers (chain_id, tx_hash);
CREATE TABLE IF NOT EXISTS idx_address_transfers (
  chain_id ${int} NOT NULL, address TEXT NOT NULL, block_number ${int} NOT NULL, log_index ${int} NOT NULL,
  PRIMARY KEY (chain_id, address, block_number, log_index)
);
CREATE TABLE IF NOT EXISTS idx_token_balances (
  chain_id ${int} NOT NULL, token TEXT NOT NULL, holder TEXT NOT NULL, balance TEXT NOT NULL, balance_key TEXT NOT NULL,
  PRIMARY KEY (chain_id, token, holder)
);
CREATE INDEX IF NOT EXISTS idx_token_balances_rank ON idx_token_balances (chain_id, token, balance_key);
CREATE INDEX IF NOT EXISTS idx_token_balances_holder ON idx_token_balances (chain_id, holder);
CREATE TABLE IF NOT EXISTS idx_token_hours (
  chain_id ${int} NOT NULL, token TEXT NOT NULL, hour ${int} NOT NULL, transfers ${int} NOT NULL, volume TEXT NOT NULL,
  PRIMARY KEY (chain_id, token, hour)
);
CREATE TABLE IF NOT EXISTS idx_reconciliations (
  chain_id ${int} NOT NULL, token TEXT NOT NULL, status TEXT NOT NULL, checked_at ${int}, block ${int}, mismatches ${int} NOT NULL,
  details TEXT NOT NULL, PRIMARY KEY (chain_id, token)
);
CREATE TABLE IF NOT EXISTS idx_bridge_ops (
  chain_id ${int} NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, pair_id TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL,
  main_amount TEXT NOT NULL, product_amount TEXT NOT NULL, block_number ${int} NOT NULL, tx_hash TEXT NOT NULL, timestamp ${int} NOT NULL,
  PRIMARY KEY (chain_id, id)
);
CREATE TABLE IF NOT EXISTS idx_bridge_settlements (
  chain_id ${int} NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, tx_hash TEXT NOT NULL, block_number ${int} NOT NULL,
  PRIMARY KEY (chain_id, id, status)
);
CREATE INDEX IF NOT EXISTS idx_bridge_settlements_id ON idx_bridge_settlements (id);
CREATE TABLE IF NOT EXISTS idx_proposals (
  chain_id ${int} NOT NULL, id TEXT NOT NULL, proposer TEXT NOT NULL, description TEXT, block_number ${int} NOT NULL,
  tx_hash TEXT NOT NULL, timestamp ${int} NOT NULL, state TEXT NOT NULL, PRIMARY KEY (chain_id, id)
);
CREATE TABLE IF NOT EXISTS idx_votes (
  chain_id ${int} NOT NULL, proposal_id TEXT NOT NULL, voter TEXT NOT NULL, support ${int} NOT NULL, weight TEXT NOT NULL,
  block_number ${int} NOT NULL, tx_hash TEXT NOT NULL, PRIMARY KEY (chain_id, proposal_id, voter)
);
CREATE TABLE IF NOT EXISTS idx_anchors (
  chain_id ${int} NOT NULL, child_chain_id ${int} NOT NULL, from_block ${int} NOT NULL, to_block ${int} NOT NULL, root TEXT NOT NULL,
  block_number ${int} NOT NULL, tx_hash TEXT NOT NULL, PRIMARY KEY (chain_id, child_chain_id, from_block)
);
`;
}
