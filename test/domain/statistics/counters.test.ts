/**
 * Statistics counters (issue 12) over a real LevelDB with real keys: after a
 * randomised mix of submissions, further information, replies, closures,
 * transfers, reopenings and deletions made through the domain, the counters
 * equal both the test's own tally of what happened and a recount of the
 * records; damaged counters fail verification and `rebuild` restores them.
 */
import test from 'ava'
import { CATEGORIES } from '../../../src/domain/categories.js'
import { utcDate } from '../../../src/domain/dates.js'
import { deleteReport } from '../../../src/domain/deletion.js'
import { FurtherInformation } from '../../../src/domain/further-information.js'
import { addReply } from '../../../src/domain/replies.js'
import { rebuildCounters, recount, statsGeneration, verifyCounters } from '../../../src/domain/statistics/counters.js'
import { Submission } from '../../../src/domain/submissions.js'
import { transferReport } from '../../../src/domain/transfer.js'
import { OUTCOMES, setStatus } from '../../../src/domain/triage.js'
import { getReport, type ReportRecord } from '../../../src/store/records.js'
import { readAllCounters } from '../../../src/store/stats.js'
import { bundleBytes, reencryptBundle, zip, type NamedBytes } from '../../helpers/bundles.js'
import { domainFixture, type DomainFixture } from '../../helpers/domain.js'

let f: DomainFixture
test.before(async () => { f = await domainFixture() })
test.after.always(async () => { await f?.dispose() })

const FORCES = ['kent', 'met', 'essex'] as const
type ForceId = typeof FORCES[number]
const CATEGORY_IDS = Object.keys(CATEGORIES)

// A small seeded generator, so a failure can be replayed from the seed in the message.
function random (seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state % n
  }
}

async function filesOf (report: ReportRecord): Promise<NamedBytes[]> {
  return bundleBytes(f.kv, report)
}

test.serial('counters equal the tally of a randomised mix of events, and a recount; rebuild restores damaged ones', async (t) => {
  const seed = Date.now() % 100_000
  const pick = random(seed)
  const month = utcDate().slice(0, 7)
  const tally = new Map<string, number>()
  const count = (unit: string, measure: string): void => {
    for (const u of [unit, 'national']) {
      const key = `${u}!${month}!${measure}`
      tally.set(key, (tally.get(key) ?? 0) + 1)
    }
  }
  const live: string[] = []
  const steps: string[] = []

  // At least 45 steps, and on until every kind of event has happened twice (seeded, so replayable).
  const kinds = (): number => ['submit online', 'submit phone', 'further', 'reply', 'close', 'reopen', 'transfer', 'delete'].filter((k) => steps.filter((s) => s.startsWith(k)).length >= 2).length
  for (let step = 0; step < 300 && (step < 45 || kinds() < 8); step++) {
    const kind = live.length < 3 ? 0 : pick(10)
    const id = live[pick(Math.max(1, live.length))]
    const report = id === undefined ? undefined : await getReport(f.kv, id)
    if (kind <= 2 || report === undefined) {
      const force = FORCES[pick(FORCES.length)]!
      const category = CATEGORY_IDS[pick(CATEGORY_IDS.length)]!
      const atRisk = pick(4) === 0 ? 'yes' : 'no'
      // About one report in three comes by the phone line (issue 11), written down by a call handler.
      const channel = pick(3) === 0 ? 'phone' : 'online'
      const submission = new Submission(f.deps)
      const receipt = await submission.commit({ force, category: category as keyof typeof CATEGORIES, message: `report ${step}`, anonymity: 'anonymous', atRisk }, { channel })
      live.push(receipt.reportId)
      count(force, 'received'); count(force, `received-${channel}`); count(force, `received-${category}`)
      if (atRisk === 'yes') count(force, 'received-urgent')
      steps.push(`submit ${channel} ${force}`)
    } else if (kind === 3) {
      const further = await FurtherInformation.open(f.deps, report.reporter, report.id)
      await further.commit(`more ${step}`, { channel: pick(3) === 0 ? 'phone' : 'online' })
      count(report.force, 'further-information')
      steps.push('further')
    } else if (kind === 4) {
      await addReply(f.kv, f.deps.recipients, report.id, `reply ${step}`)
      steps.push('reply (not counted)')
    } else if (kind <= 7) {
      if (report.status === 'new') {
        await setStatus(f.kv, report.force, report.id, 'assessing')
        steps.push('assess (not counted)')
      } else if (report.status === 'assessing') {
        const outcome = OUTCOMES[pick(OUTCOMES.length)]!
        await setStatus(f.kv, report.force, report.id, 'closed', outcome)
        count(report.force, 'closed'); count(report.force, `closed-${outcome}`)
        steps.push(`close ${outcome}`)
      } else {
        await setStatus(f.kv, report.force, report.id, 'assessing')
        count(report.force, 'reopened')
        steps.push('reopen')
      }
    } else if (kind === 8) {
      const others = FORCES.filter((force) => force !== report.force)
      const to = others[pick(others.length)]!
      const bundle = await zip(await reencryptBundle(await filesOf(report), f.keys[report.force as ForceId].privateKey, f.keys[to].recipients))
      await transferReport(f.kv, f.deps.recipients, { reportId: report.id, from: report.force, to, bundle: { chunks: [bundle], size: bundle.length } })
      count(report.force, 'transferred-out'); count(to, 'transferred-in')
      steps.push(`transfer ${report.force}->${to}`)
    } else {
      await deleteReport(f.kv, report.force, report.id)
      live.splice(live.indexOf(report.id), 1)
      steps.push('delete (counts stay)')
    }
  }
  t.log(`seed ${seed}: ${steps.length} steps, ${live.length} reports left`)
  t.is(kinds(), 8, `seed ${seed}: every kind of event happened`)

  const counters = await readAllCounters(f.kv, 'stats')
  t.deepEqual(Object.fromEntries([...counters].sort()), Object.fromEntries([...tally].sort()), `seed ${seed}: ${steps.join(', ')}`)
  t.deepEqual(Object.fromEntries([...await recount(f.kv)].sort()), Object.fromEntries([...tally].sort()))
  t.true((await verifyCounters(f.kv)).ok)

  // Damage: a counter lost, one changed, one invented.
  const [firstKey] = [...counters.keys()]
  const [, secondKey] = [...counters.keys()]
  await f.kv.batch([
    { type: 'del', space: 'stats', key: firstKey! },
    { type: 'add', space: 'stats', key: secondKey!, delta: 3 },
    { type: 'put', space: 'stats', key: `kent!1999-01!received`, value: Buffer.from('7') },
  ])
  const damaged = await verifyCounters(f.kv)
  t.false(damaged.ok)
  t.is(damaged.differing, 3)
  const generation = await statsGeneration(f.kv)
  await rebuildCounters(f.kv)
  t.not(await statsGeneration(f.kv), generation, 'a rebuild moves the generation, so cached publications are rebuilt')
  t.true((await verifyCounters(f.kv)).ok)
  t.deepEqual(Object.fromEntries([...await readAllCounters(f.kv, 'stats')].sort()), Object.fromEntries([...tally].sort()))
})

