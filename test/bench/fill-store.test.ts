/**
 * The benchmarks' store generator (scripts/bench/fill-store.ts) writes what
 * the service would have written: every report indexed, and statistics
 * counters that equal a recount of the reports' histories, so the statistics
 * scenario measures a store the service could really hold.
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fillStore } from '../../scripts/bench/fill-store.js'
import { verifyCounters } from '../../src/domain/statistics/counters.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { readAllCounters } from '../../src/store/stats.js'

test('the generated store\'s counters equal a recount of its reports', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-fill-'))
  try {
    const filled = await fillStore(dir, 3000)
    t.is(filled.reports, 3000)
    const kv = await openLevelKv(dir)
    try {
      const verified = await verifyCounters(kv)
      t.true(verified.ok, JSON.stringify(verified.differences))
      const counters = await readAllCounters(kv, 'stats')
      let received = 0
      let phone = 0
      for (const [key, value] of counters) {
        if (key.startsWith('national!') && key.endsWith('!received')) received += value
        if (key.startsWith('national!') && key.endsWith('!received-phone')) phone += value
      }
      t.is(received, 3000)
      t.true(phone > 0 && phone < 3000, 'both channels')
    } finally {
      await kv.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
