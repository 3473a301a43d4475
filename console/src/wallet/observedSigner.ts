/**
 * A signer that reports each transaction it sends: the operation pages wrap the wallet's signer in it to show
 * progress (sent → mined, with the hash) while an operation of ops/ runs unchanged.
 */
import { AbstractSigner, type Provider, type Signer, type TransactionRequest, type TransactionResponse, type TypedDataDomain, type TypedDataField } from "ethers";

export interface SentTransaction {
  hash: string;
  status: "sent" | "mined" | "failed";
}

export class ObservedSigner extends AbstractSigner {
  constructor(
    private readonly inner: Signer,
    private readonly onSent: (tx: TransactionResponse) => void,
  ) {
    super(inner.provider);
  }
  override connect(provider: Provider | null): ObservedSigner {
    return new ObservedSigner(this.inner.connect(provider), this.onSent);
  }
  override getAddress(): Promise<string> {
    return this.inner.getAddress();
  }
  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(tx);
  }
  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }
  override signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const sent = await this.inner.sendTransaction(tx);
    this.onSent(sent);
    return sent;
  }
}
