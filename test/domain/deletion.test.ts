/**
 * Deleting a report over a real LevelDB: afterwards no 64-byte slice of any of
 * its ciphertext (items, both copies of each reply) is left in any file of the
 * store, while another report stays whole.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { deleteReport, reportBlobs } from '../../src/domain/deletion.js'
import { markLooked, getSeen } from '../../src/domain/last-looked.js'
import type { Kv } from '../../src/store/kv.js'
import { addReply, deleteReporterCopy } from '../../src/domain/replies.js'
import { getReporter } from '../../src/store/records.js'
import { domainFixture, type DomainFixture } from '../helpers/domain.js'
import { foundInStore } from '../helpers/store-files.js'

let f: DomainFixture
test.before(async () => { f = await domainFixture() })
test.after.always(() => f?.dispose())

async function blobBytes (id: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const [, value] of f.kv.entries('blobs', { gte: `${id}!`, lt: `${id}!\uffff` })) parts.push(value)
  return Buffer.concat(parts)
}

/** 64-byte slices from the start, middle and end of each blob. */
function probes (blobs: readonly Buffer[]): Buffer[] {
  return blobs.flatMap((bytes) => [0, Math.floor(bytes.length / 2), bytes.length - 64].map((at) => bytes.subarray(at, at + 64)))
}

test.serial('deletion removes every blob, index entry and look of the report, and compaction leaves none of its bytes in the files', async (t) => {
  const { report, codename } = await f.submit('kent', 'to be deleted', [{ name: 'big.bin', content: randomBytes(2_500_000) }])
  await addReply(f.kv, f.deps.recipients, report.id, 'a reply to go')
  const keep = await f.submit('kent', 'to be kept', [{ name: 'keep.bin', content: randomBytes(100_000) }], { reporterId: report.reporter })
  const full = await f.report(report.id)
  await markLooked(f.kv, 'reviewer-a', full, { downloaded: true })
  const blobs = reportBlobs(full)
  t.is(blobs.length, 4, 'report, attachment, and the reply\'s two copies')
  const slices = probes(await Promise.all(blobs.map(blobBytes)))
  t.true(await foundInStore(f.dataDir, slices) > 0, 'the search finds the ciphertext while it is stored')

  await deleteReport(f.kv, 'kent', report.id)
  t.is(await f.kv.get('reports', report.id), undefined)
  for (const blob of blobs) t.is((await blobBytes(blob)).length, 0)
  for await (const key of f.kv.keys('inbox')) t.false(key.endsWith(report.id))
  for await (const key of f.kv.keys('by-force')) t.false(key.endsWith(report.id))
  for await (const key of f.kv.keys('pending')) t.fail(`pending ${key}`)
  t.is(await getSeen(f.kv, 'reviewer-a', report.id), undefined)
  for await (const key of f.kv.keys('seen-by-report')) t.false(key.startsWith(report.id))
  t.deepEqual((await getReporter(f.kv, report.reporter))!.reports, [keep.report.id])
  t.is(await foundInStore(f.dataDir, slices), 0)

  // The other report is whole, and its reporter can still log in.
  const kept = await f.report(keep.report.id)
  for (const blob of reportBlobs(kept)) t.true((await blobBytes(blob)).length > 0)
  t.truthy(await f.login(codename!))
  await t.throwsAsync(deleteReport(f.kv, 'kent', report.id), { code: 'NOT_FOUND' })
  await t.throwsAsync(deleteReport(f.kv, 'met', keep.report.id), { code: 'NOT_FOUND' })
})

test.serial('a reply the reporter deletes leaves none of their copy\'s bytes in the files either', async (t) => {
  const { report, codename } = await f.submit('kent', 'reply to be deleted by the reporter')
  const replyId = await addReply(f.kv, f.deps.recipients, report.id, 'a reply the reporter deletes '.repeat(20))
  const blob = (await f.report(report.id)).replies[0]!.reporterBlob!
  const slices = probes([await blobBytes(blob)])
  t.true(await foundInStore(f.dataDir, slices) > 0)
  const identity = await f.login(codename!)
  t.true(await deleteReporterCopy(f.kv, identity.reporterId, report.id, replyId))
  t.is(await foundInStore(f.dataDir, slices), 0)
  t.true((await blobBytes((await f.report(report.id)).replies[0]!.forceBlob)).length > 0, 'the force keeps its copy')
})

test.serial('a look noted while the deletion is under way is not left behind', async (t) => {
  const { report } = await f.submit('kent', 'looked at during its deletion')
  const full = await f.report(report.id)
  // A store on which a reviewer's look lands between the deletion's reading of the looks and its batch.
  let raced = false
  const racing: Kv = {
    get: (space, key) => f.kv.get(space, key),
    entries: (space, range) => f.kv.entries(space, range),
    keys: (space, range) => f.kv.keys(space, range),
    snapshot: () => f.kv.snapshot(),
    compact: (space, range) => f.kv.compact(space, range),
    close: () => f.kv.close(),
    async batch (ops, options) {
      if (!raced && ops.some((op) => op.type === 'del' && op.space === 'reports' && op.key === report.id)) {
        raced = true
        await markLooked(f.kv, 'reviewer-late', full, { downloaded: false })
        t.truthy(await getSeen(f.kv, 'reviewer-late', report.id), 'the look landed before the deletion batch')
      }
      return f.kv.batch(ops, options)
    },
  }
  await deleteReport(racing, 'kent', report.id)
  t.true(raced)
  t.is(await getSeen(f.kv, 'reviewer-late', report.id), undefined)
  for await (const key of f.kv.keys('seen-by-report')) t.false(key.startsWith(report.id))
})
