/**
 * Fills a store's statistics counters with what a given number of reports
 * would have counted over the last three years (issue 12), for the statistics
 * scenario. The public page reads the counters and nothing else (a test shows
 * its reads do not change with the number of report records), so the counters
 * of a million reports are the honest equivalent of a million reports for it;
 * the reports themselves are not written. Each simulated report is turned into
 * the events the service would count (received with channel, category and
 * urgency; further information; closure with an outcome; transfers;
 * reopenings) through the store's own eventCounts, summed in memory and
 * written as plain puts.
 */
import { randomInt } from 'node:crypto'
import { CATEGORIES } from '../../src/domain/categories.js'
import { FORCES } from '../../src/domain/forces.js'
import { addMonths } from '../../src/domain/statistics/periods.js'
import { OUTCOMES } from '../../src/domain/triage.js'
import type { BatchOp } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { counterKey, eventCounts, type StatsEvent } from '../../src/store/stats.js'
import { BUSIEST_FORCE } from './fill-store.js'

const CATEGORY_IDS = Object.keys(CATEGORIES)

function pickForce (): string {
  // As fill-store.ts: a fifth to the busiest force, the rest spread evenly.
  return randomInt(5) === 0 ? BUSIEST_FORCE : FORCES[randomInt(FORCES.length)]!.id
}

/** Writes the counters of `reports` simulated reports received over the 36 months up to `lastMonth`; returns how many counters. */
export async function fillStats (dataDir: string, reports: number, lastMonth: string): Promise<number> {
  const sums = new Map<string, number>()
  const count = (event: StatsEvent): void => {
    for (const [unit, measure] of eventCounts(event)) {
      const key = counterKey(unit, event.m, measure)
      sums.set(key, (sums.get(key) ?? 0) + 1)
    }
  }
  for (let i = 0; i < reports; i++) {
    const age = randomInt(36)
    const m = addMonths(lastMonth, -age)
    let f = pickForce()
    count({ e: 'received', m, f, ch: randomInt(3) === 0 ? 'phone' : 'online', c: CATEGORY_IDS[randomInt(CATEGORY_IDS.length)]!, u: randomInt(10) === 0 })
    // Later events fall in the same month or up to three months on, never after lastMonth.
    const later = (): string => addMonths(m, Math.min(age, randomInt(4)))
    if (randomInt(3) === 0) count({ e: 'further', m: later(), f })
    if (randomInt(20) === 0) {
      const to = FORCES[randomInt(FORCES.length)]!.id
      if (to !== f) { count({ e: 'transferred', m: later(), f, to }); f = to }
    }
    if (age > 0 && randomInt(10) < 7) count({ e: 'closed', m: later(), f, o: OUTCOMES[randomInt(OUTCOMES.length)]! })
    if (randomInt(30) === 0) count({ e: 'reopened', m: later(), f })
  }
  const kv = await openLevelKv(dataDir)
  try {
    let ops: BatchOp[] = []
    for (const [key, value] of sums) {
      ops.push({ type: 'put', space: 'stats', key, value: Buffer.from(String(value), 'utf8') })
      if (ops.length >= 5000) { await kv.batch(ops); ops = [] }
    }
    await kv.batch(ops)
  } finally {
    await kv.close()
  }
  return sums.size
}