test.serial('a store written before counters existed is counted by rebuild from its records', async (t) => {
  const old: ReportRecord = {
    v: 1,
    id: 'a'.repeat(24),
    force: 'met',
    category: 'bribery',
    channel: 'online',
    urgent: true,
    status: 'closed',
    outcome: 'intelligence',
    received: '2024-05-03',
    reporter: 'b'.repeat(64),
    transferredFrom: 'kent',
    transferred: '2024-06-01',
    items: [
      { id: '1', kind: 'report', blob: 'c'.repeat(32), size: 10, received: '2024-05-03' },
      { id: '2', kind: 'further-information', blob: 'd'.repeat(32), size: 10, received: '2024-07-09', followUp: true },
    ],
    replies: [],
  }
  await f.kv.batch([{ type: 'put', space: 'reports', key: old.id, value: Buffer.from(JSON.stringify(old)) }])
  t.false((await verifyCounters(f.kv)).ok, 'the old record is not counted yet')
  await rebuildCounters(f.kv)
  t.true((await verifyCounters(f.kv)).ok)
  const counters = await readAllCounters(f.kv, 'stats')
  t.is(counters.get('kent!2024-05!received'), 1)
  t.is(counters.get('kent!2024-05!received-urgent'), 1)
  t.is(counters.get('kent!2024-06!transferred-out'), 1)
  t.is(counters.get('met!2024-06!transferred-in'), 1)
  t.is(counters.get('met!2024-07!further-information'), 1)
  t.is(counters.get('met!2024-07!closed-intelligence'), 1)
  t.is(counters.get('national!2024-07!closed'), 1)
  // Its next event keeps the derived history, so the counters and the recount still agree.
  await setStatus(f.kv, 'met', old.id, 'assessing')
  t.true((await verifyCounters(f.kv)).ok)
  t.is((await getReport(f.kv, old.id))!.stats!.length, 5)
  await f.kv.batch([{ type: 'del', space: 'reports', key: old.id }])
  await rebuildCounters(f.kv)
})

test.serial('concurrent events lose no count', async (t) => {
  const before = (await readAllCounters(f.kv, 'stats')).get(`essex!${utcDate().slice(0, 7)}!received`) ?? 0
  await Promise.all(Array.from({ length: 12 }, async (_, i) => {
    const submission = new Submission(f.deps)
    await submission.commit({ force: 'essex', category: 'other', message: `burst ${i}`, anonymity: 'anonymous', atRisk: 'no' })
  }))
  t.is((await readAllCounters(f.kv, 'stats')).get(`essex!${utcDate().slice(0, 7)}!received`), before + 12)
  t.true((await verifyCounters(f.kv)).ok)
})
