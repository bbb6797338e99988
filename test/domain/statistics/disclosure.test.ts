/**
 * Disclosure control (issue 12) on randomised stores: the CSV and the JSON
 * agree cell by cell; every count from 1 to 4 is suppressed; the current month
 * never appears; and an attacker who holds both files and subtracts along
 * every additive relation the tables have (national minus forces, totals
 * minus parts across channels, categories and outcomes, transfers out against
 * transfers in, quarters and years minus their months, years minus their
 * quarters), repeating with whatever each step recovers, recovers nothing.
 */
import test from 'ava'
import { CATEGORIES } from '../../../src/domain/categories.js'
import { FORCES } from '../../../src/domain/forces.js'
import { determinedCells, type Relation } from '../../../src/domain/statistics/disclosure.js'
import { MEASURES } from '../../../src/domain/statistics/measures.js'
import { toCsv, toJson, CSV_COLUMNS } from '../../../src/domain/statistics/open-data.js'
import { buildPublicDataset, monthRelations } from '../../../src/domain/statistics/publication.js'
import { addMonths } from '../../../src/domain/statistics/periods.js'
import { OUTCOMES } from '../../../src/domain/triage.js'
import { statsOps, type StatsEvent } from '../../../src/store/stats.js'
import { tempStore } from '../../helpers/reports.js'

function random (seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return Math.floor((state / 2 ** 32) * n)
  }
}

const CATEGORY_IDS = Object.keys(CATEGORIES)
const FORCE_IDS = FORCES.map((force) => force.id)

/** Random events over `months` months up to and including `today`'s month: `perMonth` reports a month on average. */
function randomEvents (seed: number, today: string, months: number, perMonth: number): StatsEvent[] {
  const pick = random(seed)
  const events: StatsEvent[] = []
  const busy = FORCE_IDS.slice(0, 1 + pick(FORCE_IDS.length))
  for (let i = months - 1; i >= 0; i--) {
    const m = addMonths(today.slice(0, 7), -i)
    const n = pick(2 * perMonth + 1)
    for (let r = 0; r < n; r++) {
      // Skewed: most reports to a few forces, some anywhere.
      const f = pick(4) === 0 ? FORCE_IDS[pick(FORCE_IDS.length)]! : busy[pick(busy.length)]!
      events.push({ e: 'received', m, f, ch: pick(5) === 0 ? 'phone' : 'online', c: CATEGORY_IDS[pick(CATEGORY_IDS.length)]!, u: pick(8) === 0 })
      if (pick(3) === 0) events.push({ e: 'further', m, f })
      if (pick(2) === 0) events.push({ e: 'closed', m, f, o: OUTCOMES[pick(OUTCOMES.length)]! })
      if (pick(12) === 0) events.push({ e: 'transferred', m, f, to: FORCE_IDS[(FORCE_IDS.indexOf(f) + 1 + pick(FORCE_IDS.length - 1)) % FORCE_IDS.length]! })
      if (pick(20) === 0) events.push({ e: 'reopened', m, f })
    }
  }
  return events
}

interface Published { value: number | null; suppressed: boolean }

function parseCsv (csv: string): Map<string, Published> {
  const lines = csv.split('\r\n')
  if (lines.pop() !== '') throw new Error('CSV does not end with CRLF')
  const header = lines.shift()
  if (header !== CSV_COLUMNS.join(',')) throw new Error('CSV header changed')
  const out = new Map<string, Published>()
  for (const line of lines) {
    // No field here holds a comma except quoted force names.
    const fields = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'))
    const [, period, , , force, , measure, value] = fields
    out.set(`${period}|${force}|${measure}`, value === '<5' ? { value: null, suppressed: true } : { value: Number(value), suppressed: false })
  }
  return out
}

function parseJson (json: string): { lastMonth: string; cells: Map<string, Published>; types: Map<string, { type: string; start: string; end: string }> } {
  const doc = JSON.parse(json) as { last_month: string; licence: { name: string }; rows: Array<{ period: string; period_type: string; period_start: string; period_end: string; force: string; measure: string; value: number | null; suppressed: boolean }> }
  const cells = new Map<string, Published>()
  const types = new Map<string, { type: string; start: string; end: string }>()
  for (const row of doc.rows) {
    cells.set(`${row.period}|${row.force}|${row.measure}`, { value: row.value, suppressed: row.suppressed })
    types.set(row.period, { type: row.period_type, start: row.period_start, end: row.period_end })
  }
  return { lastMonth: doc.last_month, cells, types }
}

