/**
 * The server's daily work (issue 14): the retention sweep, and a log line for
 * each force whose key expires within the warning window. It runs once soon
 * after start and then once a day; runs never overlap, and closing waits for
 * the one under way. The clock is injected so tests can move through days.
 */
import type { RecipientKeys } from './crypto/keys.js'
import { utcDate } from './domain/dates.js'
import { EXPIRY_WARNING_DAYS, expiringForces } from './domain/key-expiry.js'
import { sweepRetention } from './domain/retention.js'
import type { Kv } from './store/kv.js'

/** A day, the interval of the daily work. */
export const DAY_MS = 24 * 60 * 60 * 1000

/** What the daily work needs. */
export interface MaintenanceDeps {
  readonly kv: Kv
  readonly recipients: ReadonlyMap<string, RecipientKeys>
  readonly retainClosedDays: number
  readonly now: () => Date
  readonly log: (line: string) => void
}

/** The running daily work. */
export interface Maintenance {
  /** Runs the daily work now (after any run under way); resolves when done. */
  run (): Promise<void>
  close (): Promise<void>
}

/** Starts the daily work; the first run is after `firstDelayMs`, then every `intervalMs`. */
export function startMaintenance (deps: MaintenanceDeps, options: { firstDelayMs?: number; intervalMs?: number } = {}): Maintenance {
  let running: Promise<void> = Promise.resolve()
  let closed = false
  const once = async (): Promise<void> => {
    const now = deps.now()
    const today = utcDate(now)
    for (const { force, expires } of await expiringForces(deps.recipients, now)) {
      deps.log(expires < today
        ? `the key of force ${force} expired on ${expires}: the unit must send a new public key`
        : `the key of force ${force} expires on ${expires}, within ${EXPIRY_WARNING_DAYS} days: the unit must send a new public key`)
    }
    const swept = await sweepRetention(deps.kv, { retainClosedDays: deps.retainClosedDays, now, actor: 'system' })
    if (swept.reports > 0) deps.log(`retention: deleted ${swept.reports} report(s) closed more than ${deps.retainClosedDays} days ago`)
  }
  const run = (): Promise<void> => {
    if (closed) return running
    running = running.then(once).catch(() => deps.log('the daily maintenance failed; it runs again tomorrow'))
    return running
  }
  const first = setTimeout(() => { void run() }, options.firstDelayMs ?? 60_000)
  const daily = setInterval(() => { void run() }, options.intervalMs ?? DAY_MS)
  first.unref()
  daily.unref()
  return {
    run,
    async close () {
      closed = true
      clearTimeout(first)
      clearInterval(daily)
      await running
    },
  }
}
