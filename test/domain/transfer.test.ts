/**
 * Transfer between forces over a real LevelDB with real keys: a bundle
 * re-encrypted to the receiving force is swapped in whole, GnuPG opens every
 * file with the new force's key, the reporter keeps reading replies and
 * sending further information; every bad bundle is refused with nothing
 * changed in the store.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { FurtherInformation } from '../../src/domain/further-information.js'
import { inboxPage } from '../../src/domain/inbox.js'
import { addReply } from '../../src/domain/replies.js'
import { reporterReports } from '../../src/domain/reporter-view.js'
import { transferLimit, transferReport } from '../../src/domain/transfer.js'
import { setStatus } from '../../src/domain/triage.js'
import { markLooked, getSeen } from '../../src/domain/last-looked.js'
import type { ReportRecord } from '../../src/store/records.js'
import { domainFixture, type DomainFixture } from '../helpers/domain.js'
import { bundleBytes, decryptWith, encryptTo, reencryptBundle, zip, type NamedBytes } from '../helpers/bundles.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'
import { expectedIndexEntries, indexEntries, snapshot } from '../helpers/reports.js'

let f: DomainFixture
let gpg: Gpg

test.before(async () => {
  f = await domainFixture()
  gpg = await gpgHome()
  // GnuPG holds the receiving force's secret key only.
  const file = path.join(gpg.home, 'met.secret.asc')
  await writeFile(file, f.keys.met.privateKey)
  await gpg.importKey(file)
})
test.after.always(async () => { await gpg?.dispose(); await f?.dispose() })

async function filesOf (report: ReportRecord): Promise<NamedBytes[]> {
  return bundleBytes(f.kv, report)
}

const bytesOf = (zipped: Buffer) => ({ chunks: [zipped.subarray(0, 1000), zipped.subarray(1000)], size: zipped.length })

/** A kent report with an attachment, a further-information item and a reply; the reporter's codename. */
async function kentReport (marker: string): Promise<{ report: ReportRecord; codename: string; attachment: Buffer }> {
  const attachment = randomBytes(150_000)
  const { report, codename } = await f.submit('kent', `report ${marker}`, [{ name: 'scan.pdf', content: attachment }], { atRisk: 'yes' })
  const further = await FurtherInformation.open(f.deps, report.reporter, report.id)
  await further.commit(`further ${marker}`)
  await addReply(f.kv, f.deps.recipients, report.id, `reply before ${marker}`)
  await setStatus(f.kv, 'kent', report.id, 'assessing')
  await markLooked(f.kv, 'kent-reviewer', await f.report(report.id), { downloaded: true })
  return { report: await f.report(report.id), codename: codename!, attachment }
}

test.serial('a re-encrypted bundle moves the report to the new force, whose key alone opens it', async (t) => {
  const { report, codename, attachment } = await kentReport('T1')
  const files = await filesOf(report)
  t.deepEqual(files.map((file) => file.name), ['01-report.gpg', '02-attachment.gpg', '03-further-information.gpg', '04-reply.gpg', 'manifest.json'])
  const bundle = await zip(await reencryptBundle(files, f.keys.kent.privateKey, f.keys.met.recipients))
  t.true(bundle.length <= transferLimit(report))

  const moved = await transferReport(f.kv, f.deps.recipients, { reportId: report.id, from: 'kent', to: 'met', bundle: bytesOf(bundle) })
  t.like(moved, { id: report.id, force: 'met', transferredFrom: 'kent', status: 'new', reporter: report.reporter, category: report.category, urgent: true })
  t.is(moved.outcome, undefined)
  t.deepEqual(moved.items.map((i) => [i.id, i.kind, i.received, i.followUp]), report.items.map((i) => [i.id, i.kind, i.received, i.followUp]))
  t.true(moved.items.every((item, i) => item.blob !== report.items[i]!.blob))
  t.is(moved.replies[0]!.reporterBlob, report.replies[0]!.reporterBlob, 'the reporter\'s copy is untouched')
  t.not(moved.replies[0]!.forceBlob, report.replies[0]!.forceBlob)

  // Every file now opens with the new force's key in GnuPG, to the same plaintext.
  const after = await filesOf(await f.report(report.id))
  t.true((await gpg.decrypt(after[0]!.bytes)).toString('utf8').includes('report T1'))
  t.true((await gpg.decrypt(after[1]!.bytes)).equals(attachment))
  t.true((await gpg.decrypt(after[2]!.bytes)).toString('utf8').includes('further T1'))
  t.is((await gpg.decrypt(after[3]!.bytes)).toString('utf8'), 'reply before T1\n')
  await t.throwsAsync(decryptWith(f.keys.kent.privateKey, after[0]!.bytes))

  // The old ciphertext is gone, nothing is left pending, the indexes follow, and old looks are forgotten.
  for (const item of report.items) t.is(await first(f.kv.keys('blobs', { gte: `${item.blob}!`, lt: `${item.blob}!\uffff` })), undefined)
  t.is(await first(f.kv.keys('pending')), undefined)
  t.deepEqual(await indexEntries(f.kv), await expectedIndexEntries(f.kv))
  t.is(await getSeen(f.kv, 'kent-reviewer', report.id), undefined)
  t.false((await inboxPage(f.kv, { force: 'kent' })).rows.some((row) => row.id === report.id))
  const row = (await inboxPage(f.kv, { force: 'met' }, 'met-reviewer')).rows.find((r) => r.id === report.id)
  t.like(row, { transferredFrom: 'kent', status: 'new', priority: true, news: { report: true } })

  // The reporter still reads the old reply and one written by the new force, and sends more to it.
  await addReply(f.kv, f.deps.recipients, report.id, 'reply after T1')
  const identity = await f.login(codename)
  const [seen] = await reporterReports(f.kv, identity)
  t.is(seen!.forceName, 'Metropolitan Police Service')
  t.deepEqual(seen!.replies.map((r) => r.text), ['reply after T1\n', 'reply before T1\n'])
  const latest = await f.report(report.id)
  t.is((await gpg.decrypt(await blob(latest.replies[1]!.forceBlob))).toString('utf8'), 'reply after T1\n')
  const more = await FurtherInformation.open(f.deps, identity.reporterId, report.id)
  await more.commit('more for met T1')
  const added = (await f.report(report.id)).items.at(-1)!
  t.true((await gpg.decrypt(await blob(added.blob))).toString('utf8').includes('more for met T1'))
})