/** Every additive relation an attacker can read off the published tables, as total = sum of parts over cell keys. */
function attackRelations (periods: Map<string, { type: string; start: string; end: string }>): Relation[] {
  const relations: Relation[] = []
  const months = [...periods].filter(([, p]) => p.type === 'month').map(([id]) => id)
  const within = (p: { start: string; end: string }): string[] => months.filter((m) => `${m}-01` >= p.start && `${m}-01` <= p.end)
  const areas = ['national', ...FORCE_IDS]
  for (const [period, info] of periods) {
    for (const relation of monthRelations()) {
      // monthRelations names cells "area\tmeasure"; the attacker's cells carry the period too.
      const key = (cell: string): string => `${period}|${cell.replace('\t', '|')}`
      relations.push({ total: key(relation.total), parts: relation.parts.map(key) })
    }
    if (info.type === 'month') continue
    const parts = within(info)
    for (const area of areas) {
      for (const measure of MEASURES) {
        relations.push({ total: `${period}|${area}|${measure}`, parts: parts.map((m) => `${m}|${area}|${measure}`) })
        if (info.type === 'financial-year') {
          const quarters = [...periods].filter(([, q]) => q.type === 'quarter' && q.start >= info.start && q.end <= info.end).map(([id]) => id)
          if (quarters.length === 4) relations.push({ total: `${period}|${area}|${measure}`, parts: quarters.map((q) => `${q}|${area}|${measure}`) })
        }
      }
    }
  }
  // The attacker's own check of the relation set: it must hold on the true values (tested below via published ones).
  return relations
}

/** Subtraction, repeated: any relation with exactly one unknown gives it away; whatever is recovered is used again. */
function subtractionAttack (cells: Map<string, Published>, relations: readonly Relation[]): Map<string, number> {
  const known = new Map<string, number>()
  for (const [key, cell] of cells) if (!cell.suppressed) known.set(key, cell.value!)
  const recovered = new Map<string, number>()
  let progress = true
  while (progress) {
    progress = false
    for (const relation of relations) {
      const unknown = [relation.total, ...relation.parts].filter((cell) => !known.has(cell))
      if (unknown.length !== 1) continue
      const [cell] = unknown as [string]
      const partsSum = relation.parts.reduce((sum, part) => sum + (known.get(part) ?? 0), 0)
      const value = cell === relation.total ? partsSum : known.get(relation.total)! - (partsSum - 0)
      known.set(cell, value)
      recovered.set(cell, value)
      progress = true
    }
  }
  return recovered
}

const TODAY = '2026-11-17'

for (const [name, seed, months, perMonth] of [['sparse', 11, 20, 15], ['medium', 22, 26, 120], ['busy', 33, 14, 600], ['one force', 44, 16, 6]] as const) {
  test(`${name} store: CSV and JSON agree, small counts are suppressed, nothing is recovered by subtraction, no current month`, async (t) => {
    const store = await tempStore()
    t.teardown(() => store.dispose())
    const seedNow = seed + (Date.now() % 1000)
    const events = randomEvents(seedNow, TODAY, months, perMonth)
    for (let i = 0; i < events.length; i += 500) await store.kv.batch(statsOps(events.slice(i, i + 500)))
    const dataset = await buildPublicDataset(store.kv, TODAY)
    const csv = parseCsv(toCsv(dataset))
    const json = parseJson(toJson(dataset, { name: 'Open Government Licence v3.0', url: 'https://example.org/' }))

    // The two formats agree, cell by cell.
    t.is(csv.size, json.cells.size)
    for (const [key, cell] of csv) t.deepEqual(json.cells.get(key), cell, key)

    // Completed months only.
    t.is(json.lastMonth, '2026-10')
    for (const [period, info] of json.types) t.true(info.end < '2026-11-01', `${period} ends before the current month`)

    // True values from the events; every published figure is right, every small one suppressed.
    const truth = new Map<string, number>()
    for (const event of events) {
      for (const [unit, measure] of (await import('../../../src/store/stats.js')).eventCounts(event)) {
        for (const [period, info] of json.types) {
          if (`${event.m}-01` < info.start || `${event.m}-01` > info.end) continue
          const key = `${period}|${unit}|${measure}`
          truth.set(key, (truth.get(key) ?? 0) + 1)
        }
      }
    }
    let suppressed = 0
    for (const [key, cell] of json.cells) {
      const value = truth.get(key) ?? 0
      if (value > 0 && value < 5) t.true(cell.suppressed, `${key} = ${value} is suppressed`)
      if (!cell.suppressed) t.is(cell.value, value, key)
      if (cell.suppressed) suppressed++
    }
    t.log(`seed ${seedNow}: ${events.length} events, ${json.cells.size} cells, ${suppressed} suppressed`)

    // The relations hold on the true values (else the attack would be testing the wrong thing).
    const relations = attackRelations(json.types)
    for (const relation of relations.slice(0, 5000)) {
      t.is(relation.parts.reduce((sum, part) => sum + (truth.get(part) ?? 0), 0), truth.get(relation.total) ?? 0)
    }

    const recovered = subtractionAttack(json.cells, relations)
    t.deepEqual([...recovered.keys()].slice(0, 10), [], `seed ${seedNow}: recovered by subtraction`)

    // And within each month, no combination of relations at all determines a suppressed cell.
    for (const [period, info] of json.types) {
      if (info.type !== 'month') continue
      const hidden = new Set([...json.cells].filter(([key, cell]) => cell.suppressed && key.startsWith(`${period}|`)).map(([key]) => key.slice(period.length + 1).replace('|', '\t')))
      t.deepEqual(determinedCells(monthRelations(), hidden), [], `${period}: determined by a combination`)
    }
  })
}
