/**
 * An action that changes a report and its audit entry are one batch: a store
 * that fails the batch holding the entry leaves neither the action nor the
 * entry (the whole store is as it was), and without the failure both are
 * there and the chain verifies. Status, reply (by a reviewer and by the
 * command line), transfer, deletion, and a report taken by phone.
 */
import test from 'ava'
import { OPERATOR, actorOf, type ReviewerActor } from '../../src/domain/actors.js'
import { verifyAudit } from '../../src/domain/audit.js'
import { addReviewer, getReviewer } from '../../src/domain/reviewers.js'
import { Submission } from '../../src/domain/submissions.js'
import { Workspace } from '../../src/domain/workspace.js'
import { CandourError } from '../../src/errors.js'
import type { Kv } from '../../src/store/kv.js'
import { getReport } from '../../src/store/records.js'
import { bundleBytes, reencryptBundle, zip } from '../helpers/bundles.js'
import { domainFixture, type DomainFixture } from '../helpers/domain.js'
import { snapshot } from '../helpers/reports.js'
import { auditLogOf } from '../helpers/reviewer.js'

let f: DomainFixture
let reviewer: ReviewerActor

test.before(async () => {
  f = await domainFixture()
  await addReviewer(f.kv, { username: 'kent-auditee', force: 'kent', admin: false, actor: 'cli' })
  reviewer = actorOf((await getReviewer(f.kv, 'kent-auditee'))!)
})
test.after.always(async () => { await f?.dispose() })

/** A Kv whose batches fail while `armed` when they hold an audit entry; `refused` counts them. */
function failingAudit (kv: Kv): { kv: Kv; armed: boolean; refused: number } {
  const state = {
    armed: true,
    refused: 0,
    kv: {
      get: (space, key) => kv.get(space, key),
      entries: (space, range) => kv.entries(space, range),
      keys: (space, range) => kv.keys(space, range),
      snapshot: () => kv.snapshot(),
      compact: (space, range) => kv.compact(space, range),
      close: () => kv.close(),
      async batch (ops, options) {
        if (state.armed && ops.some((op) => op.type === 'put' && op.space === 'audit')) {
          state.refused++
          throw new CandourError('STORE_FAILED', 'injected store failure')
        }
        return kv.batch(ops, options)
      },
    } satisfies Kv,
  }
  return state
}

function workspaceOn (kv: Kv): Workspace {
  return new Workspace({ kv, recipients: async () => f.deps.recipients })
}

/** Runs `act` on a failing store (nothing may change) and then on a working one; returns the new audit entries. */
async function failsWholeThenWorks (t: import('ava').ExecutionContext, act: (kv: Kv) => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const store = failingAudit(f.kv)
  const before = await snapshot(f.kv)
  const err = await t.throwsAsync(act(store.kv)) as { code?: string }
  t.is(err.code, 'STORE_FAILED')
  t.true(store.refused > 0, 'the batch with the entry was the one that failed')
  t.deepEqual(await snapshot(f.kv), before, 'neither the action nor its entry is stored')
  t.true((await verifyAudit(f.kv)).ok)

  const count = (await auditLogOf(f.kv)).length
  store.armed = false
  await act(store.kv)
  const verified = await verifyAudit(f.kv)
  t.true(verified.ok)
  const added = (await auditLogOf(f.kv)).slice(count)
  t.is(verified.entries, count + added.length)
  return added.map(({ actor, action, report, detail }) => ({ actor, action, report, detail }))
}

test.serial('a status change and its entry: both or neither', async (t) => {
  const { report } = await f.submit('kent', 'status report')
  await workspaceOn(f.kv).setStatus(reviewer, report.id, 'assessing')
  const entries = await failsWholeThenWorks(t, (kv) => workspaceOn(kv).setStatus(reviewer, report.id, 'closed', 'investigation'))
  t.deepEqual(entries, [{ actor: 'kent-auditee', action: 'status', report: report.id, detail: 'closed-investigation' }])
  t.like(await f.report(report.id), { status: 'closed', outcome: 'investigation' })
  // Reopening goes the same way.
  const reopened = await failsWholeThenWorks(t, (kv) => workspaceOn(kv).setStatus(reviewer, report.id, 'assessing'))
  t.deepEqual(reopened, [{ actor: 'kent-auditee', action: 'status', report: report.id, detail: 'assessing' }])
  t.is((await f.report(report.id)).status, 'assessing')
})

test.serial('a reply and its entry: both or neither, from a reviewer and from the command line', async (t) => {
  const { report } = await f.submit('kent', 'reply report')
  const byReviewer = await failsWholeThenWorks(t, (kv) => workspaceOn(kv).reply(reviewer, report.id, 'from the force'))
  t.deepEqual(byReviewer, [{ actor: 'kent-auditee', action: 'reply', report: report.id, detail: undefined }])
  const byCli = await failsWholeThenWorks(t, (kv) => workspaceOn(kv).reply(OPERATOR, report.id, 'from the operator'))
  t.deepEqual(byCli, [{ actor: 'cli', action: 'reply', report: report.id, detail: undefined }])
  t.is((await f.report(report.id)).replies.length, 2)
})

test.serial('a transfer and its entry: both or neither', async (t) => {
  const { report } = await f.submit('kent', 'transfer report', [{ name: 'a.bin', content: new Uint8Array(5000).fill(7) }])
  const zipped = await zip(await reencryptBundle(await bundleBytes(f.kv, report), f.keys.kent.privateKey, f.keys.met.recipients))
  const bundle = (): { chunks: Buffer[]; size: number } => ({ chunks: [zipped.subarray(0, 1000), zipped.subarray(1000)], size: zipped.length })
  const entries = await failsWholeThenWorks(t, (kv) => workspaceOn(kv).transfer(reviewer, report.id, 'met', bundle()))
  t.deepEqual(entries, [{ actor: 'kent-auditee', action: 'transfer', report: report.id, detail: 'met' }])
  t.like(await f.report(report.id), { force: 'met', transferredFrom: 'kent' })
})

test.serial('a deletion and its entry: both or neither', async (t) => {
  const { report } = await f.submit('kent', 'deleted report', [{ name: 'b.bin', content: new Uint8Array(3000).fill(9) }])
  const entries = await failsWholeThenWorks(t, (kv) => workspaceOn(kv).deleteReport(reviewer, report.id))
  t.deepEqual(entries, [{ actor: 'kent-auditee', action: 'delete', report: report.id, detail: undefined }])
  t.is(await getReport(f.kv, report.id), undefined)
})

test.serial('a report taken by phone and its entry: both or neither', async (t) => {
  let stored: string | undefined
  const entries = await failsWholeThenWorks(t, async (kv) => {
    const submission = new Submission({ ...f.deps, kv })
    try {
      stored = (await submission.commit({ force: 'kent', category: 'bribery', message: 'by phone', anonymity: 'anonymous', atRisk: 'no' }, { channel: 'phone', audit: { actor: 'phone', action: 'phone-report' } })).reportId
    } catch (err) {
      await submission.abandon()
      throw err
    }
  })
  t.deepEqual(entries, [{ actor: 'phone', action: 'phone-report', report: undefined, detail: undefined }])
  t.like(await f.report(stored!), { channel: 'phone' })
})
