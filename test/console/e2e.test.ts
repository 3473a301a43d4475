/**
 * The web console end to end, in a real browser: one devnet (`devnet:up` as a child process, real nodes, relayers,
 * indexer and console server), Debian's Chromium through playwright-core, and an injected EIP-1193 wallet (announced
 * by EIP-6963) that signs with development keys in Node and sends through the console's /rpc proxy. Each step leaves
 * a screenshot in test-output/console/; a failing step reports the error text the page shows.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, formatUnits, parseUnits, type HDNodeWallet } from "ethers";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { DevWallet, launchBrowser, screenshot, step, visibleErrors } from "../helpers/browser";
import { freeRange } from "../helpers/net";
import { childPids, killGroups } from "../helpers/processes";
import { DEV_ROLES as ROLES, devWallet } from "../../lib/accounts";
import { MainBridge__factory } from "../../typechain-types";
import { registerChain } from "../../ops/chain/registerChain";
import { totpCode } from "../../services/signer/factors";

const ROOT = path.resolve(__dirname, "../..");
const HARDHAT = path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js");
const VITE = path.join(ROOT, "node_modules", "vite", "bin", "vite.js");
const SHOTS = path.join(ROOT, "test-output", "console");
const MAIN_CHAIN_ID = 2018;
const PRODUCT_CHAIN_ID = 3001;

describe("web console end to end in Chromium (devnet, injected wallet)", function () {
  this.timeout(240_000);

  let dir = "";
  let devnet: ChildProcess | null = null;
  let output = "";
  const seenChildren = new Set<number>();
  let consoleUrl = "";
  let signerUrl = "";
  let main: JsonRpcProvider;
  let browser: Browser | null = null;
  let context: BrowserContext;
  let page: Page;
  let wallet: DevWallet;
  /** The product token the PD issued (for the bridge-pair proposal). */
  let issuedProductToken = "";

  const cp = devWallet(ROLES.deployer);
  const validator = devWallet(ROLES.validators[0]);
  const user = devWallet(ROLES.user);
  const pd = devWallet(ROLES.productDeveloper);

  async function waitForOutput(pattern: RegExp, ms: number): Promise<RegExpExecArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = pattern.exec(output);
      if (m) return m;
      if (devnet!.exitCode !== null) throw new Error(`devnet exited (${devnet!.exitCode}) before ${pattern}:\n${output.slice(-4000)}`);
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${pattern}:\n${output.slice(-4000)}`);
      for (const p of childPids(devnet!.pid!)) seenChildren.add(p);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Waits until `locator`'s text matches, reloading the page every `reloadMs` when given (data that an indexer catches up on). */
  async function waitForText(selector: string, pattern: RegExp, ms: number, reloadMs?: number): Promise<string> {
    const end = Date.now() + ms;
    let lastReload = Date.now();
    let text = "";
    for (;;) {
      text = (await page.locator(selector).allInnerTexts()).join("\n");
      if (pattern.test(text)) return text;
      if (Date.now() > end) throw new Error(`${selector} never matched ${pattern} within ${ms} ms (it shows: ${JSON.stringify(text.slice(0, 300))})`);
      if (reloadMs !== undefined && Date.now() - lastReload > reloadMs) {
        await page.reload();
        lastReload = Date.now();
      }
      await page.waitForTimeout(300);
    }
  }

  async function search(text: string): Promise<void> {
    const input = page.getByRole("banner").getByTestId("search-input");
    await input.fill(text);
    await input.press("Enter");
  }

  /** Fills the operation form's fields (data-testid op-<name>) inside `scope` (default: the page's one form). */
  async function fill(fields: Record<string, string>, scope: Locator = page.locator("body")): Promise<void> {
    for (const [name, value] of Object.entries(fields)) {
      const el = scope.getByTestId(`op-${name}`);
      if ((await el.evaluate((e) => e.tagName)) === "SELECT") await el.selectOption(value);
      else await el.fill(value);
    }
  }

  /** Review → Confirm and sign → the result (or the error the page shows). */
  async function reviewAndConfirm(scope: Locator = page.locator("body"), ms = 60_000): Promise<void> {
    await scope.getByTestId("op-review").click();
    await scope.getByTestId("op-confirm").waitFor({ timeout: 5_000 });
    await scope.getByTestId("op-confirm-button").click();
    await scope.locator('[data-testid="op-result"], [data-testid="op-error"]').first().waitFor({ timeout: ms });
    if (await scope.getByTestId("op-error").count()) throw new Error(`the operation failed; ${await visibleErrors(page)}`);
  }

  /** On the governance page: vote for proposal `proposalId` once open, queue it after the vote, execute it after the timelock. */
  async function passInBrowser(proposalId: string, shots: string): Promise<void> {
    const row = `[data-testid="proposal-row"][data-proposal-id="${proposalId}"]`;
    await step(page, "the validator votes for once voting opens", async () => {
      await waitForText(`${row} [data-testid="proposal-state"]`, /^Active$/, 30_000);
      await page.locator(`${row} [data-testid="proposal-vote-for"]`).click();
      await waitForText(`${row} [data-testid="op-tx"][data-status="mined"]`, /0x/, 30_000);
    });
    await screenshot(page, SHOTS, `${shots}-voted`);
    await step(page, "after the vote (6 blocks) it is queued in the timelock", async () => {
      await waitForText(`${row} [data-testid="proposal-state"]`, /^Succeeded$/, 40_000);
      await page.locator(`${row} [data-testid="proposal-queue"]`).click();
      await waitForText(`${row} [data-testid="proposal-state"]`, /^Queued$/, 30_000);
    });
    await screenshot(page, SHOTS, `${shots}-queued`);
    await step(page, "after the timelock delay (1 s) it is executed", async () => {
      await page.waitForTimeout(2_000);
      await page.locator(`${row} [data-testid="proposal-execute"]`).click();
      await waitForText(`${row} [data-testid="proposal-state"]`, /^Executed$/, 30_000);
    });
    await screenshot(page, SHOTS, `${shots}-executed`);
  }

  before(async function () {
    // the console under test is the working tree's: build it (vite, as npm run build does) before the devnet serves it
    const build = spawnSync(process.execPath, [VITE, "build", "--config", path.join("console", "vite.config.mts"), "--logLevel", "warn"], { cwd: ROOT, encoding: "utf8" });
    expect(build.status, `vite build of the console:\n${build.stdout}${build.stderr}`).to.equal(0);

    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-console-e2e-"));
    const used = new Set<number>();
    const ports = {
      main: await freeRange(1, used),
      product: await freeRange(1, used),
      ethereum: await freeRange(1, used),
      p2p: await freeRange(2, used),
      metrics: await freeRange(8, used),
      gateway: await freeRange(1, used),
      indexer: await freeRange(1, used),
      console: await freeRange(1, used),
      signer: await freeRange(1, used),
    };
    signerUrl = `http://127.0.0.1:${ports.signer}`;
    const args = [
      HARDHAT, "devnet:up", "--data-dir", dir,
      "--main-port", String(ports.main), "--product-port", String(ports.product), "--ethereum-port", String(ports.ethereum),
      "--p2p-port", String(ports.p2p), "--metrics-port", String(ports.metrics), "--gateway-port", String(ports.gateway),
      "--indexer-port", String(ports.indexer), "--console-port", String(ports.console), "--signer-port", String(ports.signer),
    ];
    devnet = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" }, stdio: ["ignore", "pipe", "pipe"] });
    devnet.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    devnet.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    await waitForOutput(/DEVNET READY/, 200_000);
    consoleUrl = (await waitForOutput(/web console\s+(http:\/\/127\.0\.0\.1:\d+)/, 1_000))[1]!;
    expect(consoleUrl).to.equal(`http://127.0.0.1:${ports.console}`);
    main = new JsonRpcProvider(`http://127.0.0.1:${ports.main}`, MAIN_CHAIN_ID, { staticNetwork: true });

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    wallet = new DevWallet({ consoleUrl, accounts: [cp, validator, user, pd], chainId: MAIN_CHAIN_ID });
    await wallet.install(page);
  });

  after(async function () {
    this.timeout(60_000);
    wallet?.destroy();
    await browser?.close().catch(() => undefined);
    main?.destroy();
    if (devnet && devnet.exitCode === null) {
      for (const p of childPids(devnet.pid!)) seenChildren.add(p);
      const exited = new Promise((r) => devnet!.once("exit", r));
      devnet.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (devnet.exitCode === null) devnet.kill("SIGKILL");
    }
    killGroups(seenChildren);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds a block, a transaction and an address by search", async () => {
    // a block with a transaction (the devnet's bootstrap sent many), read from the node itself
    let block: { number: string; hash: string; transactions: string[] } | null = null;
    for (let n = await main.getBlockNumber(); n > 0 && !block; n--) {
      const b = (await main.send("eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as { number: string; hash: string; transactions: string[] };
      if (b.transactions.length > 0) block = b;
    }
    expect(block, "a main-chain block with a transaction").to.not.equal(null);
    const number = Number(block!.number);
    const txHash = block!.transactions[0]!;

    await step(page, "open the console", async () => {
      await page.goto(consoleUrl);
      await page.getByRole("banner").getByTestId("search-input").waitFor({ timeout: 20_000 });
    });
    await screenshot(page, SHOTS, "01-home");

    await step(page, `search block ${number}`, async () => {
      await search(String(number));
      await page.waitForURL(new RegExp(`/chain/${MAIN_CHAIN_ID}/block/${number}$`), { timeout: 15_000 });
      await waitForText('[data-testid="block-number"]', new RegExp(`\\b${number.toLocaleString("en-US").replace(/,/g, ",?")}\\b`), 15_000);
    });
    await screenshot(page, SHOTS, "02-block");

    await step(page, `search transaction ${txHash}`, async () => {
      await search(txHash);
      await page.waitForURL(new RegExp(`/chain/${MAIN_CHAIN_ID}/tx/${txHash}$`, "i"), { timeout: 15_000 });
      await waitForText('[data-testid="tx-hash"]', new RegExp(txHash, "i"), 15_000);
    });
    await screenshot(page, SHOTS, "03-transaction");

    await step(page, `search address ${cp.address}`, async () => {
      await search(cp.address);
      await page.waitForURL(new RegExp(`/chain/${MAIN_CHAIN_ID}/address/${cp.address}$`, "i"), { timeout: 15_000 });
      await waitForText('[data-testid="address-balance"]', /\d/, 15_000);
    });
    await screenshot(page, SHOTS, "04-address");
  });

  it("enrols a user's authenticator on the wallets page: a QR code of the otpauth URI, then the first code confirms it", async () => {
    // the operator creates the DApp (the console never holds the operator token); the DApp uses its service key
    const admin = readFileSync(path.join(dir, "signer", "admin-token"), "utf8").trim();
    const created = await fetch(`${signerUrl}/v1/admin/dapps`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ id: "console-e2e" }) });
    const serviceKey = ((await created.json()) as { serviceKey: string }).serviceKey;
    await step(page, "open a user's wallet", async () => {
      await page.goto(`${consoleUrl}/wallets`);
      await page.getByTestId("signer-dapp").fill("console-e2e");
      await page.getByTestId("signer-key").fill("lsk_wrong");
      await page.getByTestId("signer-user").fill("mina@example.com");
      await page.getByTestId("signer-open").click();
      await waitForText('[data-testid="error"]', /wrong service key|belongs to another DApp|SIGNER_AUTH|service key/i, 20_000);
      await page.getByTestId("signer-key").fill(serviceKey);
      await page.getByTestId("signer-open").click();
      await waitForText('[data-testid="signer-address"]', /^0x[0-9a-fA-F]{40}$/, 20_000);
      expect(await page.getByTestId("signer-2fa").textContent()).to.equal("none");
    });
    await step(page, "enrol: a short PIN is refused, then the QR code and the secret are shown", async () => {
      await page.getByTestId("signer-pin").fill("12");
      await page.getByTestId("signer-enroll").click();
      await waitForText('[data-testid="error"]', /PIN must be 4 to 12 digits/, 10_000);
      await page.getByTestId("signer-pin").fill("246802");
      await page.getByTestId("signer-enroll").click();
      await page.getByTestId("signer-qr").locator("svg").waitFor({ timeout: 20_000 });
      expect(await page.getByTestId("signer-uri").textContent()).to.match(/^otpauth:\/\/totp\/Luniverse:console-e2e%3Amina%40example\.com\?/);
    });
    await screenshot(page, SHOTS, "04-wallet-2fa-qr");
    await step(page, "confirm with the authenticator's code", async () => {
      const secret = (await page.getByTestId("signer-secret").textContent())!;
      await page.getByTestId("signer-code").fill(totpCode(secret));
      await page.getByTestId("signer-confirm").click();
      await waitForText('[data-testid="signer-2fa"]', /^enrolled$/, 20_000);
    });
  });

  it("the node explorer lists the main chain's validator", async () => {
    await step(page, "open the node explorer", async () => {
      await page.goto(`${consoleUrl}/nodes`);
      // the validator's address, possibly shortened (0x1234…abcd)
      await waitForText('[data-testid="validator-row"]', new RegExp(validator.address.slice(0, 6), "i"), 20_000);
      expect(await page.getByTestId("validator-row").count(), "one row per main-chain validator (the devnet runs one)").to.be.greaterThanOrEqual(1);
    });
    await screenshot(page, SHOTS, "05-nodes");
  });

  it("issues a main token with the injected wallet (CP role), after showing a refusal in words, and lists it on the token dashboard", async () => {
    const symbol = `E2E${Date.now() % 100000}`;
    await step(page, "connect the injected wallet (EIP-6963)", async () => {
      await page.goto(`${consoleUrl}/operations`);
      await page.getByTestId("op-nav-main-token").click();
      await page.waitForURL(/\/operations\/main-token$/, { timeout: 5_000 });
      await page.getByTestId("wallet-connect").click();
      await waitForText('[data-testid="wallet-account"]', new RegExp(`${cp.address.slice(0, 6)}`, "i"), 10_000);
    });
    expect(wallet.requests).to.include("eth_requestAccounts");

    await step(page, "bad input is refused with the field named", async () => {
      await fill({ name: "E2E Token", symbol, decimals: "18", supply: "1000", cap: "10" });
      await page.getByTestId("op-review").click();
      await waitForText('[data-testid="op-error"]', /Cap \(10\) must be at least the initial supply \(1000\)/, 5_000);
    });
    await screenshot(page, SHOTS, "06-issue-bad-input");

    await step(page, "a user without the CP role gets the factory's custom error in words", async () => {
      await wallet.selectAccount(user);
      await waitForText('[data-testid="wallet-account"]', new RegExp(user.address.slice(0, 6), "i"), 5_000);
      await fill({ cap: "1000000" });
      await page.getByTestId("op-review").click();
      await page.getByTestId("op-confirm-button").click();
      const text = await waitForText('[data-testid="op-error"]', /MainTokenFactoryNotConsortiumPartner/, 30_000);
      expect(text).to.match(/governance grants the CP role/);
      expect(text).to.not.match(/at .*\.(ts|js):\d+/); // no stack
    });
    await screenshot(page, SHOTS, "07-issue-refused");

    let token = "";
    await step(page, "the CP issues the token: sent → mined, linked to the explorer", async () => {
      await wallet.selectAccount(cp);
      await waitForText('[data-testid="wallet-account"]', new RegExp(cp.address.slice(0, 6), "i"), 5_000);
      await reviewAndConfirm();
      const link = page.getByTestId("op-tx-link").first();
      expect(await link.getAttribute("href")).to.match(new RegExp(`^/chain/${MAIN_CHAIN_ID}/tx/0x[0-9a-f]{64}$`));
      expect(await page.getByTestId("op-tx").first().getAttribute("data-status")).to.equal("mined");
      token = (await page.getByTestId("op-result-token").innerText()).trim();
    });
    await screenshot(page, SHOTS, "08-issue-done");

    // on chain, independently of the page
    const erc20 = new Contract(token, ["function symbol() view returns (string)", "function balanceOf(address) view returns (uint256)", "function cap() view returns (uint256)"], main);
    expect(await erc20.getFunction("symbol")()).to.equal(symbol);
    expect(formatUnits(await erc20.getFunction("balanceOf")(cp.address))).to.equal("1000.0");

    await step(page, "the token dashboard lists the new token", async () => {
      await page.goto(`${consoleUrl}/chain/${MAIN_CHAIN_ID}/tokens`);
      await waitForText('[data-testid="token-row"]', new RegExp(symbol), 60_000, 3_000);
    });
    await screenshot(page, SHOTS, "09-token-dashboard");
  });

  it("the chain dashboard, the sample token's page (reconciled, no mismatch) and the traffic explorer show figures", async () => {
    const sample = (JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { sample?: { mainToken: string } }).sample!;
    await step(page, "the chain dashboard", async () => {
      await page.getByTestId("nav-chain").click();
      await page.waitForURL(new RegExp(`/chain/${MAIN_CHAIN_ID}$`), { timeout: 5_000 });
      await waitForText('[data-testid="chain-height"]', /\d/, 20_000);
    });
    await screenshot(page, SHOTS, "10-chain-dashboard");
    await step(page, "the sample main token's page", async () => {
      await page.goto(`${consoleUrl}/chain/${MAIN_CHAIN_ID}/token/${sample.mainToken}`);
      await waitForText('[data-testid="token-symbol"]', /LSMP/, 20_000);
      await page.locator('[data-testid="token-page"] [data-testid="reconciliation-status"]').first().waitFor({ timeout: 20_000 });
      const status = await page.locator('[data-testid="token-page"] [data-testid="reconciliation-status"]').first().getAttribute("data-status");
      expect(status, "the indexer's balances reconcile with the chain").to.not.equal("mismatch");
    });
    await screenshot(page, SHOTS, "10-token-page");
    await step(page, "the traffic explorer", async () => {
      await page.getByTestId("nav-traffic").click();
      await page.waitForURL(/\/traffic/, { timeout: 5_000 });
      await waitForText('[data-testid="traffic-page"]', /\d/, 20_000);
      expect(await page.getByTestId("page-not-found").count()).to.equal(0);
    });
    await screenshot(page, SHOTS, "10-traffic");
  });

  it("the CP permits a product token (EIP-712, the wallet adds the product chain with the console's RPC URL) and the PD issues it", async () => {
    const sample = (JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { sample?: { mainToken: string } }).sample;
    expect(sample?.mainToken, "the devnet's sample main token (its CP is recorded on the product token factory)").to.match(/^0x[0-9a-fA-F]{40}$/);
    const symbol = `PD${Date.now() % 100000}`;
    const permitForm = page.getByTestId("op-page").nth(0);
    const issueForm = page.getByTestId("op-page").nth(1);

    let permission = "";
    await step(page, "the CP signs the permission", async () => {
      await wallet.selectAccount(cp);
      await page.goto(`${consoleUrl}/operations/product-token`);
      await waitForText('[data-testid="wallet-account"]', new RegExp(cp.address.slice(0, 6), "i"), 10_000);
      await fill({ mainToken: sample!.mainToken, ratio: "2", developer: pd.address, hours: "1" }, permitForm);
      await reviewAndConfirm(permitForm);
      permission = await permitForm.getByTestId("op-result-permission").inputValue();
    });
    expect(wallet.addedChains.get(PRODUCT_CHAIN_ID), "wallet_addEthereumChain with the console's RPC URL").to.equal(`${consoleUrl}/rpc/${PRODUCT_CHAIN_ID}`);
    expect(wallet.requests).to.include("eth_signTypedData_v4");
    const signed = JSON.parse(permission) as { permission: { productDeveloper: string; ratio: string; productChainId: string } };
    expect(signed.permission).to.include({ productDeveloper: pd.address, ratio: "2", productChainId: String(PRODUCT_CHAIN_ID) });
    await screenshot(page, SHOTS, "11-permit-product-token");

    let token = "";
    await step(page, "the PD issues the product token on the product chain", async () => {
      await wallet.selectAccount(pd);
      await waitForText('[data-testid="wallet-account"]', new RegExp(pd.address.slice(0, 6), "i"), 5_000);
      await fill({ permit: permission, name: "E2E Product", symbol }, issueForm);
      await reviewAndConfirm(issueForm);
      expect(await issueForm.getByTestId("op-tx-link").first().getAttribute("href")).to.match(new RegExp(`^/chain/${PRODUCT_CHAIN_ID}/tx/0x[0-9a-f]{64}$`));
      token = (await issueForm.getByTestId("op-result-token").innerText()).trim();
      issuedProductToken = token;
    });
    await screenshot(page, SHOTS, "11-issue-product-token");

    const product = new JsonRpcProvider(`${consoleUrl}/rpc/${PRODUCT_CHAIN_ID}`, PRODUCT_CHAIN_ID, { staticNetwork: true });
    try {
      expect(await new Contract(token, ["function symbol() view returns (string)"], product).getFunction("symbol")()).to.equal(symbol);
    } finally {
      product.destroy();
    }
  });

  it("deposits main tokens into the bridge from the browser (approve + deposit), the relayers mint on the product chain, and redeems them", async () => {
    const sample = (JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { sample?: { productToken: string; pairId: string; ratio: string | number } }).sample!;
    const ratio = BigInt(sample.ratio);
    const product = new JsonRpcProvider(`${consoleUrl}/rpc/${PRODUCT_CHAIN_ID}`, PRODUCT_CHAIN_ID, { staticNetwork: true });
    const productToken = new Contract(sample.productToken, ["function balanceOf(address) view returns (uint256)"], product);
    try {
      const before = (await productToken.getFunction("balanceOf")(cp.address)) as bigint;
      await step(page, "the CP deposits 10 sample main tokens", async () => {
        await wallet.selectAccount(cp);
        await page.getByTestId("op-nav-bridge-transfer").click();
        await page.waitForURL(/\/operations\/bridge-transfer$/, { timeout: 5_000 });
        await fill({ direction: "deposit", pairId: sample.pairId, amount: "10" });
        await reviewAndConfirm();
        // the bridge's allowance first when needed, then the deposit: every transaction mined and linked
        const statuses = await page.getByTestId("op-tx").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")));
        expect(statuses.length).to.be.greaterThanOrEqual(1);
        expect(statuses.every((x) => x === "mined"), `transaction states ${statuses.join(",")}`).to.equal(true);
        await waitForText('[data-testid="op-result"]', /Deposited 10\.0 main tokens/, 5_000);
      });
      await screenshot(page, SHOTS, "12-deposit");
      const minted = parseUnits("10", 18) * ratio;
      const end = Date.now() + 90_000;
      let after = before;
      while (after - before < minted && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 1_000));
        after = (await productToken.getFunction("balanceOf")(cp.address)) as bigint;
      }
      expect(after - before, "product tokens minted by the relayers after 4 of 6 confirmations").to.equal(minted);

      await step(page, "the CP redeems them on the product chain", async () => {
        await page.getByRole("button", { name: "New" }).click();
        await fill({ direction: "redeem", pairId: sample.pairId, amount: formatUnits(minted, 18) });
        await reviewAndConfirm();
        await waitForText('[data-testid="op-result"]', /Redeemed .* product tokens; 10\.0 main tokens will be released/, 5_000);
      });
      await screenshot(page, SHOTS, "13-redeem");
      expect((await productToken.getFunction("balanceOf")(cp.address)) as bigint, "the redeemed product tokens are burnt").to.equal(before);
    } finally {
      product.destroy();
    }
  });

  it("deploys a fee-taking transfer template from the browser (a clone owned by the sender)", async () => {
    const sample = (JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { sample?: { mainToken: string } }).sample!;
    let instance = "";
    await step(page, "the CP deploys a transfer template with a 1% fee", async () => {
      await wallet.selectAccount(cp);
      await page.getByTestId("op-nav-template").click();
      await page.waitForURL(/\/operations\/template$/, { timeout: 5_000 });
      await fill({ kind: "transfer", token: sample.mainToken, feeBps: "100", feeRecipient: user.address });
      await reviewAndConfirm();
      instance = (await page.getByTestId("op-result-template").innerText()).trim();
    });
    await screenshot(page, SHOTS, "13-template");
    expect(instance).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(await main.getCode(instance), "the template has code on the main chain").to.not.equal("0x");
    const owner = (await new Contract(instance, ["function owner() view returns (address)"], main).getFunction("owner")()) as string;
    expect(owner).to.equal(cp.address);
  });

  it("every operation page checks its form and names the field that is wrong", async () => {
    const pages: [string, RegExp][] = [
      ["bridge-pair", /Main token is required: a 0x address/],
      ["bridge-transfer", /Amount must be a positive number of tokens/],
      ["template", /Token is required: a 0x address/],
      ["swap-vote", /Node owner to replace is required: a 0x address/],
      ["governance", /Account is required: a 0x address/],
    ];
    for (const [name, error] of pages) {
      await step(page, `the ${name} page refuses an empty form`, async () => {
        await page.getByTestId(`op-nav-${name}`).click();
        await page.waitForURL(new RegExp(`/operations/${name}$`), { timeout: 5_000 });
        await page.getByTestId("op-review").first().click();
        await waitForText('[data-testid="op-error"]', error, 5_000);
        expect(await page.getByTestId("op-confirm").count(), "no confirm step for a bad form").to.equal(0);
      });
      await screenshot(page, SHOTS, `14-${name}`);
    }
    await step(page, "a proposal's free call names a malformed signature and arguments that do not fit", async () => {
      await fill({ action: "call", contract: "ValidatorSet", signature: "releaseValidator(address", args: "" });
      await page.getByTestId("op-review").click();
      await waitForText('[data-testid="op-error"]', /Function "releaseValidator\(address" is not a valid signature/, 5_000);
      await fill({ signature: "releaseValidator(address)", args: '["not an address"]' });
      await page.getByTestId("op-review").click();
      await waitForText('[data-testid="op-error"]', /Arguments do not match releaseValidator\(address\): invalid address/, 5_000);
    });
  });

  it("proposes, votes, queues and executes a governance proposal from the browser (grant the CP role)", async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, "deployments", "luniverse.json"), "utf8")) as { contracts: Record<string, { name: string; address: string }> };
    const registryAddress = Object.values(manifest.contracts).find((c) => c.name === "ProductChainRegistry")?.address;
    expect(registryAddress, "the main deployment's ProductChainRegistry").to.match(/^0x[0-9a-fA-F]{40}$/);
    const registry = new Contract(registryAddress!, ["function hasRole(bytes32,address) view returns (bool)", "function CP_ROLE() view returns (bytes32)"], main);
    const CP_ROLE = (await registry.getFunction("CP_ROLE")()) as string;
    expect(await registry.getFunction("hasRole")(CP_ROLE, user.address), "the user has no CP role before").to.equal(false);

    let proposalId = "";
    await step(page, "a validator proposes", async () => {
      await wallet.selectAccount(validator);
      const prompts = wallet.requests.filter((m) => m === "eth_requestAccounts").length;
      await page.goto(`${consoleUrl}/operations/governance`);
      // after the reload the console reconnects the wallet it used (eth_accounts), without a new prompt
      await waitForText('[data-testid="wallet-account"]', new RegExp(validator.address.slice(0, 6), "i"), 10_000);
      expect(wallet.requests.filter((m) => m === "eth_requestAccounts").length).to.equal(prompts);
      await fill({ action: "grant-cp", address: user.address, description: `grant CP to the e2e user (${Date.now()})` });
      await reviewAndConfirm();
      proposalId = (await page.getByTestId("op-result-proposal").getAttribute("data-proposal-id"))!;
      expect(proposalId).to.match(/^\d+$/);
    });
    await screenshot(page, SHOTS, "15-proposed");
    await passInBrowser(proposalId, "15");

    expect(await registry.getFunction("hasRole")(CP_ROLE, user.address), "the executed proposal granted the CP role").to.equal(true);
  });

  it("registers a bridge pair by a governance proposal from the browser (sample main token / the PD's product token, 1:2)", async () => {
    expect(issuedProductToken, "the product token issued by the PD above").to.match(/^0x[0-9a-fA-F]{40}$/);
    const sample = (JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as { sample?: { mainToken: string } }).sample!;
    let proposalId = "";
    let pairId = "";
    await step(page, "a validator proposes registering the pair on the main bridge", async () => {
      await page.getByTestId("op-nav-bridge-pair").click();
      await page.waitForURL(/\/operations\/bridge-pair$/, { timeout: 5_000 });
      await fill({ side: "main", mainToken: sample.mainToken, productToken: issuedProductToken, ratio: "2", min: "1", max: "100", daily: "1000" });
      await reviewAndConfirm();
      proposalId = (await page.getByTestId("op-result-proposal").getAttribute("data-proposal-id"))!;
      pairId = (await page.getByTestId("op-result-pair").innerText()).trim();
    });
    expect(pairId).to.match(/^0x[0-9a-f]{64}$/);
    await screenshot(page, SHOTS, "16-bridge-pair-proposed");
    await page.getByTestId("op-nav-governance").click();
    await passInBrowser(proposalId, "16");
    const manifest = JSON.parse(readFileSync(path.join(dir, "deployments", "luniverse.json"), "utf8")) as { contracts: Record<string, { name: string; address: string }> };
    const bridge = MainBridge__factory.connect(Object.values(manifest.contracts).find((c) => c.name === "MainBridge")!.address, main);
    const pair = await bridge.getPair(pairId);
    expect(pair.mainToken.toLowerCase(), "the pair is registered on the main bridge").to.equal(sample.mainToken.toLowerCase());
    expect(pair.productToken.toLowerCase()).to.equal(issuedProductToken.toLowerCase());
    expect(pair.ratio).to.equal(2n);
    expect(pair.productChainId).to.equal(BigInt(PRODUCT_CHAIN_ID));
  });
  it("node owners swap one of them from the browser: a non-owner's vote is refused in words, the third owner's vote applies it", async () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, "deployments", "luniverse.json"), "utf8")) as { contracts: Record<string, { name: string; address: string }> };
    const registryAddress = Object.values(manifest.contracts).find((c) => c.name === "ProductChainRegistry")!.address;
    // a product chain registered by the CP through the same operation the tasks call; four idle development accounts own it
    const owners = [5, 6, 7, 8].map((i) => devWallet(i));
    const newcomer = devWallet(9);
    const chainId = 4242n;
    await registerChain(cp.connect(main), { registry: registryAddress, chainId, name: "e2e-swap", productDeveloper: pd.address, nodeOwners: owners.map((o) => o.address) as [string, string, string, string] });
    const registry = new Contract(registryAddress, ["function nodeOwners(uint256) view returns (address[4])"], main);

    const vote = async (who: HDNodeWallet) => {
      await wallet.selectAccount(who);
      await waitForText('[data-testid="wallet-account"]', new RegExp(who.address.slice(0, 6), "i"), 5_000);
      await page.goto(`${consoleUrl}/operations/swap-vote`);
      await fill({ chainId: chainId.toString(), oldOwner: owners[3]!.address, newOwner: newcomer.address });
      await page.getByTestId("op-review").click();
      await page.getByTestId("op-confirm-button").click();
      await page.locator('[data-testid="op-result"], [data-testid="op-error"]').first().waitFor({ timeout: 30_000 });
    };
    await step(page, "a user who owns no node of the chain is refused with the registry's error in words", async () => {
      await vote(user);
      const text = await waitForText('[data-testid="op-error"]', /ChainRegistryNotNodeOwner/, 5_000);
      expect(text).to.not.match(/at .*\.(ts|js):\d+/); // no stack
    });
    await screenshot(page, SHOTS, "17-swap-refused");
    for (const [i, owner] of owners.slice(0, 3).entries()) {
      await step(page, `node owner ${i + 1} votes`, async () => {
        await vote(owner);
        const text = await waitForText('[data-testid="op-result-swap"]', /Voted/, 5_000);
        expect(text).to.match(i < 2 ? new RegExp(`${i + 1} of 3 votes needed; the swap applies at the majority`) : /3 of 3 votes needed; the swap is applied/);
      });
    }
    await screenshot(page, SHOTS, "17-swap-applied");
    const now = ((await registry.getFunction("nodeOwners")(chainId)) as string[]).map((a) => a.toLowerCase());
    expect(now, "the registry's owners after the swap").to.include(newcomer.address.toLowerCase());
    expect(now).to.not.include(owners[3]!.address.toLowerCase());
  });
});
