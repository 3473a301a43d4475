/**
 * A product token in two steps, as the white paper's fig. 6: the consortium partner signs a permission
 * (ops/token/permitProductToken, checked by the product chain's factory), the product developer issues the token
 * with it (ops/token/issueProductToken).
 */
import { useState } from "react";
import { Link } from "react-router-dom";
import { permitProductToken, type PermitProductTokenReturnType } from "../../../../ops/token/permitProductToken";
import { issueProductToken, type IssueProductTokenReturnType } from "../../../../ops/token/issueProductToken";
import { permissionFromJson, permissionToJson, type SignedProductPermission } from "../../../../ops/token/permission";
import { Field, FieldError, OperationFrame, contractOf, parseAddressField, parseIntegerField, parseTextField, readProvider, useChain, useOperation } from "./common";

function PermitForm() {
  const product = useChain("product");
  const op = useOperation<PermitProductTokenReturnType>();
  const [mainToken, setMainToken] = useState("");
  const [ratio, setRatio] = useState("1");
  const [developer, setDeveloper] = useState("");
  const [hours, setHours] = useState("24");
  const [values, setValues] = useState<{ factory: string; mainToken: string; ratio: bigint; productDeveloper: string; expiresIn: bigint } | null>(null);
  return (
    <OperationFrame
      title="1. Permit a product token (CP)"
      intro="The main token's consortium partner signs an EIP-712 permission for a product developer; the product chain's factory checks it before it is handed out. Nothing is sent: the wallet only signs."
      op={op}
      chain={product}
      reviewLabel="Review permission"
      onReview={() =>
        op.review(() =>
          setValues({
            factory: contractOf(product!, "ProductTokenFactory"),
            mainToken: parseAddressField("Main token", mainToken),
            ratio: parseIntegerField("Ratio", ratio, 1n),
            productDeveloper: parseAddressField("Product developer", developer),
            expiresIn: parseIntegerField("Valid for (hours)", hours, 1n) * 3600n,
          }),
        )
      }
      summary={() =>
        values ? (
          <dl className="op-summary">
            <dt>Main token</dt>
            <dd>{values.mainToken}</dd>
            <dt>Ratio</dt>
            <dd>{values.ratio.toString()} product units per main unit</dd>
            <dt>Product developer</dt>
            <dd>{values.productDeveloper}</dd>
            <dt>Valid for</dt>
            <dd>{(values.expiresIn / 3600n).toString()} h</dd>
          </dl>
        ) : null
      }
      onConfirm={() => values && void op.run(product!, (signer) => permitProductToken({ cp: signer, product: readProvider(product!) }, values))}
      renderResult={(r) => (
        <>
          <p>Permission signed and accepted by the factory. Give this to the product developer:</p>
          <textarea readOnly rows={8} cols={80} data-testid="op-result-permission" value={JSON.stringify(permissionToJson(r), null, 2)} />
        </>
      )}
    >
      <Field label="Main token" name="mainToken" value={mainToken} onChange={setMainToken} placeholder="0x…" />
      <Field label="Ratio (product units per main unit)" name="ratio" value={ratio} onChange={setRatio} />
      <Field label="Product developer" name="developer" value={developer} onChange={setDeveloper} placeholder="0x…" />
      <Field label="Valid for (hours)" name="hours" value={hours} onChange={setHours} />
    </OperationFrame>
  );
}

function IssueForm() {
  const product = useChain("product");
  const op = useOperation<IssueProductTokenReturnType>();
  const [permitText, setPermitText] = useState("");
  const [name, setName] = useState("");
  const [symbol, setSymbol] = useState("");
  const [values, setValues] = useState<{ permit: SignedProductPermission; name: string; symbol: string; factory: string } | null>(null);
  return (
    <OperationFrame
      title="2. Issue the product token (PD)"
      intro="The product developer named in the permission issues the token on the product chain; the bridge mints it against main tokens locked on the main chain."
      op={op}
      chain={product}
      onReview={() =>
        op.review(() => {
          let json: unknown;
          try {
            json = JSON.parse(permitText);
          } catch (e) {
            throw new FieldError(`Permission is not JSON: ${(e as Error).message}`, "paste the permission the CP signed (step 1)");
          }
          setValues({ permit: permissionFromJson(json), name: parseTextField("Name", name), symbol: parseTextField("Symbol", symbol, 11), factory: contractOf(product!, "ProductTokenFactory") });
        })
      }
      summary={() =>
        values ? (
          <dl className="op-summary">
            <dt>Token</dt>
            <dd>
              {values.name} ({values.symbol})
            </dd>
            <dt>Main token</dt>
            <dd>{values.permit.permission.mainToken}</dd>
            <dt>Ratio</dt>
            <dd>{values.permit.permission.ratio.toString()}</dd>
          </dl>
        ) : null
      }
      onConfirm={() => values && void op.run(product!, (signer) => issueProductToken(signer, values))}
      renderResult={(r) => (
        <p>
          Issued the product token{" "}
          <Link to={`/chain/${product!.chainId}/token/${r.token}`} data-testid="op-result-token">
            {r.token}
          </Link>{" "}
          (ratio {r.ratio.toString()}, minted by the bridge {r.minter}).
        </p>
      )}
    >
      <label className="field">
        <span className="field-label">Permission (JSON from the CP)</span>
        <textarea name="permit" data-testid="op-permit" rows={6} cols={80} value={permitText} onChange={(e) => setPermitText(e.target.value)} />
      </label>
      <Field label="Name" name="name" value={name} onChange={setName} />
      <Field label="Symbol" name="symbol" value={symbol} onChange={setSymbol} />
    </OperationFrame>
  );
}

export default function ProductTokenPage() {
  return (
    <div className="op-two">
      <PermitForm />
      <IssueForm />
    </div>
  );
}
