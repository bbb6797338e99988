/**
 * The audit log's hash chain against the real LevelDB: it verifies, every
 * kind of tampering breaks it at the right entry, and the server and the
 * command line (through the control socket) appending at once keep one chain.
 */
import test, { type ExecutionContext } from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { appendAudit, auditEntries, auditKey, auditHash, verifyAudit, type AuditEntry } from '../../src/domain/audit.js'
import { isCandourError } from '../../src/errors.js'
import { connectControl, serveControl } from '../../src/store/control.js'
import type { Kv } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'

async function store (t: ExecutionContext): Promise<{ kv: Kv; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-audit-test-'))
  const kv = await openLevelKv(dir)
  t.teardown(async () => { await kv.close(); await rm(dir, { recursive: true, force: true }) })
  return { kv, dir }
}

// A chain of `n` entries of every shape: with and without report and detail.
async function chain (t: ExecutionContext, n = 10): Promise<Kv> {
  const { kv } = await store(t)
  for (let i = 1; i <= n; i++) {
    await appendAudit(kv, { actor: i % 3 === 0 ? 'cli' : `reviewer-${i}`, action: i % 2 === 0 ? 'status' : 'download', ...(i % 2 === 0 ? { report: `0a1b2c${i}`, detail: 'assessing' } : {}) })
  }
  return kv
}

async function stored (kv: Kv, seq: number): Promise<Buffer> {
  return Buffer.from((await kv.get('audit', auditKey(seq)))!)
}

async function put (kv: Kv, space: 'audit' | 'meta', key: string, value: Buffer | Record<string, unknown>): Promise<void> {
  await kv.batch([{ type: 'put', space, key, value: Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)) }])
}

test('a chain verifies, entry by entry linked, with the date only', async (t) => {
  const kv = await chain(t)
  t.deepEqual(await verifyAudit(kv), { ok: true, entries: 10 })
  const entries: AuditEntry[] = []
  for await (const entry of auditEntries(kv)) entries.push(entry)
  t.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.is(entries[0]!.prev, '0'.repeat(64))
  for (let i = 1; i < entries.length; i++) t.is(entries[i]!.prev, entries[i - 1]!.hash)
  for (const entry of entries) {
    t.regex(entry.date, /^\d{4}-\d{2}-\d{2}$/)
    t.is(entry.hash, auditHash(entry))
  }
  const newest: number[] = []
  for await (const entry of auditEntries(kv, { reverse: true, limit: 3 })) newest.push(entry.seq)
  t.deepEqual(newest, [10, 9, 8])
  const page: number[] = []
  for await (const entry of auditEntries(kv, { reverse: true, limit: 3, before: 5 })) page.push(entry.seq)
  t.deepEqual(page, [4, 3, 2])
  t.deepEqual(await verifyAudit((await store(t)).kv), { ok: true, entries: 0 }, 'an empty log is intact')
})

test('altering any byte of an entry breaks the chain at that entry', async (t) => {
  for (const seq of [1, 4, 10]) {
    const kv = await chain(t)
    const bytes = await stored(kv, seq)
    // Each position in turn would do; these hit the date, the actor and the hash.
    for (const offset of [bytes.indexOf('"date"') + 9, bytes.indexOf('"actor"') + 10, bytes.length - 5]) {
      const altered = Buffer.from(bytes)
      altered[offset] = altered[offset]! ^ 0x01
      await put(kv, 'audit', auditKey(seq), altered)
      t.deepEqual(await verifyAudit(kv), { ok: false, entries: seq - 1, brokenAt: seq }, `entry ${seq}, offset ${offset}`)
    }
  }
})

test('an entry rewritten with a fresh hash of its own breaks the link to the next one', async (t) => {
  const kv = await chain(t)
  const entry = JSON.parse((await stored(kv, 4)).toString('utf8')) as AuditEntry
  const forged = { ...entry, actor: 'someone-else' }
  await put(kv, 'audit', auditKey(4), { ...forged, hash: auditHash(forged) })
  t.deepEqual(await verifyAudit(kv), { ok: false, entries: 4, brokenAt: 5 })
})

test('deleting an entry breaks the chain where it was, also the last one', async (t) => {
  for (const seq of [1, 6, 10]) {
    const kv = await chain(t)
    await kv.batch([{ type: 'del', space: 'audit', key: auditKey(seq) }])
    t.deepEqual(await verifyAudit(kv), { ok: false, entries: seq - 1, brokenAt: seq }, `entry ${seq}`)
  }
})

