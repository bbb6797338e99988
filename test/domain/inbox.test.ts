/**
 * The force inbox against a real LevelDB holding a few thousand reports written
 * in the shape the service writes them: ordering, urgent reports first until
 * assessed, filters, cursor pagination that reads a bounded range per page,
 * and what is new since each reviewer last looked.
 */
import test from 'ava'
import { inboxPage, PAGE_SIZE, type InboxQuery, type InboxRow } from '../../src/domain/inbox.js'
import { markLooked } from '../../src/domain/last-looked.js'
import { setStatus } from '../../src/domain/triage.js'
import { modifyRecord, type ReportRecord } from '../../src/store/records.js'
import { countingKv, fakeReport, tempStore, writeReports } from '../helpers/reports.js'

let store: Awaited<ReturnType<typeof tempStore>>

// 3000 reports of one force and 1000 of others, statuses mixed, some urgent, dates over three years.
const STATUSES = ['new', 'assessing', 'closed'] as const
const kent: ReportRecord[] = Array.from({ length: 3000 }, (_, i) => {
  const status = STATUSES[i % 3]!
  return fakeReport({ force: 'kent', status, ...(status === 'closed' ? { outcome: 'intelligence' as const } : {}) })
})
const others: ReportRecord[] = Array.from({ length: 1000 }, (_, i) => fakeReport({ force: i % 2 === 0 ? 'met' : 'essex' }))

test.before(async () => {
  store = await tempStore()
  await writeReports(store.kv, [...kent, ...others])
})
test.after.always(() => store?.dispose())

/** The order the inbox promises: urgent and new first, then newest date, then id (descending). */
function expectedOrder (reports: readonly ReportRecord[]): string[] {
  const rank = (r: ReportRecord): string => `${r.urgent && r.status === 'new' ? 1 : 0}!${r.received}!${r.id}`
  return [...reports].sort((a, b) => rank(b).localeCompare(rank(a))).map((r) => r.id)
}

async function walk (query: InboxQuery): Promise<{ ids: string[]; pages: InboxRow[][] }> {
  const pages: InboxRow[][] = []
  let after: string | undefined
  for (;;) {
    const page = await inboxPage(store.kv, { ...query, ...(after === undefined ? {} : { after }) })
    pages.push([...page.rows])
    if (page.next === undefined) break
    after = page.next
  }
  return { ids: pages.flat().map((row) => row.id), pages }
}

test('the inbox lists only the force\'s reports, urgent unassessed first, then newest first', async (t) => {
  const { ids, pages } = await walk({ force: 'kent' })
  t.deepEqual(ids, expectedOrder(kent))
  t.is(pages.length, Math.ceil(kent.length / PAGE_SIZE))
  for (const page of pages.slice(0, -1)) t.is(page.length, PAGE_SIZE)
  const first = (await inboxPage(store.kv, { force: 'kent' })).rows
  const urgentNew = kent.filter((r) => r.urgent && r.status === 'new').length
  t.true(urgentNew > 0)
  t.true(first.every((row) => row.priority && row.urgent && row.status === 'new'))
  // Only the metadata a reviewer needs: closed values and dates.
  t.deepEqual(Object.keys(first[0]!).sort(), ['category', 'channel', 'id', 'items', 'priority', 'received', 'replies', 'status', 'urgent'])
})

test('filters by status, by category and by both, each in the same order', async (t) => {
  for (const status of STATUSES) {
    t.deepEqual((await walk({ force: 'kent', status })).ids, expectedOrder(kent.filter((r) => r.status === status)), status)
  }
  t.deepEqual((await walk({ force: 'kent', category: 'bribery' })).ids, expectedOrder(kent.filter((r) => r.category === 'bribery')))
  const both = kent.filter((r) => r.category === 'discrimination' && r.status === 'closed')
  t.true(both.length > PAGE_SIZE)
  t.deepEqual((await walk({ force: 'kent', status: 'closed', category: 'discrimination' })).ids, expectedOrder(both))
  t.deepEqual((await walk({ force: 'met', category: 'bribery' })).ids, expectedOrder(others.filter((r) => r.force === 'met' && r.category === 'bribery')))
  t.deepEqual((await walk({ force: 'gwent' })).ids, [])
})

test('a page is one bounded range read, going forward and back', async (t) => {
  const counting = countingKv(store.kv)
  const first = await inboxPage(counting.kv, { force: 'kent', status: 'new' }, 'alice')
  t.deepEqual(counting.counts, { ranges: 1, rows: PAGE_SIZE + 1, gets: PAGE_SIZE * 2 })
  t.is(first.previous, undefined)
  let page = first
  const seen: string[][] = [first.rows.map((r) => r.id)]
  for (let i = 0; i < 5; i++) {
    counting.reset()
    page = await inboxPage(counting.kv, { force: 'kent', status: 'new', after: page.next! }, 'alice')
    t.is(counting.counts.ranges, 1)
    t.true(counting.counts.rows <= PAGE_SIZE + 1)
    t.true(counting.counts.gets <= PAGE_SIZE * 2)
    seen.push(page.rows.map((r) => r.id))
  }
  // Back again, page by page, to the first page, which has no previous.
  for (let i = seen.length - 2; i >= 0; i--) {
    counting.reset()
    page = await inboxPage(counting.kv, { force: 'kent', status: 'new', before: page.previous! }, 'alice')
    t.is(counting.counts.ranges, 1)
    t.true(counting.counts.rows <= PAGE_SIZE + 1)
    t.deepEqual(page.rows.map((r) => r.id), seen[i])
  }
  t.is(page.previous, undefined)
  t.truthy(page.next)
  await t.throwsAsync(inboxPage(store.kv, { force: 'kent', after: '../x' }), { instanceOf: TypeError })
})

