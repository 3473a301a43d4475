/**
 * Registering a main/product token pair on a bridge is a governance decision: ops/bridge/registerBridgePair builds
 * (and simulates as the timelock) the registerPair call of the chosen side, ops/governance/propose proposes it; the
 * proposal then goes through the Governance page (vote, queue, execute).
 */
import { useState } from "react";
import { Link } from "react-router-dom";
import { parseUnits } from "ethers";
import { registerBridgePair } from "../../../../ops/bridge/registerBridgePair";
import { propose, type ProposeReturnType } from "../../../../ops/governance/propose";
import { connectContract } from "../../../../ops/contracts";
import type { ConsoleChain } from "../../config";
import { Field, FieldError, OperationFrame, Select, contractOf, parseAddressField, parseIntegerField, readProvider, useChain, useOperation } from "./common";

type Side = "main" | "product";

interface Prepared {
  chain: ConsoleChain;
  side: Side;
  mainToken: string;
  productToken: string;
  ratio: bigint;
  min: string;
  max: string;
  daily: string;
}

function wholeTokens(label: string, v: string): string {
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || Number(v) <= 0) throw new FieldError(`${label} must be a positive number of main tokens, got "${v}"`);
  return v.trim();
}

export default function BridgePairPage() {
  const main = useChain("main");
  const product = useChain("product");
  const op = useOperation<ProposeReturnType & { pairId: string; description: string; chain: ConsoleChain }>();
  const [side, setSide] = useState<Side>("main");
  const [mainToken, setMainToken] = useState("");
  const [productToken, setProductToken] = useState("");
  const [ratio, setRatio] = useState("1");
  const [min, setMin] = useState("1");
  const [max, setMax] = useState("1000");
  const [daily, setDaily] = useState("100000");
  const [prepared, setPrepared] = useState<Prepared | null>(null);
  const chain = side === "main" ? main : product;

  return (
    <OperationFrame
      title="Register a bridge pair (governance proposal)"
      intro="Proposes registering a main token and its product token as a bridge pair on one side's bridge; validators of that chain vote on it. The product side's limits are scaled by the product bridge's own rule."
      op={op}
      chain={chain}
      reviewLabel="Review proposal"
      onReview={() =>
        op.review(() => {
          if (!main || !product) throw new FieldError("the console needs both the main and the product chain for a bridge pair");
          const c = side === "main" ? main : product;
          contractOf(c, "LuniverseGovernor");
          contractOf(c, "LuniverseTimelock");
          contractOf(c, side === "main" ? "MainBridge" : "ProductBridge");
          setPrepared({
            chain: c,
            side,
            mainToken: parseAddressField("Main token", mainToken),
            productToken: parseAddressField("Product token", productToken),
            ratio: parseIntegerField("Ratio", ratio, 1n),
            min: wholeTokens("Minimum per transfer", min),
            max: wholeTokens("Maximum per transfer", max),
            daily: wholeTokens("Daily limit", daily),
          });
        })
      }
      summary={() =>
        prepared ? (
          <dl className="op-summary">
            <dt>Side</dt>
            <dd>{prepared.side === "main" ? "main bridge" : "product bridge"}</dd>
            <dt>Pair</dt>
            <dd>
              {prepared.mainToken} ↔ {prepared.productToken}, 1:{prepared.ratio.toString()}
            </dd>
            <dt>Limits (main tokens)</dt>
            <dd>
              {prepared.min} – {prepared.max} per transfer, {prepared.daily} a day each way
            </dd>
          </dl>
        ) : null
      }
      onConfirm={() =>
        prepared &&
        void op.run(prepared.chain, async (signer) => {
          const p = prepared;
          // amounts are whole main tokens, in the main token's decimals
          const decimals = Number(await connectContract("IERC20Metadata", p.mainToken, readProvider(main!)).decimals());
          const perDay = parseUnits(p.daily, decimals);
          const limits = { minPerTx: parseUnits(p.min, decimals), maxPerTx: parseUnits(p.max, decimals), dailyIn: perDay, dailyOut: perDay };
          const executor = contractOf(p.chain, "LuniverseTimelock");
          const provider = readProvider(p.chain);
          const registration = await registerBridgePair(p.side === "main" ? { main: provider } : { product: provider }, {
            mainToken: p.mainToken,
            productToken: p.productToken,
            ratio: p.ratio,
            mainChainId: BigInt(main!.chainId),
            productChainId: BigInt(product!.chainId),
            limits,
            ...(p.side === "main" ? { main: { bridge: contractOf(p.chain, "MainBridge"), executor } } : { product: { bridge: contractOf(p.chain, "ProductBridge"), executor } }),
          });
          const description = `register bridge pair ${p.mainToken} (chain ${main!.chainId}) / ${p.productToken} (chain ${product!.chainId}) 1:${p.ratio} on the ${p.side} bridge`;
          const r = await propose(signer, {
            governor: contractOf(p.chain, "LuniverseGovernor"),
            targets: registration.calls.map((c) => c.target),
            calldatas: registration.calls.map((c) => c.data),
            description,
            what: "register bridge pair",
          });
          return { ...r, pairId: registration.pairId, description, chain: p.chain };
        })
      }
      renderResult={(r) => (
        <p data-testid="op-result-proposal" data-proposal-id={r.proposalId.toString()}>
          Proposed “{r.description}” (pair id{" "}
          <span className="mono" data-testid="op-result-pair">
            {r.pairId}
          </span>
          ). Validators vote on the{" "}
          {r.chain.role === "main" ? <Link to="/operations/governance">Governance</Link> : "product chain's governance"} page.
        </p>
      )}
    >
      <Select label="Side" name="side" value={side} onChange={(v) => setSide(v as Side)} options={[{ value: "main", label: "main bridge (main chain's governance)" }, { value: "product", label: "product bridge (product chain's governance)" }]} />
      <Field label="Main token" name="mainToken" value={mainToken} onChange={setMainToken} placeholder="0x…" />
      <Field label="Product token" name="productToken" value={productToken} onChange={setProductToken} placeholder="0x…" />
      <Field label="Ratio (product units per main unit)" name="ratio" value={ratio} onChange={setRatio} />
      <Field label="Minimum per transfer (main tokens)" name="min" value={min} onChange={setMin} />
      <Field label="Maximum per transfer (main tokens)" name="max" value={max} onChange={setMax} />
      <Field label="Daily limit each way (main tokens)" name="daily" value={daily} onChange={setDaily} />
    </OperationFrame>
  );
}
