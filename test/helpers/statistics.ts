/** Statistics fixtures shared by the web and end-to-end tests: counters written through a running service's control socket. */
import { CATEGORIES } from '../../src/domain/categories.js'
import { addMonths } from '../../src/domain/statistics/periods.js'
import { OUTCOMES } from '../../src/domain/triage.js'
import { connectControl } from '../../src/store/control.js'
import { statsOps, type StatsEvent } from '../../src/store/stats.js'

/** Events for `months` months up to and including `lastMonth`: busy kent and met, one small essex month. */
export function sampleEvents (lastMonth: string, months: number): StatsEvent[] {
  const events: StatsEvent[] = []
  const categories = Object.keys(CATEGORIES)
  for (let i = months - 1; i >= 0; i--) {
    const m = addMonths(lastMonth, -i)
    for (let r = 0; r < 40 + i; r++) {
      const f = r % 3 === 0 ? 'met' : 'kent'
      events.push({ e: 'received', m, f, ch: 'online', c: categories[r % categories.length]!, u: r % 7 === 0 })
      if (r % 2 === 0) events.push({ e: 'closed', m, f, o: OUTCOMES[r % OUTCOMES.length]! })
      if (r % 5 === 0) events.push({ e: 'further', m, f })
    }
    if (i === 1) events.push({ e: 'received', m, f: 'essex', ch: 'online', c: 'bribery', u: false })
  }
  return events
}

/** Adds events to the counters of a running service's store. */
export async function writeEvents (dataDir: string, events: readonly StatsEvent[]): Promise<void> {
  const kv = await connectControl(dataDir)
  try {
    for (let i = 0; i < events.length; i += 500) await kv.batch(statsOps(events.slice(i, i + 500)))
  } finally {
    await kv.close()
  }
}
