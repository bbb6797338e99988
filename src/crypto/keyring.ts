/**
 * The force keyring: every force's unit keys read from KEYS_DIR/<force-id>/*.asc
 * and checked; in demo mode, a generated demo key for each force that has none.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as openpgp from 'openpgp'
import { checkKey, readArmoredKeys, type RecipientKeys } from './keys.js'
import { LiveRecipients, usableUntil, type ForceKey, type KeyExpired } from './live-recipients.js'

/** The marker in the user id of every demo key; production refuses such keys. */
export const DEMO_KEY_MARKER = 'Candour DEMO key'

/** One unusable key file, by path and reason. */
export interface KeyProblem {
  readonly path: string
  readonly reason: string
}

/** What the keyring found. */
export interface Keyring {
  /** Each force's keys usable at the moment of reading (a key that expires while the server runs drops out). */
  readonly byForce: ReadonlyMap<string, RecipientKeys>
  /** Forces whose keys are demo keys (their secret halves are on this server). */
  readonly demoForces: readonly string[]
  readonly problems: readonly KeyProblem[]
}

/** Options of loadKeyring. */
export interface KeyringOptions {
  readonly keysDir: string
  readonly forceIds: readonly string[]
  /** Where demo secret keys go; undefined in production, where none may exist. */
  readonly demoDir?: string
  /** UTC midnight used as the creation date of demo keys. */
  readonly today: Date
  /** Wall-clock milliseconds, for the checks at start and at every use (Date.now unless a test moves it on). */
  readonly now?: () => number
  /** Told once about each key that expires while the keyring is in use. */
  readonly onExpired?: (event: KeyExpired) => void
}

async function listAsc (dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir)
    return names.filter((name) => name.endsWith('.asc')).sort().map((name) => path.join(dir, name))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

function isDemoKey (key: openpgp.Key): boolean {
  return key.getUserIDs().some((id) => id.includes(DEMO_KEY_MARKER))
}

async function forceKey (file: string, key: openpgp.Key, now: Date): Promise<ForceKey> {
  const publicKey = key.toPublic()
  const encryptionKey = await publicKey.getEncryptionKey(undefined, now)
  return Object.freeze({
    file,
    key: publicKey,
    fingerprint: publicKey.getFingerprint().toUpperCase(),
    encryptionKeyId: encryptionKey.getKeyID().toHex().toUpperCase(),
    usableUntil: await usableUntil(publicKey, now),
  })
}

async function loadFile (file: string, now: Date, allowDemo: boolean): Promise<{ keys: openpgp.Key[]; problems: KeyProblem[] }> {
  const problems: KeyProblem[] = []
  let keys: openpgp.Key[]
  try {
    keys = await readArmoredKeys(await readFile(file, 'utf8'))
  } catch {
    return { keys: [], problems: [{ path: file, reason: 'not an armored OpenPGP public key' }] }
  }
  const good: openpgp.Key[] = []
  for (const key of keys) {
    const report = await checkKey(key, now)
    const reasons = [...report.problems]
    if (!allowDemo && isDemoKey(key)) reasons.push('is a demo key, refused in production')
    if (reasons.length > 0) problems.push({ path: file, reason: `${report.fingerprint}: ${reasons.join('; ')}` })
    else good.push(key)
  }
  return { keys: good, problems }
}

async function demoKey (forceId: string, demoDir: string, today: Date): Promise<openpgp.Key> {
  const file = path.join(demoDir, `${forceId}.secret.asc`)
  try {
    const [existing] = await readArmoredKeys(await readFile(file, 'utf8'))
    if (existing !== undefined && isDemoKey(existing)) return existing.toPublic()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: `${DEMO_KEY_MARKER} (${forceId})`, email: `demo-${forceId}@candour.invalid` }],
    date: today,
    format: 'armored',
    config: { aeadProtect: false, v6Keys: false },
  })
  await mkdir(demoDir, { recursive: true, mode: 0o700 })
  await writeFile(file, privateKey, { mode: 0o600 })
  const [key] = await readArmoredKeys(privateKey)
  return key!.toPublic()
}

/** Reads and checks every force's keys; in demo mode fills gaps with demo keys. */
export async function loadKeyring (options: KeyringOptions): Promise<Keyring> {
  const now = new Date((options.now ?? Date.now)())
  const byForce = new Map<string, ForceKey[]>()
  const demoForces: string[] = []
  const problems: KeyProblem[] = []
  const demoMode = options.demoDir !== undefined
  for (const forceId of options.forceIds) {
    const keys: ForceKey[] = []
    for (const file of await listAsc(path.join(options.keysDir, forceId))) {
      const loaded = await loadFile(file, now, demoMode)
      for (const key of loaded.keys) keys.push(await forceKey(file, key, now))
      problems.push(...loaded.problems)
    }
    if (keys.length === 0 && options.demoDir !== undefined) {
      keys.push(await forceKey(path.join(options.demoDir, `${forceId}.secret.asc`), await demoKey(forceId, options.demoDir, options.today), now))
      demoForces.push(forceId)
    }
    if (keys.length > 0) byForce.set(forceId, keys)
  }
  const live = new LiveRecipients(byForce, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onExpired === undefined ? {} : { onExpired: options.onExpired }),
  })
  return Object.freeze({ byForce: live, demoForces: Object.freeze(demoForces), problems: Object.freeze(problems) })
}