test('an urgent report stands first until it is assessed, then takes its place by date', async (t) => {
  const old = fakeReport({ force: 'dorset', urgent: true, received: '2023-01-01' })
  const newer = Array.from({ length: 5 }, (_, i) => fakeReport({ force: 'dorset', urgent: false, received: `2024-0${i + 1}-01` }))
  await writeReports(store.kv, [old, ...newer])
  t.is((await inboxPage(store.kv, { force: 'dorset' })).rows[0]!.id, old.id)
  await setStatus(store.kv, 'dorset', old.id, 'assessing')
  const after = (await inboxPage(store.kv, { force: 'dorset' })).rows
  t.is(after.at(-1)!.id, old.id)
  t.false(after.at(-1)!.priority)
  t.deepEqual((await walk({ force: 'dorset', status: 'new' })).ids, expectedOrder(newer))
  t.deepEqual((await walk({ force: 'dorset', status: 'assessing' })).ids, [old.id])
})

test('what is new is per reviewer: a new report, further information, a reply read or deleted', async (t) => {
  const report = fakeReport({ force: 'cumbria', received: '2025-02-01' })
  await writeReports(store.kv, [report])
  const newsFor = async (username: string) => (await inboxPage(store.kv, { force: 'cumbria' }, username)).rows.find((r) => r.id === report.id)!.news!
  const none = { report: false, furtherInformation: false, replyRead: false, replyDeleted: false }
  t.deepEqual(await newsFor('alice'), { ...none, report: true })

  // Opening the page is not reading the report: it stays new until downloaded.
  await markLooked(store.kv, 'alice', (await get(report.id)), { downloaded: false })
  t.deepEqual(await newsFor('alice'), { ...none, report: true })
  await markLooked(store.kv, 'alice', (await get(report.id)), { downloaded: true })
  t.deepEqual(await newsFor('alice'), none)
  t.deepEqual(await newsFor('bob'), { ...none, report: true }, 'another reviewer has not looked')

  // Further information from the reporter.
  await change(report.id, (r) => ({ ...r, items: [...r.items, { id: 'f1', kind: 'further-information', blob: 'b', size: 10, received: '2025-02-03', followUp: true }] }))
  t.deepEqual(await newsFor('alice'), { ...none, furtherInformation: true })
  // A page view does not clear it (the new item is read only in the download); a download does.
  await markLooked(store.kv, 'alice', await get(report.id), { downloaded: false })
  t.deepEqual(await newsFor('alice'), { ...none, furtherInformation: true })
  await markLooked(store.kv, 'alice', await get(report.id), { downloaded: true })
  t.deepEqual(await newsFor('alice'), none)

  // A reply read by the reporter, then deleted; the page shows both, so opening it clears them.
  const reply = { id: 'r1', date: '2025-02-04', forceBlob: 'fb', forceSize: 1, reporterBlob: 'rb', read: null, deleted: null }
  await change(report.id, (r) => ({ ...r, replies: [reply] }))
  t.deepEqual(await newsFor('alice'), none, 'a reply of the force itself is not news')
  await change(report.id, (r) => ({ ...r, replies: [{ ...reply, read: '2025-02-05' }] }))
  t.deepEqual(await newsFor('alice'), { ...none, replyRead: true })
  await change(report.id, (r) => ({ ...r, replies: [{ ...reply, read: '2025-02-05', reporterBlob: null, deleted: '2025-02-06' }] }))
  t.deepEqual(await newsFor('alice'), { ...none, replyRead: true, replyDeleted: true })
  await markLooked(store.kv, 'alice', await get(report.id), { downloaded: false })
  t.deepEqual(await newsFor('alice'), none)
  t.deepEqual(await newsFor('bob'), { report: true, furtherInformation: false, replyRead: true, replyDeleted: true })
  // An administrator's view (no viewer) carries no news at all.
  t.is((await inboxPage(store.kv, { force: 'cumbria' })).rows[0]!.news, undefined)
})

async function get (id: string): Promise<ReportRecord> {
  const raw = await store.kv.get('reports', id)
  return JSON.parse(Buffer.from(raw!).toString('utf8')) as ReportRecord
}

async function change (id: string, edit: (r: ReportRecord) => ReportRecord): Promise<void> {
  await modifyRecord<ReportRecord>(store.kv, 'reports', id, (current) => ({ value: edit(current!) }))
}
