/**
 * The report indexes stay exactly what the stored reports call for after every
 * code path that writes a report: a submission by a new and by a returning
 * reporter, further information, a reply, the reporter reading and deleting
 * it, each status change, a transfer and a deletion.
 */
import test from 'ava'
import { bundleFiles } from '../../src/domain/bundles.js'
import { deleteReport } from '../../src/domain/deletion.js'
import { FurtherInformation } from '../../src/domain/further-information.js'
import { addReply, deleteReporterCopy } from '../../src/domain/replies.js'
import { reporterReports } from '../../src/domain/reporter-view.js'
import { transferReport } from '../../src/domain/transfer.js'
import { setStatus } from '../../src/domain/triage.js'
import { domainFixture, type DomainFixture } from '../helpers/domain.js'
import { reencryptBundle, zip, type NamedBytes } from '../helpers/bundles.js'
import { forceIndexKey } from '../../src/store/records.js'
import { ensureReportIndexes } from '../../src/store/report-index.js'
import { expectedIndexEntries, fakeReport, indexEntries, tempStore } from '../helpers/reports.js'

let f: DomainFixture
test.before(async () => { f = await domainFixture() })
test.after.always(() => f?.dispose())

test('every path that writes a report keeps its index entries right, in the same batch', async (t) => {
  const check = async (step: string): Promise<void> => {
    const expected = await expectedIndexEntries(f.kv)
    t.deepEqual(await indexEntries(f.kv), expected, step)
  }
  const { report, codename } = await f.submit('kent', 'first', [{ name: 'a.txt', content: Buffer.from('attachment') }], { atRisk: 'yes' })
  await check('submission by a new reporter')
  t.is((await indexEntries(f.kv)).length, 5)
  const second = await f.submit('kent', 'second', [], { reporterId: report.reporter })
  await check('submission by a returning reporter')
  const further = await FurtherInformation.open(f.deps, report.reporter, report.id)
  await further.commit('more')
  await check('further information')
  const replyId = await addReply(f.kv, f.deps.recipients, report.id, 'a reply')
  await check('reply')
  const identity = await f.login(codename!)
  await reporterReports(f.kv, identity)
  t.not((await f.report(report.id)).replies[0]!.read, null)
  await check('reply read')
  t.true(await deleteReporterCopy(f.kv, identity.reporterId, report.id, replyId))
  await check('reply deleted by the reporter')
  await setStatus(f.kv, 'kent', report.id, 'assessing')
  await check('assessing')
  await setStatus(f.kv, 'kent', report.id, 'closed', 'safeguarding')
  await check('closed')
  await setStatus(f.kv, 'kent', report.id, 'assessing')
  await check('reopened')

  const files: NamedBytes[] = []
  for (const file of bundleFiles(f.kv, await f.report(report.id))) {
    const parts: Uint8Array[] = []
    for await (const part of file.content()) parts.push(part)
    files.push({ name: file.name, bytes: Buffer.concat(parts) })
  }
  const bundle = await zip(await reencryptBundle(files, f.keys.kent.privateKey, f.keys.met.recipients))
  await transferReport(f.kv, f.deps.recipients, { reportId: report.id, from: 'kent', to: 'met', bundle: { chunks: [bundle], size: bundle.length } })
  await check('transfer')
  t.true((await indexEntries(f.kv)).some((entry) => entry.includes(`a!met!1!`)), 'urgent and new again with its new force')

  await deleteReport(f.kv, 'met', report.id)
  await check('deletion')
  await deleteReport(f.kv, 'kent', second.report.id)
  await check('deletion of the last report')
  t.deepEqual(await indexEntries(f.kv), [])
})

test('a store written before the inbox indexes gets them once, at start-up', async (t) => {
  const store = await tempStore()
  t.teardown(() => store.dispose())
  // As the store was written before: the record and its by-force entry only.
  const old = Array.from({ length: 30 }, () => fakeReport({ force: 'met' }))
  await store.kv.batch(old.flatMap((r) => [
    { type: 'put' as const, space: 'reports' as const, key: r.id, value: Buffer.from(JSON.stringify(r)) },
    { type: 'put' as const, space: 'by-force' as const, key: forceIndexKey(r), value: new Uint8Array(0) },
  ]))
  t.notDeepEqual(await indexEntries(store.kv), await expectedIndexEntries(store.kv))
  t.is(await ensureReportIndexes(store.kv), 30)
  t.deepEqual(await indexEntries(store.kv), await expectedIndexEntries(store.kv))
  t.is(await ensureReportIndexes(store.kv), 0, 'done once')
})
