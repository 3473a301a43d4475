/**
 * Deploying a transaction template (transfer with fee and limits, vesting, stake, burn) from the TemplateFactory:
 * ops/economy/deployTemplate (which approves the factory first for a vesting's amount).
 */
import { useState } from "react";
import { Link } from "react-router-dom";
import { parseUnits } from "ethers";
import { deployTemplate, TEMPLATE_KINDS, type DeployTemplateParameters, type DeployTemplateReturnType, type TemplateKindName } from "../../../../ops/economy/deployTemplate";
import { connectContract } from "../../../../ops/contracts";
import { Field, FieldError, OperationFrame, Select, contractOf, parseAddressField, parseIntegerField, readProvider, useChain, useOperation } from "./common";

export default function TemplatePage() {
  const chain = useChain("main");
  const op = useOperation<DeployTemplateReturnType>();
  const [kind, setKind] = useState<TemplateKindName>("transfer");
  const [token, setToken] = useState("");
  const [feeBps, setFeeBps] = useState("0");
  const [feeRecipient, setFeeRecipient] = useState("");
  const [beneficiary, setBeneficiary] = useState("");
  const [amount, setAmount] = useState("");
  const [duration, setDuration] = useState("86400");
  const [lockPeriod, setLockPeriod] = useState("0");
  const [prepared, setPrepared] = useState<{ params: DeployTemplateParameters; amountText?: string } | null>(null);

  const parse = (): { params: DeployTemplateParameters; amountText?: string } => {
    const common = { factory: contractOf(chain!, "TemplateFactory"), token: parseAddressField("Token", token) };
    switch (kind) {
      case "transfer": {
        const bps = parseIntegerField("Fee (basis points)", feeBps);
        if (bps > 10_000n) throw new FieldError("Fee (basis points) must be at most 10000 (100%)");
        return { params: { ...common, kind, feeBps: bps, ...(bps > 0n ? { feeRecipient: parseAddressField("Fee recipient", feeRecipient) } : {}) } };
      }
      case "vesting": {
        if (!/^\d+(\.\d+)?$/.test(amount.trim()) || Number(amount) <= 0) throw new FieldError(`Amount must be a positive number of tokens, got "${amount}"`);
        return { params: { ...common, kind, beneficiary: parseAddressField("Beneficiary", beneficiary), amount: 0n, duration: parseIntegerField("Duration (seconds)", duration, 1n) }, amountText: amount.trim() };
      }
      case "stake":
        return { params: { ...common, kind, lockPeriod: parseIntegerField("Lock period (seconds)", lockPeriod) } };
      case "burn":
        return { params: { ...common, kind } };
    }
  };

  return (
    <OperationFrame
      title="Deploy a transaction template"
      intro="A template is a small contract (a clone owned by you) that moves a token by fixed rules: a fee-taking transfer with limits, a vesting schedule, staking or burning."
      op={op}
      chain={chain}
      onReview={() => op.review(() => setPrepared(parse()))}
      summary={() =>
        prepared ? (
          <dl className="op-summary">
            <dt>Kind</dt>
            <dd>{prepared.params.kind}</dd>
            <dt>Token</dt>
            <dd>{prepared.params.token}</dd>
            {prepared.amountText ? (
              <>
                <dt>Amount vested</dt>
                <dd>{prepared.amountText} tokens (the factory is approved first)</dd>
              </>
            ) : null}
          </dl>
        ) : null
      }
      onConfirm={() =>
        prepared &&
        void op.run(chain!, async (signer) => {
          const params = { ...prepared.params };
          if (params.kind === "vesting" && prepared.amountText) {
            const decimals = Number(await connectContract("IERC20Metadata", params.token, readProvider(chain!)).decimals());
            params.amount = parseUnits(prepared.amountText, decimals);
          }
          return deployTemplate(signer, params);
        })
      }
      renderResult={(r) => (
        <p>
          Deployed a {r.kind} template at{" "}
          <Link to={`/chain/${chain!.chainId}/address/${r.instance}`} data-testid="op-result-template">
            {r.instance}
          </Link>
          , owned by {r.owner}.
        </p>
      )}
    >
      <Select label="Kind" name="kind" value={kind} onChange={(v) => setKind(v as TemplateKindName)} options={TEMPLATE_KINDS.map((k) => ({ value: k, label: k }))} />
      <Field label="Token" name="token" value={token} onChange={setToken} placeholder="0x…" />
      {kind === "transfer" ? (
        <>
          <Field label="Fee (basis points)" name="feeBps" value={feeBps} onChange={setFeeBps} />
          <Field label="Fee recipient" name="feeRecipient" value={feeRecipient} onChange={setFeeRecipient} placeholder="needed when the fee is above 0" />
        </>
      ) : null}
      {kind === "vesting" ? (
        <>
          <Field label="Beneficiary" name="beneficiary" value={beneficiary} onChange={setBeneficiary} placeholder="0x…" />
          <Field label="Amount (tokens)" name="amount" value={amount} onChange={setAmount} />
          <Field label="Duration (seconds)" name="duration" value={duration} onChange={setDuration} />
        </>
      ) : null}
      {kind === "stake" ? <Field label="Lock period (seconds)" name="lockPeriod" value={lockPeriod} onChange={setLockPeriod} /> : null}
    </OperationFrame>
  );
}
