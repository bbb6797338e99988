/**
 * Starting and stopping the whole service: store, keys, app, HTTP server,
 * control socket. main.ts calls it with the real configuration; tests call it
 * with a temporary DATA_DIR and port 0.
 */
import { mkdir, chmod, readdir } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Config } from './config.js'
import { loadKeyring, type KeyProblem } from './crypto/keyring.js'
import { CodenameReserve } from './domain/codename-reserve.js'
import { utcMidnight } from './domain/dates.js'
import { forceDirectory } from './domain/force-directory.js'
import { KeyExpiryNotices } from './domain/key-expiry.js'
import { RECIPIENTS } from './domain/forces.js'
import { DerivationQueue, DEFAULT_DERIVATION_LIMITS, type DerivationLimits } from './domain/derivation-queue.js'
import { LoginThrottle } from './domain/login-throttle.js'
import { PhoneLine } from './domain/phone-line.js'
import { ReviewerAdmin } from './domain/reviewer-admin.js'
import { ReviewerLogin } from './domain/reviewer-login.js'
import { Workspace } from './domain/workspace.js'
import { PublicStatistics } from './domain/statistics/publication.js'
import { CandourError } from './errors.js'
import { logLine } from './log.js'
import { startMaintenance, type Maintenance } from './maintenance.js'
import { removeOrphans } from './store/blobs.js'
import { ensureReportIndexes } from './store/report-index.js'
import { serveControl } from './store/control.js'
import { openLevelKv } from './store/level-kv.js'
import { loadPeppers } from './store/peppers.js'
import { freeSpaceProbe, type FreeSpaceProbe } from './store/free-space.js'
import { createApps, type Apps } from './web/app.js'
import { UploadGate } from './web/upload-gate.js'
import type { ReviewerOverrides } from './web/deps.js'
import { renderPage } from './web/render.js'

/** A running service. */
export interface Service {
  /** The reporters' site (HOST:PORT). */
  readonly url: string
  /** The reviewer workspace (REVIEW_HOST:REVIEW_PORT). */
  readonly reviewUrl: string
  /** Every route of each listener, as registered (tests walk them). */
  readonly routes: Apps['routes']
  readonly demoForces: readonly string[]
  readonly keyProblems: readonly KeyProblem[]
  /** The slots of codename derivations (tests and the benchmark read its load and counters). */
  readonly derivations: DerivationQueue
  /** Sockets open on the listener now (tests read it). */
  openConnections (): Promise<number>
  /** Uploads in progress (tests read it). */
  readonly uploads: Pick<UploadGate, 'active'>
  /** How full the codename reserve is (tests read it). */
  readonly codenameReserve: Pick<CodenameReserve, 'ready' | 'capacity'>
  /** The daily work (retention sweep, key expiry log); tests run it on demand. */
  readonly maintenance: Pick<Maintenance, 'run'>
  close (): Promise<void>
}

/** Overrides for tests and the benchmark. */
export interface ServiceOptions {
  /** Bounds of the codename derivation slots and their queues. */
  readonly derivations?: DerivationLimits
  /** Idle time that ends a reporter's session (30 minutes unless a test says otherwise). */
  readonly reporterIdleMs?: number
  /** The monotonic clock (ms) of reporter sessions' idle time and lifetime (performance.now unless a test moves it on). */
  readonly reporterSessionClock?: () => number
  /** Reviewer workspace overrides (idle time, session clock). */
  readonly reviewer?: ReviewerOverrides
  /** The wall clock (ms) keys are judged by at each use (Date.now unless a test moves it on). */
  readonly clock?: () => number
  /** Measures the free space in DATA_DIR (statfs unless a test simulates a full disk). */
  readonly freeSpace?: FreeSpaceProbe
  /** Inactivity, in ms, after which a socket is closed (two minutes unless a test says otherwise). */
  readonly socketIdleMs?: number
  /** How long the codename reserve waits after a hand-out before refilling (a second unless a test says otherwise). */
  readonly reserveQuietMs?: number
  /** The clock of the daily work, of key expiry warnings and of the public statistics' "today" (tests move it on). */
  readonly now?: () => Date
  /** Delay before the first daily run (a minute unless a test says otherwise). */
  readonly maintenanceDelayMs?: number
}

