/**
 * A product chain's node owners replace one of them: each votes (ops/chain/swapVote); the majority's vote (3 of 4)
 * applies the swap in the ProductChainRegistry on the main chain.
 */
import { useState } from "react";
import { swapVote, type SwapVoteReturnType } from "../../../../ops/chain/swapVote";
import { Field, OperationFrame, contractOf, parseAddressField, parseIntegerField, useChain, useOperation } from "./common";

export default function SwapVotePage() {
  const main = useChain("main");
  const product = useChain("product");
  const op = useOperation<SwapVoteReturnType>();
  const [chainId, setChainId] = useState(product ? String(product.chainId) : "");
  const [oldOwner, setOldOwner] = useState("");
  const [newOwner, setNewOwner] = useState("");
  const [prepared, setPrepared] = useState<{ registry: string; chainId: bigint; oldOwner: string; newOwner: string } | null>(null);
  return (
    <OperationFrame
      title="Node-owner swap vote"
      intro="Sent by a node owner of the product chain, on the main chain's ProductChainRegistry. The third vote of four applies the swap."
      op={op}
      chain={main}
      onReview={() =>
        op.review(() =>
          setPrepared({
            registry: contractOf(main!, "ProductChainRegistry"),
            chainId: parseIntegerField("Product chain id", chainId, 1n),
            oldOwner: parseAddressField("Node owner to replace", oldOwner),
            newOwner: parseAddressField("New node owner", newOwner),
          }),
        )
      }
      summary={() =>
        prepared ? (
          <dl className="op-summary">
            <dt>Product chain</dt>
            <dd>{prepared.chainId.toString()}</dd>
            <dt>Replace</dt>
            <dd>
              {prepared.oldOwner} → {prepared.newOwner}
            </dd>
          </dl>
        ) : null
      }
      onConfirm={() => prepared && void op.run(main!, (signer) => swapVote(signer, prepared))}
      renderResult={(r) => (
        <p data-testid="op-result-swap">
          Voted: {r.votes.toString()} of {r.needed.toString()} votes needed; {r.swapped ? "the swap is applied." : "the swap applies at the majority."}
        </p>
      )}
    >
      <Field label="Product chain id" name="chainId" value={chainId} onChange={setChainId} />
      <Field label="Node owner to replace" name="oldOwner" value={oldOwner} onChange={setOldOwner} placeholder="0x…" />
      <Field label="New node owner" name="newOwner" value={newOwner} onChange={setNewOwner} placeholder="0x…" />
    </OperationFrame>
  );
}
