/**
 * Custodial wallets and 2FA (issue #16): a DApp operator opens an end user's wallet with the DApp's service key, enrols
 * the user's authenticator app (the otpauth:// URI as a QR code) and PIN, confirms with a first code, and sees the
 * user's transactions. Everything goes to the signer service through the console server; the key stays in this tab.
 */
import { useEffect, useState } from "react";
import QRCode from "qrcode";
import { signerApi, type SignerCredentials, type SignerTransaction, type SignerWallet } from "../../api/signer";
import { useConsoleConfig } from "../../config";
import { ErrorBox, Notice } from "../../components/States";

const STORE = "luniverse.signer.credentials";

function saved(): SignerCredentials {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) ?? "") as SignerCredentials;
  } catch {
    return { dapp: "", serviceKey: "" };
  }
}

export default function WalletsPage() {
  const config = useConsoleConfig();
  const [cred, setCred] = useState<SignerCredentials>(saved);
  const [userId, setUserId] = useState("");
  const [wallet, setWallet] = useState<SignerWallet | null>(null);
  const [txs, setTxs] = useState<SignerTransaction[]>([]);
  const [pin, setPin] = useState("");
  const [current, setCurrent] = useState({ otp: "", currentPin: "" });
  const [enrolment, setEnrolment] = useState<{ otpauthUri: string; secret: string; svg: string } | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => sessionStorage.setItem(STORE, JSON.stringify(cred)), [cred]);

  if (!config.signer) {
    return (
      <Notice kind="warn" testId="no-signer">
        This console runs without a signer service: start it (services/signer, docs/keys.md) and set signerUrl in the console's config.
      </Notice>
    );
  }

  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const refresh = async (w: SignerWallet): Promise<void> => {
    setWallet(w);
    setTxs((await signerApi.transactions(cred, w.userId)).transactions);
  };
  const open = () =>
    run(async () => {
      if (!cred.dapp || !cred.serviceKey) throw new Error("Enter the DApp id and its service key (lsk_…), as the operator created them");
      if (!userId) throw new Error("Enter the user's id in your DApp (a phone number, an e-mail or a social id)");
      setEnrolment(null);
      await refresh(await signerApi.createWallet(cred, userId));
    });
  const enroll = () =>
    run(async () => {
      if (!/^[0-9]{4,12}$/.test(pin)) throw new Error("The PIN must be 4 to 12 digits");
      const e = await signerApi.enroll(cred, wallet!.userId, pin, wallet!.twoFactor === "enrolled" ? current : undefined);
      const svg = await QRCode.toString(e.otpauthUri, { type: "svg", margin: 1, width: 220 });
      setEnrolment({ ...e, svg });
      setWallet({ ...wallet!, twoFactor: "pending" });
    });
  const confirm = () =>
    run(async () => {
      const w = await signerApi.confirm(cred, wallet!.userId, code.trim());
      setEnrolment(null);
      setCode("");
      await refresh(w);
    });

  return (
    <div className="wallets-page" data-testid="wallets-page">
      <h1>Wallets and 2FA</h1>
      <p className="muted">
        A DApp's end users sign with keys kept in the platform's HSM. Open a user's wallet with your DApp's service key, enrol their authenticator app and PIN (needed
        above your DApp's threshold), and follow their transactions.
      </p>
      <section className="panel">
        <div className="form-row">
          <label>
            DApp id <input data-testid="signer-dapp" value={cred.dapp} onChange={(e) => setCred({ ...cred, dapp: e.target.value.trim() })} />
          </label>
          <label>
            Service key <input data-testid="signer-key" type="password" value={cred.serviceKey} onChange={(e) => setCred({ ...cred, serviceKey: e.target.value.trim() })} />
          </label>
          <label>
            User id <input data-testid="signer-user" value={userId} placeholder="+82-10-…, name@example.com" onChange={(e) => setUserId(e.target.value)} />
          </label>
          <button type="button" data-testid="signer-open" disabled={busy} onClick={() => void open()}>
            Open wallet
          </button>
        </div>
      </section>
      {error ? <ErrorBox error={error} title="The signer refused" /> : null}
      {wallet ? (
        <section className="panel" data-testid="signer-wallet">
          <h2>{wallet.userId}</h2>
          <dl className="op-summary">
            <dt>Address</dt>
            <dd className="mono" data-testid="signer-address">
              {wallet.address}
            </dd>
            <dt>2FA</dt>
            <dd data-testid="signer-2fa">{wallet.twoFactor}</dd>
            <dt>Locked</dt>
            <dd>{wallet.locked ? `until ${wallet.lockedUntil}` : "no"}</dd>
          </dl>
          <h3>{wallet.twoFactor === "enrolled" ? "Replace the authenticator and PIN" : "Enrol an authenticator app and a PIN"}</h3>
          <div className="form-row">
            {wallet.twoFactor === "enrolled" ? (
              <>
                <label>
                  Current code <input value={current.otp} onChange={(e) => setCurrent({ ...current, otp: e.target.value })} />
                </label>
                <label>
                  Current PIN <input type="password" value={current.currentPin} onChange={(e) => setCurrent({ ...current, currentPin: e.target.value })} />
                </label>
              </>
            ) : null}
            <label>
              New PIN <input data-testid="signer-pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} />
            </label>
            <button type="button" data-testid="signer-enroll" disabled={busy} onClick={() => void enroll()}>
              Enrol
            </button>
          </div>
          {enrolment ? (
            <div className="enrolment" data-testid="signer-enrolment">
              <p>Scan with the user's authenticator app, then enter the code it shows.</p>
              <div className="qr" data-testid="signer-qr" dangerouslySetInnerHTML={{ __html: enrolment.svg }} />
              <p className="mono small">
                secret <span data-testid="signer-secret">{enrolment.secret}</span>
              </p>
              <p className="mono small break" data-testid="signer-uri">
                {enrolment.otpauthUri}
              </p>
              <div className="form-row">
                <label>
                  Code <input data-testid="signer-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} />
                </label>
                <button type="button" data-testid="signer-confirm" disabled={busy} onClick={() => void confirm()}>
                  Confirm
                </button>
              </div>
            </div>
          ) : null}
          <h3>Transactions</h3>
          {txs.length === 0 ? (
            <p className="muted" data-testid="signer-no-txs">
              None yet: your backend sends them with POST /v1/dapps/{cred.dapp}/transactions (docs/tx-api.md).
            </p>
          ) : (
            <table data-testid="signer-txs">
              <thead>
                <tr>
                  <th>Created</th>
                  <th>Chain</th>
                  <th>Template</th>
                  <th>Nonce</th>
                  <th>Status</th>
                  <th>Hash</th>
                </tr>
              </thead>
              <tbody>
                {txs.map((t) => (
                  <tr key={t.id}>
                    <td>{t.createdAt}</td>
                    <td>{t.chainId}</td>
                    <td>{t.template}</td>
                    <td>{t.nonce}</td>
                    <td title={t.error ?? ""}>{t.status}</td>
                    <td className="mono">{t.hash.slice(0, 18)}…</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
    </div>
  );
}
