/**
 * Moving tokens across the bridge: a deposit locks main tokens in the main bridge (ops/bridge/deposit, approving
 * the bridge first when needed), a redeem burns product tokens on the product chain (ops/bridge/redeem); the six
 * relayers then mint or release on the other side once 4 of them confirmed.
 */
import { useState } from "react";
import { deposit, type DepositReturnType } from "../../../../ops/bridge/deposit";
import { redeem, type RedeemReturnType } from "../../../../ops/bridge/redeem";
import { readBridgePair } from "../../../../ops/bridge/readBridgePair";
import { connectContract } from "../../../../ops/contracts";
import { formatUnits, parseUnits } from "ethers";
import { Field, FieldError, OperationFrame, Select, contractOf, parseAddressField, parseBytes32Field, readProvider, useChain, useOperation } from "./common";

type Direction = "deposit" | "redeem";

export default function BridgeTransferPage() {
  const main = useChain("main");
  const product = useChain("product");
  const op = useOperation<(DepositReturnType & { kind: "deposit" }) | (RedeemReturnType & { kind: "redeem" })>();
  const [direction, setDirection] = useState<Direction>("deposit");
  const [pairId, setPairId] = useState("");
  const [amount, setAmount] = useState("");
  const [recipient, setRecipient] = useState("");
  const [prepared, setPrepared] = useState<{ pairId: string; amount: string; recipient?: string } | null>(null);
  const chain = direction === "deposit" ? main : product;

  return (
    <OperationFrame
      title="Deposit / redeem"
      intro="Deposit locks main tokens on the main chain for product tokens on the product chain; redeem burns product tokens for main tokens back. The relayers complete the transfer after 4 of 6 confirmations."
      op={op}
      chain={chain}
      onReview={() =>
        op.review(() => {
          if (!chain) throw new FieldError(`the console has no ${direction === "deposit" ? "main" : "product"} chain`);
          contractOf(chain, direction === "deposit" ? "MainBridge" : "ProductBridge");
          if (!/^\d+(\.\d+)?$/.test(amount.trim()) || Number(amount) <= 0) throw new FieldError(`Amount must be a positive number of tokens, got "${amount}"`);
          setPrepared({ pairId: parseBytes32Field("Pair id", pairId), amount: amount.trim(), ...(recipient.trim() ? { recipient: parseAddressField("Recipient", recipient) } : {}) });
        })
      }
      summary={() =>
        prepared ? (
          <dl className="op-summary">
            <dt>{direction === "deposit" ? "Deposit" : "Redeem"}</dt>
            <dd>{prepared.amount} tokens</dd>
            <dt>Pair</dt>
            <dd className="mono">{prepared.pairId}</dd>
            <dt>Recipient</dt>
            <dd>{prepared.recipient ?? "the sender"}</dd>
          </dl>
        ) : null
      }
      onConfirm={() =>
        prepared &&
        void op.run(chain!, async (signer) => {
          const bridge = contractOf(chain!, direction === "deposit" ? "MainBridge" : "ProductBridge");
          const pair = await readBridgePair(readProvider(chain!), { bridge, side: direction === "deposit" ? "main" : "product", pairId: prepared.pairId });
          const token = direction === "deposit" ? pair.mainToken : pair.productToken;
          const decimals = Number(await connectContract("IERC20Metadata", token, readProvider(chain!)).decimals());
          let units: bigint;
          try {
            units = parseUnits(prepared.amount, decimals);
          } catch {
            throw new FieldError(`Amount has more than the token's ${decimals} decimals: "${prepared.amount}"`);
          }
          const params = { bridge, pairId: prepared.pairId, amount: units, ...(prepared.recipient ? { recipient: prepared.recipient } : {}) };
          return direction === "deposit" ? { kind: "deposit" as const, ...(await deposit(signer, params)) } : { kind: "redeem" as const, ...(await redeem(signer, params)) };
        })
      }
      renderResult={(r) =>
        r.kind === "deposit" ? (
          <p>
            Deposited {formatUnits(r.mainAmount)} main tokens; {formatUnits(r.productAmount)} product tokens will be minted to {r.recipient} on chain {r.productChainId.toString()} after {r.threshold.toString()} relayer confirmations (deposit id{" "}
            <span className="mono">{r.depositId}</span>).
          </p>
        ) : (
          <p>
            Redeemed {formatUnits(r.productAmount)} product tokens; {formatUnits(r.mainAmount)} main tokens will be released to {r.recipient} on chain {r.mainChainId.toString()} (redeem id <span className="mono">{r.redeemId}</span>).
          </p>
        )
      }
    >
      <Select label="Direction" name="direction" value={direction} onChange={(v) => setDirection(v as Direction)} options={[{ value: "deposit", label: "deposit (main → product)" }, { value: "redeem", label: "redeem (product → main)" }]} />
      <Field label="Pair id" name="pairId" value={pairId} onChange={setPairId} placeholder="0x… (64 hex digits)" />
      <Field label="Amount (tokens)" name="amount" value={amount} onChange={setAmount} />
      <Field label="Recipient (optional)" name="recipient" value={recipient} onChange={setRecipient} placeholder="default: the sender" />
    </OperationFrame>
  );
}
