/**
 * The indexer with its PostgreSQL store (a real PostgreSQL 15, test/helpers/postgres.ts) on an anvil chain: the same
 * transfers, holder counts, reconciliation and API pages as with SQLite, and a restart that resumes from the cursor.
 */
import { expect } from "chai";
import { getAddress } from "ethers";
import type * as Api from "../../../lib/indexerApi";
import type { IndexerHandle } from "../../../services/indexer";
import { openStore } from "../../../services/indexer/store";
import { startPostgres, type PostgresServer } from "../../helpers/postgres";
import { kill, startAnvil, type Proc } from "../anchor/processes";
import { as, chainClient, deploy, freePort, get, head, indexedTo, send, startIndexer, type AnyContract, type Chain } from "./harness";

const CHAIN_ID = 31_337_16;

describe("indexer with a PostgreSQL store", function () {
  this.timeout(120_000);
  let pg: PostgresServer;
  let anvil: Proc;
  let chain: Chain;
  let ix: IndexerHandle;
  let token: AnyContract;
  const spec = () => ({ chains: [{ id: CHAIN_ID, name: "eth", role: "ethereum" as const, rpcUrl: chain.url }], store: { kind: "postgres" as const, url: pg.url } });

  before(async () => {
    pg = await startPostgres();
    const port = await freePort();
    anvil = await startAnvil("anvil-pg", port, CHAIN_ID);
    chain = chainClient(`http://127.0.0.1:${port}`, CHAIN_ID);
    token = await deploy(chain.signers[0]!, "IndexerTestToken", ["PG Token", "PGT"]);
    ix = await startIndexer(spec());
  });
  after(async () => {
    await ix?.close();
    await kill(anvil);
    await pg?.stop();
  });

  it("indexes transfers and holders, reconciles with 0 mismatches and serves the token pages", async () => {
    const [A, B, C] = chain.addresses as [string, string, string];
    const s = chain.signers[0]!;
    await send(as(token, s).mint(A, 1000n));
    await send(as(token, s).transfer(B, 300n));
    await send(as(token, s).transfer(C, 200n));
    await send(as(token, s).transfer(A, 10n));
    await send(as(token, chain.signers[2]!).burn(200n));
    await indexedTo(ix, CHAIN_ID, await head(chain));
    const address = getAddress(String(token.target));
    const t = await get<Api.TokenDetail>(ix, `/api/v1/chains/eth/tokens/${address}`);
    expect(t.body).to.include({ holders: 2, totalSupply: "800", transfers: 5, symbol: "PGT" });
    const holders = await get<Api.Page<Api.TokenHolder>>(ix, `/api/v1/chains/eth/tokens/${address}/holders`);
    expect(holders.body.items).to.deep.equal([
      { address: A, balance: "500", share: 62.5 },
      { address: B, balance: "300", share: 37.5 },
    ]);
    const results = await ix.reconcile(CHAIN_ID);
    expect(results.map((r) => [r.status, r.mismatches.length])).to.deep.equal([["ok", 0]]);
    const hist = await get<Api.Page<Api.TransactionSummary>>(ix, `/api/v1/chains/eth/addresses/${A}/transactions?limit=2`);
    expect(hist.body.items).to.have.length(2);
    const more = await get<Api.Page<Api.TransactionSummary>>(ix, `/api/v1/chains/eth/addresses/${A}/transactions?limit=2&cursor=${hist.body.nextCursor}`);
    expect(more.body.items[0]!.blockNumber).to.be.below(hist.body.items[1]!.blockNumber);
    const transfers = await get<Api.Page<Api.TokenTransfer>>(ix, `/api/v1/chains/eth/tokens/${address}/transfers?limit=2`);
    expect(transfers.body.items.map((x) => [x.from, x.value])).to.deep.equal([[C, "200"], [A, "10"]]);
    const mine = await get<Api.Page<Api.TokenTransfer>>(ix, `/api/v1/chains/eth/addresses/${B}/transfers`);
    expect(mine.body.items.map((x) => [x.to, x.value])).to.deep.equal([[B, "300"]]);
    expect((await get<Api.SearchResult>(ix, "/api/v1/chains/eth/search?q=pg token")).body).to.deep.equal({ kind: "token", value: address, chain: CHAIN_ID });
    const h = await head(chain);
    const blocks = await get<Api.Page<Api.BlockSummary>>(ix, `/api/v1/chains/eth/blocks?limit=2&before=${h}`);
    expect(blocks.body.items.map((b) => b.number)).to.deep.equal([h - 1, h - 2]);
    const tx = await get<Api.TransactionDetail>(ix, `/api/v1/chains/eth/transactions/${transfers.body.items[0]!.transactionHash}`);
    expect(tx.body.decodedInput).to.deep.include({ contract: "IndexerTestToken", function: "burn" });
    const series = await get<Api.TokenSeriesPoint[]>(ix, `/api/v1/chains/eth/tokens/${address}/series?bucket=hour`);
    expect(series.body.reduce((n, p) => n + p.transfers, 0)).to.equal(5);
    const stats = await get<Api.StatsResult>(ix, "/api/v1/chains/eth/stats?window=600&bucket=60");
    expect(stats.body.series.reduce((n, p) => n + p.txs, 0)).to.be.greaterThan(0);
  });

  it("resumes from its cursor after a restart, without duplicates", async () => {
    await ix.close();
    await send(as(token, chain.signers[0]!).transfer(chain.addresses[3]!, 1n));
    ix = await startIndexer(spec());
    const h = await head(chain);
    await indexedTo(ix, CHAIN_ID, h);
    const store = await openStore({ kind: "postgres", url: pg.url });
    try {
      const r = await store.db.get<{ n: number; d: number }>("SELECT COUNT(*) AS n, COUNT(DISTINCT number) AS d FROM idx_blocks WHERE chain_id = ?", [CHAIN_ID]);
      expect(r).to.deep.equal({ n: h + 1, d: h + 1 });
    } finally {
      await store.close();
    }
    const t = await get<Api.TokenDetail>(ix, `/api/v1/chains/eth/tokens/${getAddress(String(token.target))}`);
    expect(t.body).to.include({ holders: 3, transfers: 6 });
  });
});
