/**
 * Reviewers for tests: created by the real command line in a child process,
 * logged in over real HTTP with a TOTP code computed here from the secret the
 * command printed.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { generateSync } from 'otplib'
import { auditEntries, type AuditEntry } from '../../src/domain/audit.js'
import type { Kv } from '../../src/store/kv.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

/** The whole audit log, oldest first. */
export async function auditLogOf (kv: Kv): Promise<AuditEntry[]> {
  const all: AuditEntry[] = []
  for await (const entry of auditEntries(kv)) all.push(entry)
  return all
}

/** What `reviewer add --json` prints. */
export interface ReviewerCredentials {
  readonly username: string
  readonly password: string
  readonly totpSecret: string
}

/** A logged-in reviewer's cookie (name=value) and CSRF token. */
export interface ReviewerVisit {
  readonly cookie: string
  readonly csrf: string
}

/** Runs `candour <args>` against DATA_DIR in a child process. */
export function candour (args: readonly string[], dataDir: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: root, env: { ...process.env, CANDOUR_DEMO: '1', DATA_DIR: dataDir } })
}

/** Creates a reviewer of `force` (or an administrator when force is null) with the command line. */
export async function addReviewer (dataDir: string, username: string, force: string | null): Promise<ReviewerCredentials> {
  const { stdout } = await candour(['reviewer', 'add', '--name', username, ...(force === null ? ['--admin'] : ['--force', force]), '--json'], dataDir)
  return JSON.parse(stdout) as ReviewerCredentials
}

/** The TOTP code for now, or `steps` 30-second steps away. */
export function totpCode (secret: string, steps = 0): string {
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 })
}

/** Posts the login form; resolves with the raw response. */
export function postReviewerLogin (baseUrl: string, fields: { username: string; password: string; code: string }, cookie?: string): Promise<Response> {
  return fetch(`${baseUrl}/review/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', Origin: baseUrl, ...(cookie === undefined ? {} : { Cookie: cookie }) },
    body: new URLSearchParams(fields),
  })
}

/** The `name=value` part of the response's Set-Cookie. */
export function cookieOf (response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!
}

/**
 * Logs in (with the code of `steps` steps from now: a second login within one
 * 30-second step needs the next step's code, as a code is accepted once) and
 * reads the CSRF token from the audit page (administrators) or the inbox.
 */
export async function loginReviewer (baseUrl: string, credentials: ReviewerCredentials, steps = 0): Promise<ReviewerVisit> {
  const response = await postReviewerLogin(baseUrl, { username: credentials.username, password: credentials.password, code: totpCode(credentials.totpSecret, steps) })
  if (response.status !== 303) throw new Error(`reviewer login answered ${response.status}`)
  const cookie = cookieOf(response)
  for (const page of ['/review/', '/review/audit']) {
    const html = await (await fetch(`${baseUrl}${page}`, { headers: { Cookie: cookie }, redirect: 'manual' })).text()
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]
    if (csrf !== undefined) return { cookie, csrf }
  }
  throw new Error('no csrf token on the workspace pages')
}

/** GETs a page as the reviewer. */
export function getAsReviewer (baseUrl: string, visit: Pick<ReviewerVisit, 'cookie'>, pathname: string): Promise<Response> {
  return fetch(`${baseUrl}${pathname}`, { headers: { Cookie: visit.cookie }, redirect: 'manual' })
}

/** POSTs an urlencoded form as the reviewer. */
export function postFormAsReviewer (baseUrl: string, visit: Pick<ReviewerVisit, 'cookie'>, pathname: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${baseUrl}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', Origin: baseUrl, Cookie: visit.cookie },
    body: new URLSearchParams(fields),
  })
}