test('editing or deleting the head breaks the chain', async (t) => {
  const edited = await chain(t)
  const head = JSON.parse(Buffer.from((await edited.get('meta', 'audit-head'))!).toString('utf8')) as { seq: number; hash: string }
  t.deepEqual(head.seq, 10)
  await put(edited, 'meta', 'audit-head', { seq: 10, hash: '0'.repeat(64) })
  t.like(await verifyAudit(edited), { ok: false, brokenAt: 10 })
  await put(edited, 'meta', 'audit-head', { seq: 12, hash: head.hash })
  t.like(await verifyAudit(edited), { ok: false, brokenAt: 11 })
  await put(edited, 'meta', 'audit-head', { seq: 7, hash: head.hash })
  t.like(await verifyAudit(edited), { ok: false, brokenAt: 8 })

  const deleted = await chain(t)
  await deleted.batch([{ type: 'del', space: 'meta', key: 'audit-head' }])
  t.like(await verifyAudit(deleted), { ok: false, brokenAt: 10 })
})

test('an entry moved to another position breaks the chain', async (t) => {
  const kv = await chain(t)
  const third = await stored(kv, 3)
  await put(kv, 'audit', auditKey(4), third)
  t.deepEqual(await verifyAudit(kv), { ok: false, entries: 3, brokenAt: 4 })
})

test('the server and the command line appending at once keep one unbroken chain', async (t) => {
  const { kv, dir } = await store(t)
  const control = await serveControl(kv, dir)
  const remote = await connectControl(dir)
  t.teardown(async () => { await remote.close(); await control.close() })
  const writer = async (handle: Kv, actor: string, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await appendAudit(handle, { actor, action: 'login' })
  }
  // Eight writers on each handle, interleaving their reads and batches; meanwhile the chain is
  // checked again and again, and appends in progress never look like a break.
  let writing = true
  const checks: boolean[] = []
  const checker = async (handle: Kv): Promise<void> => {
    while (writing) checks.push((await verifyAudit(handle)).ok)
  }
  const checking = Promise.all([checker(kv), checker(remote)])
  await Promise.all([
    ...Array.from({ length: 8 }, (_, w) => writer(kv, `server-${w}`, 15)),
    ...Array.from({ length: 8 }, (_, w) => writer(remote, `cli-${w}`, 15)),
  ])
  writing = false
  await checking
  t.true(checks.length > 2)
  t.true(checks.every(Boolean))
  t.deepEqual(await verifyAudit(kv), { ok: true, entries: 240 })
  t.deepEqual(await verifyAudit(remote), { ok: true, entries: 240 })
  const counts = new Map<string, number>()
  for await (const entry of auditEntries(remote)) counts.set(entry.actor, (counts.get(entry.actor) ?? 0) + 1)
  t.is(counts.size, 16)
  t.true([...counts.values()].every((n) => n === 15), 'no entry lost')
})

test('writes joined to an entry land with it or not at all', async (t) => {
  const { kv } = await store(t)
  await appendAudit(kv, { actor: 'cli', action: 'reviewer-add', detail: 'alice' }, {
    ops: [{ type: 'put', space: 'reviewers', key: 'alice', value: Buffer.from('{}') }],
    expect: [{ space: 'reviewers', key: 'alice', value: undefined }],
  })
  const error = await t.throwsAsync(appendAudit(kv, { actor: 'cli', action: 'reviewer-add', detail: 'alice' }, {
    ops: [{ type: 'put', space: 'reviewers', key: 'alice', value: Buffer.from('{"second":true}') }],
    expect: [{ space: 'reviewers', key: 'alice', value: undefined }],
  }))
  t.true(isCandourError(error, 'STORE_CONFLICT'))
  t.deepEqual(await verifyAudit(kv), { ok: true, entries: 1 })
  t.is(Buffer.from((await kv.get('reviewers', 'alice'))!).toString(), '{}')
})

test('only closed values are accepted: no free text reaches the log', async (t) => {
  const { kv } = await store(t)
  for (const entry of [
    { actor: 'Alice Smith', action: 'login' as const },
    { actor: 'cli', action: 'status' as const, detail: 'closed because of the email from PC Jones' },
    { actor: 'cli', action: 'delete' as const, report: '../../x' },
    { actor: 'cli', action: 'rename' as never },
  ]) await t.throwsAsync(appendAudit(kv, entry), { instanceOf: TypeError })
  t.deepEqual(await verifyAudit(kv), { ok: true, entries: 0 })
})