const DEMO_DIR = 'demo-keys'
// Two reviewer password checks at once (32 MiB each), a short queue: logins cannot starve the site.
const REVIEWER_PASSWORD_THROTTLE = { concurrency: 2, maxQueue: 20 }

async function refuseDemoSecrets (dataDir: string): Promise<void> {
  let names: string[] = []
  try { names = await readdir(path.join(dataDir, DEMO_DIR)) } catch { return }
  if (names.some((name) => name.endsWith('.asc'))) {
    throw new CandourError('CONFIG_INVALID', 'demo secret keys found in DATA_DIR/demo-keys; production refuses to start with demo keys')
  }
}

// One HTTP server for one app, with the timeouts both listeners share.
async function listen (handler: http.RequestListener, host: string, port: number, limits: { idleMs?: number | undefined; maxConnections: number }): Promise<http.Server> {
  const server = http.createServer(handler)
  // No Date header: a hidden service should not publish its clock.
  server.on('request', (_req, res) => { res.sendDate = false })
  // A 500 MiB upload over a slow Tor circuit takes long: no overall request deadline, but idle sockets close.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  server.timeout = limits.idleMs ?? 120_000
  // Past this many open sockets new ones are closed at once, before any byte is read (issue 9).
  server.maxConnections = limits.maxConnections
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return server
}

function urlOf (server: http.Server): string {
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

async function closeServers (servers: readonly http.Server[]): Promise<void> {
  await Promise.all(servers.map(async (server) => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }))
}

