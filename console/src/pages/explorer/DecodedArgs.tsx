/** Decoded arguments of a call or an event (names, types, values; addresses link to their pages). */
import type { DecodedArg } from "../../../../lib/indexerApi";
import { AddressLink } from "../../components/Links";
import { isAddressLike } from "../../components/format";

function ArgValue({ chain, value }: { chain: number; value: unknown }) {
  if (typeof value === "string" && isAddressLike(value)) return <AddressLink chain={chain} address={value} />;
  if (typeof value === "string") return <span className="mono break">{value}</span>;
  return <span className="mono break">{JSON.stringify(value)}</span>;
}

export function DecodedArgs({ chain, args, testId }: { chain: number; args: DecodedArg[]; testId?: string }) {
  if (args.length === 0) return <span className="muted">no arguments</span>;
  return (
    <table className="table compact" data-testid={testId}>
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {args.map((a, i) => (
          <tr key={i}>
            <td>{a.name || `#${i}`}</td>
            <td className="muted mono">{a.type}</td>
            <td>
              <ArgValue chain={chain} value={a.value} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
