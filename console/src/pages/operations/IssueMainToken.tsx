import { useState } from "react";
import { Link } from "react-router-dom";
import { formatUnits } from "ethers";
import { issueMainToken, type IssueMainTokenReturnType } from "../../../../ops/token/issueMainToken";
import { Field, OperationFrame, contractOf, parseAmountField, parseIntegerField, parseTextField, useChain, useOperation, FieldError } from "./common";

interface Values {
  factory: string;
  name: string;
  symbol: string;
  decimals: number;
  supply: bigint;
  cap: bigint;
}

/** A consortium partner (CP_ROLE) issues a main token through the MainTokenFactory: ops/token/issueMainToken. */
export default function IssueMainTokenPage() {
  const chain = useChain("main");
  const op = useOperation<IssueMainTokenReturnType & { symbol: string }>();
  const [name, setName] = useState("");
  const [symbol, setSymbol] = useState("");
  const [decimals, setDecimals] = useState("18");
  const [supply, setSupply] = useState("");
  const [cap, setCap] = useState("");
  const [values, setValues] = useState<Values | null>(null);

  const parse = (): Values => {
    const d = Number(parseIntegerField("Decimals", decimals));
    if (d > 36) throw new FieldError("Decimals must be at most 36");
    const v = {
      factory: contractOf(chain!, "MainTokenFactory"),
      name: parseTextField("Name", name),
      symbol: parseTextField("Symbol", symbol, 11),
      decimals: d,
      supply: parseAmountField("Initial supply", supply, d),
      cap: parseAmountField("Cap", cap, d),
    };
    if (v.cap < v.supply) throw new FieldError(`Cap (${cap}) must be at least the initial supply (${supply})`);
    return v;
  };

  return (
    <OperationFrame
      title="Issue a main token"
      intro="A consortium partner (an account governance granted the CP role) issues an ERC-20 main token on the main chain; the initial supply is minted to the sender."
      op={op}
      chain={chain}
      onReview={() => op.review(() => setValues(parse()))}
      summary={() =>
        values ? (
          <dl className="op-summary">
            <dt>Token</dt>
            <dd>
              {values.name} ({values.symbol}), {values.decimals} decimals
            </dd>
            <dt>Initial supply</dt>
            <dd>{formatUnits(values.supply, values.decimals)}</dd>
            <dt>Cap</dt>
            <dd>{formatUnits(values.cap, values.decimals)}</dd>
            <dt>Factory</dt>
            <dd>{values.factory}</dd>
          </dl>
        ) : null
      }
      onConfirm={() => values && void op.run(chain!, async (signer) => ({ ...(await issueMainToken(signer, values)), symbol: values.symbol }))}
      renderResult={(r) => (
        <p>
          Issued <strong>{r.symbol}</strong> at{" "}
          <Link to={`/chain/${chain!.chainId}/token/${r.token}`} data-testid="op-result-token">
            {r.token}
          </Link>
          . See it on the <Link to={`/chain/${chain!.chainId}/tokens`}>token dashboard</Link>.
        </p>
      )}
    >
      <Field label="Name" name="name" value={name} onChange={setName} placeholder="Luniverse Point" />
      <Field label="Symbol" name="symbol" value={symbol} onChange={setSymbol} placeholder="LPT" />
      <Field label="Decimals" name="decimals" value={decimals} onChange={setDecimals} />
      <Field label="Initial supply (tokens)" name="supply" value={supply} onChange={setSupply} placeholder="1000000" />
      <Field label="Cap (tokens)" name="cap" value={cap} onChange={setCap} placeholder="10000000" />
    </OperationFrame>
  );
}