/** Starts the service; resolves once both listeners listen. */
export async function startService (config: Config, options: ServiceOptions = {}): Promise<Service> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  await chmod(config.dataDir, 0o700)
  if (config.production) await refuseDemoSecrets(config.dataDir)
  const keyring = await loadKeyring({
    keysDir: config.keysDir,
    forceIds: RECIPIENTS.map((force) => force.id),
    ...(config.production ? {} : { demoDir: path.join(config.dataDir, DEMO_DIR) }),
    today: utcMidnight(),
    ...(options.clock === undefined ? {} : { now: options.clock }),
    // Once per key, at the first use after it expired (issue 9).
    onExpired: (event) => {
      logLine(`key ${event.fingerprint} in ${event.file} has expired and is no longer used`)
      if (event.forceUnavailable) logLine(`force ${event.forceId} has no usable key left and is shown as unavailable`)
    },
  })
  for (const problem of keyring.problems) logLine(`unusable key file ${problem.path}: ${problem.reason}`)
  if (config.production && keyring.byForce.size === 0) throw new CandourError('KEYS_MISSING', 'no force has a usable key')
  if (keyring.demoForces.length > 0) {
    logLine('*** DEMO MODE ***')
    logLine(`*** ${keyring.demoForces.length} force(s) use generated DEMO keys whose SECRET halves are in ${path.join(config.dataDir, DEMO_DIR)} ***`)
    logLine('*** Nothing sent to this instance is safe. Never use it for real reports. ***')
  }

  const now = options.now ?? (() => new Date())
  // The reviewers' banner (issue 14): the keys do not change while the server runs, so their expiries are read once.
  const keyWarnings = { notices: await KeyExpiryNotices.of(keyring.byForce, now()), now }

  const kv = await openLevelKv(config.dataDir)
  const servers: http.Server[] = []
  let control
  let reserve: CodenameReserve | undefined
  let maintenance: Maintenance | undefined
  try {
    const orphans = await removeOrphans(kv)
    if (orphans > 0) logLine('removed unfinished uploads left by an earlier run')
    if (await ensureReportIndexes(kv) > 0) logLine('indexed the reports of a store written before the inbox indexes')
    const peppers = await loadPeppers(config.dataDir)
    control = await serveControl(kv, config.dataDir)
    const forces = forceDirectory(keyring.byForce)
    const demoMode = keyring.demoForces.length > 0
    const derivations = new DerivationQueue(options.derivations ?? DEFAULT_DERIVATION_LIMITS)
    reserve = new CodenameReserve({ peppers, scryptCost: config.scryptCost, derivations }, config.codenameReserve, {
      ...(options.reserveQuietMs === undefined ? {} : { quietMs: options.reserveQuietMs }),
      onFirstFull: () => logLine('codename reserve ready'),
      onFailure: () => logLine('codename reserve could not be filled'),
    })
    const reporting = { kv, recipients: keyring.byForce, peppers, scryptCost: config.scryptCost, reserve }
    const uploads = new UploadGate({ maxUploads: config.maxUploads, minFreeBytes: config.minFreeBytes, freeSpace: options.freeSpace ?? freeSpaceProbe(config.dataDir) })
    const statistics = new PublicStatistics(kv, { now })
    // Built now rather than by the first visitor; a failure here is retried by the first request.
    statistics.current().catch(() => logLine('statistics could not be built'))
    const apps = createApps({
      config,
      statistics,
      uploads,
      derivations,
      ...(options.reporterIdleMs === undefined ? {} : { reporterIdleMs: options.reporterIdleMs }),
      ...(options.reporterSessionClock === undefined ? {} : { reporterSessionClock: options.reporterSessionClock }),
      ...(options.reviewer === undefined ? {} : { reviewer: options.reviewer }),
      forces,
      services: {
        reporting,
        workspace: new Workspace({ kv, recipients: async () => keyring.byForce, keyWarnings, now }),
        accounts: new ReviewerAdmin(kv, keyWarnings),
        reviewerLogin: new ReviewerLogin(kv, new LoginThrottle(REVIEWER_PASSWORD_THROTTLE)),
        // Codenames read out by phone wait in the same login queue, with the same bounds, as online logins.
        phone: new PhoneLine({ submission: reporting, forces, limits: config, derivations }),
      },
      render: (template, context) => renderPage(template, context, { demoMode, exitUrl: config.exitUrl, retainClosedDays: config.retainClosedDays }),
    })
    const server = await listen(apps.reporter.callback(), config.host, config.port, { idleMs: options.socketIdleMs, maxConnections: config.maxConnections })
    servers.push(server)
    const reviewServer = await listen(apps.workspace.callback(), config.reviewHost, config.reviewPort, { maxConnections: config.maxConnections })
    servers.push(reviewServer)
    const openControl = control
    const openReserve = reserve
    openReserve.fill()
    const openMaintenance = startMaintenance({
      kv,
      recipients: keyring.byForce,
      retainClosedDays: config.retainClosedDays,
      now,
      log: logLine,
    }, { ...(options.maintenanceDelayMs === undefined ? {} : { firstDelayMs: options.maintenanceDelayMs }) })
    maintenance = openMaintenance
    return {
      url: urlOf(server),
      reviewUrl: urlOf(reviewServer),
      routes: apps.routes,
      demoForces: keyring.demoForces,
      keyProblems: keyring.problems,
      derivations,
      uploads,
      openConnections: () => new Promise((resolve, reject) => server.getConnections((err, count) => { if (err == null) resolve(count); else reject(err) })),
      codenameReserve: openReserve,
      maintenance: openMaintenance,
      async close () {
        await closeServers(servers)
        await openMaintenance.close()
        await openReserve.close()
        await openControl.close()
        await kv.close()
      },
    }
  } catch (err) {
    await closeServers(servers)
    await maintenance?.close()
    await reserve?.close()
    await control?.close()
    await kv.close()
    throw err
  }
}
