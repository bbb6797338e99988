/**
 * `candour check` (issue 14): sound against a running server and a stopped
 * one; in a copy of the store with a deleted index entry, a truncated blob, a
 * broken audit link, a dangling index entry and a crash's leftover upload
 * planted in it, each is found and counted, the command fails with
 * CHECK_FAILED, and `--repair` fixes the index and leftovers and says what it
 * cannot fix. Statistics counters that differ from a recount (one wrong, one
 * stray) are found and named, left alone against a running server, and
 * rebuilt by `--repair` with the server stopped, after which `stats verify`
 * agrees.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { appendAudit, auditKey } from '../../src/domain/audit.js'
import { addReply } from '../../src/domain/replies.js'
import { connectControl } from '../../src/store/control.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import type { ReportRecord } from '../../src/store/records.js'
import { keyPair } from '../helpers/bundles.js'
import { candour, removeAll, tempDir } from '../helpers/offline.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

test('check passes a sound store, finds planted faults in a copy, and repair fixes what it can', async (t) => {
  const dir = await tempDir('candour-check-')
  t.teardown(() => removeAll(dir))
  const kent = await keyPair('kent')
  const keysDir = path.join(dir, 'keys')
  await mkdir(path.join(keysDir, 'kent'), { recursive: true })
  await writeFile(path.join(keysDir, 'kent', 'unit.asc'), kent.publicKey)
  const service = await startTestService({ KEYS_DIR: keysDir, DATA_DIR: path.join(dir, 'data') })
  t.teardown(() => service.close())
  const env = { DATA_DIR: service.dataDir, KEYS_DIR: keysDir, CANDOUR_DEMO: '1' }
  for (let i = 0; i < 3; i++) {
    await submitReport(service.url, { force: 'kent', category: 'bribery', message: `report ${i}`, anonymity: 'anonymous', atRisk: 'no' },
      i === 0 ? [{ name: 'big.bin', content: randomBytes(400_000) }] : [])
  }
  const remote = await connectControl(service.dataDir)
  const ids: string[] = []
  for await (const id of remote.keys('reports')) ids.push(id)
  await addReply(remote, new Map([['kent', kent.recipients]]), ids[1]!, 'a reply')
  for (const id of ids) await appendAudit(remote, { actor: 'cli', action: 'download', report: id })
  await remote.close()

  const live = await candour(['check'], { env })
  t.is(live.code, 0, live.stdout + live.stderr)
  t.regex(live.stdout, /checked through the running server/)
  t.regex(live.stdout, /reports: 3\n/)
  t.regex(live.stdout, /audit chain: intact, 3 entries/)
  t.regex(live.stdout, /statistics counters differing from a recount: 0\n/)

  // A wrong counter in the running server's store: found, but not rebuilt while the server writes.
  const control = await connectControl(service.dataDir)
  let counterKey: string | undefined
  for await (const key of control.keys('stats')) { counterKey = key; break }
  const rightValue = (await control.get('stats', counterKey!))!
  await control.batch([{ type: 'put', space: 'stats', key: counterKey!, value: Buffer.from(String(Number(Buffer.from(rightValue).toString()) + 5)) }])
  const liveRepair = await candour(['check', '--repair'], { env })
  t.is(liveRepair.code, 1)
  t.regex(liveRepair.stdout, /statistics counters differing from a recount: 1\n/)
  t.true(liveRepair.stdout.includes(`differs: ${counterKey!} stored`))
  t.regex(liveRepair.stdout, /cannot repair: statistics counters while the server runs/)
  await control.batch([{ type: 'put', space: 'stats', key: counterKey!, value: rightValue }])
  await control.close()
  await service.close()
  const stopped = await candour(['check'], { env })
  t.is(stopped.code, 0, stopped.stdout)
  t.regex(stopped.stdout, /encrypted items: 6\n/, 'three reports, one attachment, both copies of a reply')

  // A copy of the store, with faults planted.
  const copy = path.join(dir, 'copy')
  await cp(service.dataDir, copy, { recursive: true })
  const kv = await openLevelKv(copy)
  const reports: ReportRecord[] = []
  for await (const [, raw] of kv.entries('reports')) reports.push(JSON.parse(Buffer.from(raw).toString('utf8')) as ReportRecord)
  const withFile = reports.find((r) => r.items.some((item) => item.kind === 'attachment'))!
  const attachment = withFile.items.find((item) => item.kind === 'attachment')!
  const chunks: string[] = []
  for await (const key of kv.keys('blobs', { gte: `${attachment.blob}!`, lt: `${attachment.blob}!\uffff` })) chunks.push(key)
  const lastChunk = chunks.at(-1)!
  const other = reports.find((r) => r !== withFile)!
  const inboxKey = `a!kent!${other.urgent && other.status === 'new' ? '1' : '0'}!${other.received}!${other.id}`
  t.truthy(await kv.get('inbox', inboxKey))
  const second = JSON.parse(Buffer.from((await kv.get('audit', auditKey(2)))!).toString('utf8')) as Record<string, unknown>
  const counter = (await kv.get('stats', counterKey!))!
  const wrongCount = Number(Buffer.from(counter).toString()) + 2
  const strayCounter = 'kent!2001-01!received'
  t.is(await kv.get('stats', strayCounter), undefined)
  await kv.batch([
    { type: 'put', space: 'stats', key: counterKey!, value: Buffer.from(String(wrongCount)) },
    { type: 'put', space: 'stats', key: strayCounter, value: Buffer.from('3') },
    { type: 'del', space: 'inbox', key: inboxKey },
    { type: 'put', space: 'blobs', key: lastChunk, value: (await kv.get('blobs', lastChunk))!.subarray(0, 100) },
    { type: 'put', space: 'audit', key: auditKey(2), value: Buffer.from(JSON.stringify({ ...second, prev: '1'.repeat(64) })) },
    { type: 'put', space: 'by-force', key: 'kent!2020-01-01!0123456789abcdef01234567', value: new Uint8Array(0) },
    { type: 'put', space: 'pending', key: 'f'.repeat(32), value: new Uint8Array(0) },
    { type: 'put', space: 'blobs', key: `${'f'.repeat(32)}!00000000`, value: randomBytes(100) },
  ])
  await kv.close()

  const copyEnv = { ...env, DATA_DIR: copy }
  const found = await candour(['check'], { env: copyEnv })
  t.is(found.code, 1)
  t.regex(found.stderr, /CHECK_FAILED/)
  t.regex(found.stdout, /index entries missing: 1\n/)
  t.regex(found.stdout, /index entries pointing nowhere: 1\n/)
  t.regex(found.stdout, /items missing or incomplete: 1\n/)
  t.regex(found.stdout, /unfinished uploads left by a crash: 1\n/)
  t.regex(found.stdout, /audit chain: BROKEN at entry 2/)
  t.regex(found.stdout, /statistics counters differing from a recount: 2\n/)
  t.true(found.stdout.includes(`differs: ${counterKey!} stored ${wrongCount}, recounted ${wrongCount - 2}`), found.stdout)
  t.true(found.stdout.includes(`differs: ${strayCounter} stored 3, recounted 0`), found.stdout)
  t.regex(found.stdout, /7 fault\(s\)/)
  t.is((await candour(['stats', 'verify'], { env: copyEnv })).code, 1, 'stats verify sees the same')

  const repaired = await candour(['check', '--repair'], { env: copyEnv })
  t.is(repaired.code, 1)
  t.regex(repaired.stdout, /index entries missing: 1 \(repaired 1\)/)
  t.regex(repaired.stdout, /index entries pointing nowhere: 1 \(repaired 1\)/)
  t.regex(repaired.stdout, /unfinished uploads left by a crash: 1 \(repaired 1\)/)
  t.regex(repaired.stdout, /statistics counters differing from a recount: 2 \(repaired 2\)/)
  t.notRegex(repaired.stdout, /cannot repair: statistics/)
  t.regex(repaired.stdout, /cannot repair: items missing or incomplete/)
  t.regex(repaired.stdout, /cannot repair: the audit chain/)
  t.regex(repaired.stdout, /2 fault\(s\)/)

  const after = await candour(['check'], { env: copyEnv })
  t.regex(after.stdout, /index entries missing: 0\n/)
  t.regex(after.stdout, /index entries pointing nowhere: 0\n/)
  t.regex(after.stdout, /unfinished uploads left by a crash: 0\n/)
  t.regex(after.stdout, /items missing or incomplete: 1\n/)
  t.regex(after.stdout, /statistics counters differing from a recount: 0\n/)
  t.notRegex(after.stdout, /differs:/)
  const verified = await candour(['stats', 'verify'], { env: copyEnv })
  t.is(verified.code, 0, verified.stdout + verified.stderr)
  t.regex(verified.stdout, /statistics counters match a recount/)
})