test.serial('a deflated zip with its manifest is read as well', async (t) => {
  const { report } = await kentReport('T2')
  const bundle = await zip(await reencryptBundle(await filesOf(report), f.keys.kent.privateKey, f.keys.essex.recipients), { compress: true })
  const moved = await transferReport(f.kv, f.deps.recipients, { reportId: report.id, from: 'kent', to: 'essex', bundle: bytesOf(bundle) })
  t.is(moved.force, 'essex')
})

test.serial('a bad bundle is refused with a reason and nothing in the store changes', async (t) => {
  const { report } = await kentReport('T3')
  const good = await reencryptBundle(await filesOf(report), f.keys.kent.privateKey, f.keys.met.recipients)
  const toEssex = await reencryptBundle(await filesOf(report), f.keys.kent.privateKey, f.keys.essex.recipients)
  const both = await encryptTo({ ...f.keys.met.recipients, keys: [...f.keys.met.recipients.keys, ...f.keys.kent.recipients.keys] }, Buffer.from('x'))
  const replace = (name: string, bytes: Buffer): NamedBytes[] => good.map((file) => file.name === name ? { name, bytes } : file)
  const cases: Array<[string, Buffer, Record<string, unknown>]> = [
    ['missing item', await zip(good.filter((file) => file.name !== '02-attachment.gpg')), { code: 'BUNDLE_INVALID', detail: { reason: 'missing-item' } }],
    ['missing reply', await zip(good.filter((file) => file.name !== '04-reply.gpg')), { code: 'BUNDLE_INVALID', detail: { reason: 'missing-item' } }],
    ['wrong force', await zip(toEssex), { code: 'BUNDLE_INVALID', detail: { reason: 'wrong-recipients' } }],
    ['one file to the wrong force', await zip(replace('03-further-information.gpg', toEssex[2]!.bytes)), { code: 'BUNDLE_INVALID', detail: { reason: 'wrong-recipients' } }],
    ['old and new force', await zip(replace('01-report.gpg', both)), { code: 'BUNDLE_INVALID', detail: { reason: 'wrong-recipients' } }],
    ['not OpenPGP', await zip(replace('02-attachment.gpg', randomBytes(150_000))), { code: 'BUNDLE_INVALID', detail: { reason: 'not-openpgp' } }],
    ['not encrypted again', await zip(await filesOf(report)), { code: 'BUNDLE_INVALID', detail: { reason: 'wrong-recipients' } }],
    ['extra file', await zip([...good, { name: 'notes.txt', bytes: Buffer.from('x') }]), { code: 'BUNDLE_INVALID', detail: { reason: 'unexpected-file' } }],
    ['file in a folder', await zip(good.map((file) => ({ ...file, name: `x/${file.name}` }))), { code: 'BUNDLE_INVALID', detail: { reason: 'unexpected-file' } }],
    ['duplicate', await zip([...good, good[0]!]), { code: 'BUNDLE_INVALID', detail: { reason: 'duplicate-file' } }],
    ['not a zip', randomBytes(5000), { code: 'BUNDLE_INVALID', detail: { reason: 'not-zip' } }],
    ['empty', Buffer.alloc(0), { code: 'BUNDLE_INVALID', detail: { reason: 'not-zip' } }],
    ['too large', Buffer.alloc(transferLimit(report) + 1), { code: 'PAYLOAD_TOO_LARGE' }],
  ]
  for (const [name, bundle, expected] of cases) {
    const before = await snapshot(f.kv)
    const err = await t.throwsAsync(transferReport(f.kv, f.deps.recipients, { reportId: report.id, from: 'kent', to: 'met', bundle: bytesOf(bundle) }), undefined, name)
    t.like(err, expected, name)
    t.deepEqual(await snapshot(f.kv), before, name)
  }
  const bundle = bytesOf(await zip(good))
  const attempt = (from: string, to: string, reportId = report.id) => transferReport(f.kv, f.deps.recipients, { reportId, from, to, bundle })
  const before = await snapshot(f.kv)
  await t.throwsAsync(attempt('met', 'essex'), { code: 'NOT_FOUND' }, 'another force\'s report')
  await t.throwsAsync(attempt('kent', 'met', 'f'.repeat(24)), { code: 'NOT_FOUND' })
  await t.throwsAsync(attempt('kent', 'kent'), { code: 'VALIDATION_FAILED' })
  await t.throwsAsync(attempt('kent', 'atlantis'), { code: 'FORCE_UNKNOWN' })
  await t.throwsAsync(attempt('kent', 'dorset'), { code: 'FORCE_UNAVAILABLE' })
  t.deepEqual(await snapshot(f.kv), before)
  // And the good bundle still goes through afterwards.
  t.is((await attempt('kent', 'met')).force, 'met')
})

async function first<T> (source: AsyncIterable<T>): Promise<T | undefined> {
  for await (const value of source) return value
  return undefined
}

async function blob (id: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const [, value] of f.kv.entries('blobs', { gte: `${id}!`, lt: `${id}!\uffff` })) parts.push(value)
  return Buffer.concat(parts)
}
