/**
 * Loading and checking the force units' public keys. The server holds public
 * keys only. A key must be one GnuPG 2.2 on an air-gapped machine can use:
 * v4, no SEIPDv2 feature, RSA of 3072 bits or more or Curve25519 (legacy
 * ECDH/EdDSA encodings), encryption-capable and not expired.
 */
import * as openpgp from 'openpgp'

const MIN_RSA_BITS = 3072
const SEIPDV2_FEATURE = 0x08

/** An opaque set of checked recipient keys for one force. */
export interface RecipientKeys {
  readonly fingerprints: readonly string[]
  /** Key ids (16 hex digits) of the encryption subkeys a message is encrypted to. */
  readonly encryptionKeyIds: readonly string[]
  /** @internal the openpgp key objects; only crypto/ reads them. */
  readonly keys: readonly openpgp.PublicKey[]
}

/** The verdict on one key. */
export interface KeyReport {
  readonly fingerprint: string
  readonly algorithm: string
  readonly bits?: number
  readonly expires: string | null
  readonly problems: readonly string[]
}

function describe (info: openpgp.AlgorithmInfo): { name: string; bits?: number; ok: boolean } {
  const algorithm = String(info.algorithm)
  if (algorithm === 'rsaEncryptSign' || algorithm === 'rsaEncrypt' || algorithm === 'rsaSign') {
    return { name: 'rsa', bits: info.bits, ok: (info.bits ?? 0) >= MIN_RSA_BITS }
  }
  if (algorithm === 'ecdh' || algorithm === 'eddsaLegacy') {
    const curve = String(info.curve)
    return { name: `${algorithm}/${curve}`, ok: curve === 'curve25519Legacy' || curve === 'ed25519Legacy' }
  }
  return { name: algorithm, ok: false }
}

/** Checks one parsed key and lists every problem; an empty list means usable. */
export async function checkKey (key: openpgp.Key, now: Date = new Date()): Promise<KeyReport> {
  const problems: string[] = []
  const fingerprint = key.getFingerprint().toUpperCase()
  const primary = describe(key.getAlgorithmInfo())
  if (key.isPrivate()) problems.push('contains secret key material: the server must hold public keys only')
  if (key.keyPacket.version !== 4) problems.push(`version ${key.keyPacket.version} key: only v4 keys are readable by GnuPG 2.2`)
  if (!primary.ok) problems.push(`primary key algorithm ${primary.name}${primary.bits === undefined ? '' : ` ${primary.bits} bits`} is not RSA >= ${MIN_RSA_BITS} or Curve25519`)
  let expires: string | null = null
  try {
    const expiry = await key.getExpirationTime()
    if (expiry instanceof Date) {
      expires = expiry.toISOString().slice(0, 10)
      if (expiry.getTime() <= now.getTime()) problems.push('expired')
    }
  } catch {
    problems.push('no valid self-signature')
  }
  try {
    const { selfCertification } = await key.getPrimaryUser(now)
    const features = selfCertification.features ?? null
    if (features !== null && features.length > 0 && (features[0]! & SEIPDV2_FEATURE) !== 0) {
      problems.push('advertises the SEIPDv2 feature, which GnuPG 2.2 cannot read')
    }
  } catch {
    problems.push('no valid primary user')
  }
  try {
    const encryptionKey = await key.getEncryptionKey(undefined, now)
    const sub = describe(encryptionKey.getAlgorithmInfo())
    if (!sub.ok) problems.push(`encryption key algorithm ${sub.name}${sub.bits === undefined ? '' : ` ${sub.bits} bits`} is not RSA >= ${MIN_RSA_BITS} or Curve25519`)
    if (encryptionKey !== key && 'keyPacket' in encryptionKey && encryptionKey.keyPacket.version !== 4) problems.push('encryption subkey is not v4')
  } catch {
    problems.push('no valid encryption-capable key')
  }
  return Object.freeze({ fingerprint, algorithm: primary.name, bits: primary.bits, expires, problems: Object.freeze(problems) })
}

const ARMOR_BLOCK = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g

/** Parses armored text that may hold several keys, in one armor block or several concatenated. */
export async function readArmoredKeys (armored: string): Promise<openpgp.Key[]> {
  const blocks = armored.match(ARMOR_BLOCK) ?? [armored]
  const keys: openpgp.Key[] = []
  for (const block of blocks) keys.push(...await openpgp.readKeys({ armoredKeys: block }))
  return keys
}

/** Builds recipient keys from keys already checked. */
export function recipientKeys (keys: readonly openpgp.Key[]): RecipientKeys {
  const publicKeys = keys.map((key) => key.toPublic())
  return Object.freeze({
    fingerprints: Object.freeze(publicKeys.map((key) => key.getFingerprint().toUpperCase())),
    encryptionKeyIds: Object.freeze([] as string[]),
    keys: Object.freeze(publicKeys),
  })
}

/** Resolves the encryption subkey ids of recipient keys (done once at load). */
export async function withEncryptionKeyIds (recipients: RecipientKeys, now: Date = new Date()): Promise<RecipientKeys> {
  const ids: string[] = []
  for (const key of recipients.keys) {
    const encryptionKey = await key.getEncryptionKey(undefined, now)
    ids.push(encryptionKey.getKeyID().toHex().toUpperCase())
  }
  return Object.freeze({ ...recipients, encryptionKeyIds: Object.freeze(ids) })
}

/** Reads public keys from armored text (for keys generated in this process). */
export async function recipientsFromArmored (armored: string): Promise<RecipientKeys> {
  return withEncryptionKeyIds(recipientKeys(await readArmoredKeys(armored)))
}

/**
 * Every key id (primary and subkeys, 16 upper-case hex digits) of the keys in
 * armored text, whatever their state: `candour check` asks whether a stored
 * message was addressed to a force's keys, and a key that has since expired
 * still was one. Fails with the parser's error on text that holds no key.
 */
export async function allKeyIds (armored: string): Promise<string[]> {
  const keys = await readArmoredKeys(armored)
  return keys.flatMap((key) => key.getKeys().map((k) => k.getKeyID().toHex().toUpperCase()))
}

/** When a key stops being usable for encryption: the earlier of its own expiry and its encryption subkey's; null if never. */
async function encryptionExpiry (key: openpgp.Key, now: Date): Promise<Date | null> {
  const dates: Date[] = []
  try {
    const own = await key.getExpirationTime()
    if (own instanceof Date) dates.push(own)
  } catch {}
  try {
    const encryptionKey = await key.getEncryptionKey(undefined, now)
    if (encryptionKey !== key) {
      const sub = await (encryptionKey as openpgp.Subkey).getExpirationTime()
      if (sub instanceof Date) dates.push(sub)
    }
  } catch {}
  return dates.length === 0 ? null : new Date(Math.min(...dates.map((d) => d.getTime())))
}

/** One recipient key that stops being usable soon. */
export interface ExpiringKey {
  readonly fingerprint: string
  /** UTC date it expires, YYYY-MM-DD. */
  readonly expires: string
}

/** The keys of a recipient set that expire before `until` (issue 14's warnings). */
export async function keysExpiringBefore (recipients: RecipientKeys, until: Date, now: Date = new Date()): Promise<ExpiringKey[]> {
  const out: ExpiringKey[] = []
  for (const key of recipients.keys) {
    const expiry = await encryptionExpiry(key, now)
    if (expiry !== null && expiry.getTime() <= until.getTime()) out.push({ fingerprint: key.getFingerprint().toUpperCase(), expires: expiry.toISOString().slice(0, 10) })
  }
  return out
}
