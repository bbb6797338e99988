/**
 * Retention (issue 14) over a real LevelDB with real keys and an injected
 * clock: exactly the reports closed longer than the period go, with their
 * items, replies, index entries and last looks, and a reporter left with none;
 * the rest stays whole; the statistics counters stay and still equal a
 * recount; one audit entry with counts only; and afterwards no
 * slice of the deleted ciphertext is left in the store's files.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { auditEntries } from '../../src/domain/audit.js'
import { reportBlobs } from '../../src/domain/deletion.js'
import { getSeen, markLooked } from '../../src/domain/last-looked.js'
import { addReply } from '../../src/domain/replies.js'
import { isExpired, lastKeptClosingDate, sweepRetention } from '../../src/domain/retention.js'
import { verifyCounters } from '../../src/domain/statistics/counters.js'
import { setStatus } from '../../src/domain/triage.js'
import { utcDate } from '../../src/domain/dates.js'
import { getReporter, modifyReport, type ReportRecord } from '../../src/store/records.js'
import { readAllCounters } from '../../src/store/stats.js'
import { domainFixture, type DomainFixture } from '../helpers/domain.js'
import { indexEntries, expectedIndexEntries, snapshot } from '../helpers/reports.js'
import { foundInStore } from '../helpers/store-files.js'

let f: DomainFixture
test.before(async () => { f = await domainFixture() })
test.after.always(() => f?.dispose())

const NOW = new Date('2026-03-01T15:00:00Z')

async function blobBytes (id: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const [, value] of f.kv.entries('blobs', { gte: `${id}!`, lt: `${id}!\uffff` })) parts.push(value)
  return Buffer.concat(parts)
}

function probes (blobs: readonly Buffer[]): Buffer[] {
  return blobs.flatMap((bytes) => [0, Math.floor(bytes.length / 2), bytes.length - 64].map((at) => bytes.subarray(at, at + 64)))
}

async function closeOn (id: string, date: string | undefined): Promise<ReportRecord> {
  await setStatus(f.kv, 'kent', id, 'assessing')
  await setStatus(f.kv, 'kent', id, 'closed', 'no-further-action')
  return (await modifyReport(f.kv, id, (current) => {
    const { closed: _closed, ...rest } = current!
    return { value: date === undefined ? rest : { ...rest, closed: date } }
  }))!
}

test('the retention period counts whole UTC days from the closing date', (t) => {
  t.is(lastKeptClosingDate(365, NOW), '2025-03-01')
  t.is(lastKeptClosingDate(1, new Date('2026-01-01T00:00:00Z')), '2025-12-31')
  t.true(isExpired({ status: 'closed', closed: '2025-02-28' }, '2025-03-01'))
  t.false(isExpired({ status: 'closed', closed: '2025-03-01' }, '2025-03-01'))
  t.false(isExpired({ status: 'assessing' }, '2025-03-01'))
})

test.serial('closing records the date, reopening clears it', async (t) => {
  const { report } = await f.submit('kent', 'closed and reopened')
  await setStatus(f.kv, 'kent', report.id, 'assessing')
  const closed = await setStatus(f.kv, 'kent', report.id, 'closed', 'intelligence')
  t.is(closed.closed, utcDate())
  const reopened = await setStatus(f.kv, 'kent', report.id, 'assessing')
  t.is(reopened.closed, undefined)
  t.is(reopened.outcome, undefined)
})

test.serial('a sweep deletes exactly the expired closed reports and every trace of them, and compaction leaves none of their bytes in the files', async (t) => {
  // Expired: closed before 2025-03-01 (365 days before NOW).
  const old = await f.submit('kent', 'closed long ago', [{ name: 'old.bin', content: randomBytes(1_500_000) }])
  await addReply(f.kv, f.deps.recipients, old.report.id, 'a reply to an old report')
  const expired = await closeOn(old.report.id, '2025-01-10')
  await markLooked(f.kv, 'reviewer-a', expired, { downloaded: true })
  // Expired too, but its reporter has another report that stays.
  const sibling = await f.submit('kent', 'sibling expired')
  await closeOn(sibling.report.id, '2025-02-28')
  const open = await f.submit('kent', 'still open, same reporter', [], { reporterId: sibling.report.reporter })
  // Kept: closed within the period, closed on the last kept day, still assessing, and one with no closing date.
  const recent = await f.submit('kent', 'closed recently')
  await closeOn(recent.report.id, '2025-06-01')
  const edge = await f.submit('kent', 'closed on the last kept day')
  await closeOn(edge.report.id, '2025-03-01')
  const assessing = await f.submit('kent', 'assessing')
  await setStatus(f.kv, 'kent', assessing.report.id, 'assessing')
  const undated = await f.submit('kent', 'closed before dates were kept')
  await closeOn(undated.report.id, undefined)

  const goneIds = [old.report.id, sibling.report.id]
  const keptIds = [open.report.id, recent.report.id, edge.report.id, assessing.report.id, undated.report.id]
  const goneBlobs = (await Promise.all(goneIds.map((id) => f.report(id)))).flatMap(reportBlobs)
  t.is(goneBlobs.length, 5, 'two reports, one attachment, both copies of a reply')
  const slices = probes(await Promise.all(goneBlobs.map(blobBytes)))
  t.true(await foundInStore(f.dataDir, slices) > 0)

  // A dry run counts and changes nothing.
  const before = await snapshot(f.kv)
  const dry = await sweepRetention(f.kv, { retainClosedDays: 365, now: NOW, dryRun: true, actor: 'cli' })
  t.deepEqual(dry, { reports: 2, reporters: 1, blobs: 5, stamped: 1 })
  t.deepEqual(await snapshot(f.kv), before)

  const countersBefore = await readAllCounters(f.kv, 'stats')
  const result = await sweepRetention(f.kv, { retainClosedDays: 365, now: NOW, actor: 'cli' })
  t.deepEqual(result, { reports: 2, reporters: 1, blobs: 5, stamped: 1 })
  // Statistics count what happened, not what is kept: the counters stay, and still equal a recount (issue 12).
  t.deepEqual(await readAllCounters(f.kv, 'stats'), countersBefore)
  t.true((await verifyCounters(f.kv)).ok, 'what the purged reports counted moved into the retired sums')
  for (const id of goneIds) t.is(await f.kv.get('reports', id), undefined)
  for (const blob of goneBlobs) t.is((await blobBytes(blob)).length, 0)
  t.deepEqual(await indexEntries(f.kv), await expectedIndexEntries(f.kv))
  for await (const key of f.kv.keys('pending')) t.fail(`pending ${key}`)
  t.is(await getSeen(f.kv, 'reviewer-a', old.report.id), undefined)
  t.is(await getReporter(f.kv, old.report.reporter), undefined, 'a reporter with no report left is deleted')
  t.deepEqual((await getReporter(f.kv, sibling.report.reporter))!.reports, [open.report.id])
  for (const id of keptIds) {
    const kept = await f.report(id)
    for (const blob of reportBlobs(kept)) t.true((await blobBytes(blob)).length > 0)
  }
  t.is((await f.report(undated.report.id)).closed, utcDate(NOW), 'an undated closed report is dated by the sweep, not deleted')
  t.truthy(await f.login(open.codename ?? sibling.codename!))

  const last: Array<{ action: string; actor: string; detail?: string; report?: string }> = []
  for await (const entry of auditEntries(f.kv, { reverse: true, limit: 1 })) last.push(entry)
  t.like(last[0], { action: 'purge', actor: 'cli', detail: 'reports-2-reporters-1' })
  t.is(last[0]!.report, undefined)

  t.is(await foundInStore(f.dataDir, slices), 0, 'no slice of the deleted ciphertext is left in the store files')

  // The next day's sweep takes the report closed on the edge day, and the one after finds nothing more.
  t.deepEqual(await sweepRetention(f.kv, { retainClosedDays: 365, now: new Date('2026-03-02T01:00:00Z'), actor: 'system' }), { reports: 1, reporters: 1, blobs: 1, stamped: 0 })
  t.is(await f.kv.get('reports', edge.report.id), undefined)
  t.deepEqual(await sweepRetention(f.kv, { retainClosedDays: 365, now: new Date('2026-03-03T01:00:00Z'), actor: 'system' }), { reports: 0, reporters: 0, blobs: 0, stamped: 0 })
})
