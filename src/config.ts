/**
 * The only reader of process.env (house rule 1). Settings are validated once,
 * frozen, and a bad one stops start-up naming the setting, never its value.
 */
import path from 'node:path'
import { CandourError } from './errors.js'

const MiB = 1024 * 1024

/** The validated, frozen configuration of one process. */
export interface Config {
  readonly host: string
  readonly port: number
  /** The reviewer workspace's own listener (issue 9): never the reporters' address. */
  readonly reviewHost: string
  readonly reviewPort: number
  readonly dataDir: string
  readonly keysDir: string
  /** Demo mode (CANDOUR_DEMO=1): forces without a key get demo keys whose secret halves sit in DATA_DIR. */
  readonly demo: boolean
  /** Production mode: everything that is not demo mode (issue 9: never decided by NODE_ENV). */
  readonly production: boolean
  /** Whether cookies carry Secure (on by default in production; Tor Browser treats .onion as secure). */
  readonly cookieSecure: boolean
  /** Largest accepted submission (all parts together), in bytes. */
  readonly maxSubmissionBytes: number
  readonly maxFiles: number
  readonly maxMessageChars: number
  readonly maxContactChars: number
  /** scrypt cost for codename derivations (N); lower only in tests. */
  readonly scryptCost: number
  /** New reporters made ahead of time, in memory, for bursts of reports (0 turns it off). */
  readonly codenameReserve: number
  /** Form uploads (reports, further information) in progress at once; more are told the service is busy. */
  readonly maxUploads: number
  /** Free space in DATA_DIR, in bytes, below which attachments are refused (text is still taken). */
  readonly minFreeBytes: number
  /** Open connections the reporter listener accepts at once (server.maxConnections). */
  readonly maxConnections: number
  /** Where "Exit this page" leads: an ordinary, neutral page (issue 13). */
  readonly exitUrl: string
  /** Days a closed report is kept before the daily sweep deletes it (issue 14). */
  readonly retainClosedDays: number
  /** The licence the open statistics are published under (issue 12): its name and the address of its text. */
  readonly statsLicence: { readonly name: string; readonly url: string }
}

/** The "Exit this page" target unless CANDOUR_EXIT_URL says otherwise: GOV.UK's own choice, a weather forecast. */
export const DEFAULT_EXIT_URL = 'https://www.bbc.co.uk/weather'

// An absolute http(s) URL with nothing that could break out of an attribute or run script.
function exitUrl (env: Env): string {
  const raw = env.CANDOUR_EXIT_URL
  if (raw === undefined || raw === '') return DEFAULT_EXIT_URL
  let url: URL
  try { url = new URL(raw) } catch { fail('CANDOUR_EXIT_URL', 'not an absolute URL') }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('CANDOUR_EXIT_URL', 'not an http or https URL')
  if (url.username !== '' || url.password !== '') fail('CANDOUR_EXIT_URL', 'carries credentials')
  return url.href
}

/** The UK public-sector convention for open data. */
export const DEFAULT_STATS_LICENCE = Object.freeze({
  name: 'Open Government Licence v3.0',
  url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
})

function licence (env: Env): { name: string; url: string } {
  const name = env.CANDOUR_STATS_LICENCE
  const url = env.CANDOUR_STATS_LICENCE_URL
  if ((name === undefined || name === '') && (url === undefined || url === '')) return DEFAULT_STATS_LICENCE
  if (name === undefined || !/^[\p{L}\p{N} .,()'’&+:/-]{1,200}$/u.test(name)) fail('CANDOUR_STATS_LICENCE', 'set it with CANDOUR_STATS_LICENCE_URL, plain text up to 200 characters')
  if (url === undefined || !/^https:\/\/[\x21-\x7e]{1,500}$/.test(url)) fail('CANDOUR_STATS_LICENCE_URL', 'set it with CANDOUR_STATS_LICENCE, an https address')
  return Object.freeze({ name, url })
}

type Env = Readonly<Record<string, string | undefined>>

function fail (name: string, why: string): never {
  throw new CandourError('CONFIG_INVALID', `invalid setting ${name}: ${why}`, { detail: { setting: name } })
}

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) fail(name, 'not a whole number')
  const value = Number(raw)
  if (value < min || value > max) fail(name, `out of range ${min}..${max}`)
  return value
}

function flag (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  fail(name, 'not true or false')
}

function hostSetting (env: Env, name: string): string {
  const raw = env[name]
  const host = raw === undefined || raw === '' ? '127.0.0.1' : raw
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) fail(name, 'not a host name or address')
  return host
}

/** Reads and validates the configuration from an environment (process.env by default). */
export function loadConfig (env: Env = process.env, cwd: string = process.cwd()): Config {
  const host = hostSetting(env, 'HOST')
  const reviewHost = hostSetting(env, 'REVIEW_HOST')
  // Production unless demo mode is asked for by name: a deployment that forgets a variable must
  // not end up with demo keys whose secret halves sit on the server (issue 9).
  const demo = flag(env, 'CANDOUR_DEMO', false)
  const production = !demo
  const scryptCost = integer(env, 'CANDOUR_SCRYPT_COST', 2 ** 15, 2 ** 10, 2 ** 20)
  if ((scryptCost & (scryptCost - 1)) !== 0) fail('CANDOUR_SCRYPT_COST', 'not a power of two')
  if (production && scryptCost < 2 ** 14) fail('CANDOUR_SCRYPT_COST', 'below the production minimum')
  const port = integer(env, 'PORT', 8080, 0, 65535)
  const reviewPort = integer(env, 'REVIEW_PORT', 8081, 0, 65535)
  // One address for both would put the workspace back in front of the public.
  if (port !== 0 && port === reviewPort && host === reviewHost) fail('REVIEW_PORT', 'same address as HOST and PORT')
  return Object.freeze({
    host,
    port,
    reviewHost,
    reviewPort,
    dataDir: path.resolve(cwd, env.DATA_DIR === undefined || env.DATA_DIR === '' ? 'data' : env.DATA_DIR),
    keysDir: path.resolve(cwd, env.KEYS_DIR === undefined || env.KEYS_DIR === '' ? 'keys' : env.KEYS_DIR),
    demo,
    production,
    cookieSecure: flag(env, 'CANDOUR_COOKIE_SECURE', production),
    maxSubmissionBytes: integer(env, 'CANDOUR_MAX_SUBMISSION_MIB', 500, 1, 64 * 1024) * MiB,
    maxFiles: integer(env, 'CANDOUR_MAX_FILES', 10, 0, 100),
    maxMessageChars: 100_000,
    maxContactChars: 2_000,
    scryptCost,
    codenameReserve: integer(env, 'CANDOUR_CODENAME_RESERVE', 500, 0, 100_000),
    maxUploads: integer(env, 'CANDOUR_MAX_UPLOADS', 32, 1, 10_000),
    minFreeBytes: integer(env, 'CANDOUR_MIN_FREE_MIB', 2048, 0, 1024 * 1024) * MiB,
    maxConnections: integer(env, 'CANDOUR_MAX_CONNECTIONS', 1024, 16, 65_535),
    exitUrl: exitUrl(env),
    retainClosedDays: integer(env, 'CANDOUR_RETAIN_CLOSED_DAYS', 365, 1, 36_500),
    statsLicence: licence(env),
  })
}
