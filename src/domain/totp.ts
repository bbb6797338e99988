/**
 * Time-based one-time codes (RFC 6238: SHA-1, six digits, 30-second steps,
 * what every authenticator app reads) through otplib. The secret is stored as
 * is, since the server must compute the codes to check them.
 */
import { generateSecret, generateURI, verifySync } from 'otplib'

/** The issuer shown by authenticator apps. */
export const TOTP_ISSUER = 'Candour'

/** A fresh secret: 20 random bytes, base32. */
export function newTotpSecret (): string {
  return generateSecret({ length: 20 })
}

/** The otpauth:// URI an authenticator app imports (as text or QR code). */
export function totpUri (username: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret })
}

/**
 * The time step of `code` if it is right for now or one step either side and
 * later than `afterStep` (so a code once accepted is refused ever after); else undefined.
 */
export function acceptTotp (secret: string, code: string, afterStep: number | undefined, nowMs: number = Date.now()): number | undefined {
  // Checked first: otplib throws on a token of the wrong length.
  if (!/^\d{6}$/.test(code)) return undefined
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: 30,
    ...(afterStep === undefined ? {} : { afterTimeStep: afterStep }),
  })
  // The result type covers HOTP too; a TOTP match always carries its step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined
}
