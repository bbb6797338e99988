/**
 * A force unit's own key pair, made on its offline machine, and the checks a
 * reviewer runs on key files there. The pair is what GnuPG 2.2 reads: v4,
 * Curve25519 in the legacy encodings or RSA 4096, no SEIPDv2 feature, the
 * secret half protected by a passphrase (iterated and salted S2K, CFB) so that
 * `gpg --import` takes it. Every key is judged by the server's own checkKey.
 */
import * as openpgp from 'openpgp'
import { CandourError } from '../errors.js'
import { DEMO_KEY_MARKER } from './keyring.js'
import { checkKey, readArmoredKeys, recipientKeys, withEncryptionKeyIds, type KeyReport, type RecipientKeys } from './keys.js'

/** The key types a unit may generate. */
export const UNIT_KEY_TYPES = ['curve25519', 'rsa4096'] as const

/** One of UNIT_KEY_TYPES. */
export type UnitKeyType = typeof UNIT_KEY_TYPES[number]

/** A new unit key pair, armored. */
export interface UnitKeyPair {
  readonly publicKey: string
  readonly secretKey: string
  readonly fingerprint: string
}

/** Options of generateUnitKeyPair. */
export interface UnitKeyOptions {
  readonly type: UnitKeyType
  /** The user id's name, e.g. the force and unit. */
  readonly name: string
  /** Protects the secret half; never empty. */
  readonly passphrase: string
  /** Creation date; callers pass a UTC midnight so the key carries no time of day. */
  readonly date: Date
}

const TYPE_OPTIONS = {
  curve25519: { type: 'ecc', curve: 'curve25519Legacy' },
  rsa4096: { type: 'rsa', rsaBits: 4096 },
} as const

/** Generates a unit key pair and checks its public half as the server will; fails with KEY_INVALID if it would be refused. */
export async function generateUnitKeyPair (options: UnitKeyOptions): Promise<UnitKeyPair> {
  if (options.passphrase === '') throw new TypeError('a unit key needs a passphrase')
  const { publicKey, privateKey } = await openpgp.generateKey({
    ...TYPE_OPTIONS[options.type],
    userIDs: [{ name: options.name, comment: 'Candour unit key' }],
    passphrase: options.passphrase,
    date: options.date,
    format: 'armored',
    // Never SEIPDv2 or v6: GnuPG 2.2 reads neither.
    config: { aeadProtect: false, v6Keys: false },
  })
  const [key] = await readArmoredKeys(publicKey)
  const report = await checkKey(key!)
  if (report.problems.length > 0) throw new CandourError('KEY_INVALID', 'generated key fails the server checks')
  return Object.freeze({ publicKey, secretKey: privateKey, fingerprint: report.fingerprint })
}

/** The verdict on one key of a key file, with what a person needs to recognise it. */
export interface InspectedKey extends KeyReport {
  readonly userIds: readonly string[]
  /** True when it holds secret key material. */
  readonly secret: boolean
  /** @internal the parsed key; only crypto/ reads it. */
  readonly key: openpgp.Key
}

/**
 * Parses every key in armored text and judges each with the server's checks;
 * a demo key counts as a problem (production refuses it). Fails with
 * KEY_INVALID when the text holds no OpenPGP key at all.
 */
export async function inspectKeys (armored: string, now: Date = new Date()): Promise<InspectedKey[]> {
  let keys: openpgp.Key[]
  try {
    keys = await readArmoredKeys(armored)
  } catch (err) {
    throw new CandourError('KEY_INVALID', 'not an armored OpenPGP key', { cause: err })
  }
  if (keys.length === 0) throw new CandourError('KEY_INVALID', 'not an armored OpenPGP key')
  const out: InspectedKey[] = []
  for (const key of keys) {
    const report = await checkKey(key, now)
    const userIds = key.getUserIDs()
    const problems = [...report.problems]
    if (userIds.some((id) => id.includes(DEMO_KEY_MARKER))) problems.push('is a demo key, refused in production')
    out.push(Object.freeze({ ...report, problems: Object.freeze(problems), userIds: Object.freeze(userIds), secret: key.isPrivate(), key }))
  }
  return out
}

/** Recipient keys from inspected keys that all passed; fails with KEY_INVALID otherwise. */
export async function recipientsOf (keys: readonly InspectedKey[], now: Date = new Date()): Promise<RecipientKeys> {
  if (keys.length === 0 || keys.some((key) => key.problems.length > 0)) throw new CandourError('KEY_INVALID', 'recipient keys must all be usable')
  return withEncryptionKeyIds(recipientKeys(keys.map((key) => key.key)), now)
}
