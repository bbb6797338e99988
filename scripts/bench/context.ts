/** What every scenario gets: sizes for a quick or full run, a work folder, the unit key, and a way to start the server. */
import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import type { BenchKeys } from './keys.js'
import { spawnServer, startCommand, type ChildServer } from './server.js'

/** Sizes of one run. */
export interface Sizes {
  /** Upload sizes of scenario 1, in MiB (the last is compared with gpg). */
  readonly uploadMiB: readonly number[]
  /** Seconds each autocannon measurement lasts. */
  readonly loadSeconds: number
  /** Codenames made ahead in scenario 3, text reports posted from them in a burst, and posted with none ready. */
  readonly textReserve: number
  readonly textReports: number
  readonly textReportsSustained: number
  /** Reporters created for the login scenario. */
  readonly reporters: number
  /** Reports written by the store generator. */
  readonly storeReports: number
  /** Requests of each page measured on the filled store. */
  readonly scaleRequests: number
  /** Concurrent uploads of scenario 6, and the size of each in MiB. */
  readonly concurrentUploads: number
  readonly concurrentMiB: number
  /** Scenario 7: uploads trickling at a Tor circuit's pace, the size of each in KiB, and the pace in KB/s. */
  readonly torUploads: number
  readonly torKiB: number
  readonly torKBps: number
}

/** The full run's sizes, as the issue sets them. */
export const FULL: Sizes = Object.freeze({ uploadMiB: [100, 1024], loadSeconds: 10, textReserve: 500, textReports: 480, textReportsSustained: 160, reporters: 60, storeReports: 1_000_000, scaleRequests: 2000, concurrentUploads: 100, concurrentMiB: 10, torUploads: 200, torKiB: 2048, torKBps: 25 })

/** The quick run's sizes: every figure, in well under a minute. */
export const QUICK: Sizes = Object.freeze({ uploadMiB: [4, 16], loadSeconds: 1, textReserve: 40, textReports: 16, textReportsSustained: 16, reporters: 6, storeReports: 10_000, scaleRequests: 100, concurrentUploads: 8, concurrentMiB: 1, torUploads: 10, torKiB: 64, torKBps: 25 })

/** Shared state of one run. */
export interface BenchContext {
  readonly quick: boolean
  readonly sizes: Sizes
  /** A temporary folder removed at the end of the run. */
  readonly workDir: string
  readonly keys: BenchKeys
  /** Extra node flags for server children (e.g. --cpu-prof). */
  readonly serverNodeArgs: readonly string[]
  /** Progress line to standard error. */
  log (line: string): void
}

/** Environment of a production-mode Candour server with its own DATA_DIR. */
export function serverEnv (ctx: BenchContext, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    REVIEW_PORT: '0',
    // Production mode (the default), whatever `npm start` sets for the demo.
    CANDOUR_DEMO: '0',
    DATA_DIR: dataDir,
    KEYS_DIR: ctx.keys.keysDir,
    CANDOUR_COOKIE_SECURE: 'false',
    CANDOUR_MAX_SUBMISSION_MIB: '2048',
    // Off unless a scenario turns it on: the reserve fills in the background after start-up,
    // and would take a core from whatever is measured then (scenario 3 waits for it to fill).
    CANDOUR_CODENAME_RESERVE: '0',
    ...extra,
  }
}

/** Starts Candour (src/main.ts, with the flags of `npm start`) as a child with a fresh DATA_DIR, runs `work`, stops it and removes the folder. */
export async function withCandour<T> (ctx: BenchContext, work: (server: ChildServer, dataDir: string) => Promise<T>, options: { dataDir?: string; env?: Record<string, string>; keep?: boolean; waitFor?: RegExp; timeoutMs?: number } = {}): Promise<T> {
  const dataDir = options.dataDir ?? await mkdtemp(path.join(ctx.workDir, 'data-'))
  const start = startCommand()
  const server = await spawnServer({ entry: 'src/main.ts', env: { ...start.env, ...serverEnv(ctx, dataDir, options.env) }, nodeArgs: [...start.flags, ...ctx.serverNodeArgs], ...(options.waitFor === undefined ? {} : { waitFor: options.waitFor }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) })
  try {
    return await work(server, dataDir)
  } finally {
    await server.stop()
    if (options.keep !== true) await rm(dataDir, { recursive: true, force: true })
  }
}
