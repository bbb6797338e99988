/**
 * Issue 9: `candour reply` and `candour export` go through the same use cases
 * as the workspace and are audited as `cli`; `audit verify` checks a chain
 * that holds them. Run while the server runs (control socket) and after it
 * stops (the store opened directly).
 */
import test from 'ava'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { openLevelKv } from '../../src/store/level-kv.js'
import { getReport } from '../../src/store/records.js'
import { connectControl } from '../../src/store/control.js'
import { auditLogOf, candour } from '../helpers/reviewer.js'
import { startTestService } from '../helpers/service.js'
import { postReport } from '../helpers/submit.js'

test('reply and export are audited with the actor cli, and audit verify counts them in an intact chain', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  t.is((await postReport(service.url, { force: 'kent', category: 'bribery', message: 'audited', anonymity: 'anonymous' })).status, 303)
  const live = path.join(service.dataDir, '..', 'export-live')
  t.regex((await candour(['export', '--force', 'kent', '--out', live], service.dataDir)).stdout, /exported 1 report/)
  let kv = await connectControl(service.dataDir)
  const exported = (await auditLogOf(kv)).filter((entry) => entry.action === 'export')
  await kv.close()
  t.is(exported.length, 1)
  const reportId = exported[0]!.report!
  t.like(exported[0], { actor: 'cli', action: 'export', detail: 'kent' })

  const text = path.join(service.dataDir, '..', 'reply.txt')
  await writeFile(text, 'A reply from the command line.')
  t.regex((await candour(['reply', '--report', reportId, '--text-file', text], service.dataDir)).stdout, /reply stored/)
  // With the server stopped: the command opens the store itself.
  await service.close()
  await candour(['reply', '--report', reportId, '--text-file', text], service.dataDir)
  t.regex((await candour(['export', '--force', 'kent', '--out', path.join(service.dataDir, '..', 'export-direct')], service.dataDir)).stdout, /exported 1 report/)

  const verified = await candour(['audit', 'verify'], service.dataDir)
  kv = await openLevelKv(service.dataDir)
  t.teardown(() => kv.close())
  const log = await auditLogOf(kv)
  t.is(verified.stdout, `audit chain intact: ${log.length} entries\n`)
  t.deepEqual(log.filter((entry) => entry.actor === 'cli').map((entry) => [entry.action, entry.report]), [
    ['export', reportId], ['reply', reportId], ['reply', reportId], ['export', reportId],
  ])
  t.is((await getReport(kv, reportId))!.replies.length, 2)
  // A reply to no report is refused, and leaves nothing in the log.
  await kv.close()
  const missing = await t.throwsAsync(candour(['reply', '--report', '0'.repeat(24), '--text-file', text], service.dataDir)) as { stderr?: string }
  t.regex(missing.stderr ?? '', /NOT_FOUND/)
  kv = await openLevelKv(service.dataDir)
  t.is((await auditLogOf(kv)).length, log.length)
})
