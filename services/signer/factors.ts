/**
 * The second factors of a wallet: an RFC 6238 TOTP secret (SHA-1, 6 digits, 30 s — what every authenticator app
 * reads from an `otpauth://` URI) and a PIN kept as a scrypt hash. A code is accepted within ±`window` steps and only
 * once: its step must be later than the last step the wallet used.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import * as OTPAuth from "otpauth";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1 };
export const TOTP_PERIOD = 30;

/** A new random TOTP secret (160 bits, base32). */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

function totp(secret: string, issuer = "Luniverse", label = "wallet"): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer, label, algorithm: "SHA1", digits: 6, period: TOTP_PERIOD, secret: OTPAuth.Secret.fromBase32(secret) });
}

/** The `otpauth://totp/…` URI an authenticator app enrols from (the console shows it as a QR code). */
export function otpauthUri(secret: string, issuer: string, label: string): string {
  return totp(secret, issuer, label).toString();
}

/** The code of `secret` at `timestampMs` (tests and tools). */
export function totpCode(secret: string, timestampMs = Date.now()): string {
  return totp(secret).generate({ timestamp: timestampMs });
}

/** The time step a valid code belongs to (within ±window of now), or null for a wrong code. */
export function totpStep(secret: string, code: string, window: number, nowMs = Date.now()): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: nowMs, window });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD) + delta;
}

/** scrypt hash of a PIN: `scrypt$<salt hex>$<hash hex>`. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(pin, salt, 32, SCRYPT);
  return `scrypt$${salt.toString("hex")}$${hash.toString("hex")}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [kind, saltHex, hashHex] = stored.split("$");
  if (kind !== "scrypt" || !saltHex || !hashHex) return false;
  const hash = await scryptAsync(pin, Buffer.from(saltHex, "hex"), 32, SCRYPT);
  return timingSafeEqual(hash, Buffer.from(hashHex, "hex"));
}

/** A PIN a user may choose: 4 to 12 digits. */
export function validPin(pin: unknown): pin is string {
  return typeof pin === "string" && /^[0-9]{4,12}$/.test(pin);
}
