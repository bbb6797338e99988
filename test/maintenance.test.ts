/**
 * The server's daily work and its command-line twins (issue 14): a unit key
 * expiring within 30 days is logged by the daily run and warned about by
 * `keys check`; the daily run and `candour purge` (through the running
 * server) sweep closed reports past the retention period, with a clock
 * injected into the server.
 */
import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { auditEntries, type AuditEntry } from '../src/domain/audit.js'
import { connectControl } from '../src/store/control.js'
import { modifyReport } from '../src/store/records.js'
import { gpgHome } from './helpers/gpg.js'
import { candour, removeAll, tempDir } from './helpers/offline.js'
import { startTestService } from './helpers/service.js'
import { submitReport } from './helpers/submit.js'

const DAY = 24 * 60 * 60 * 1000

/** Captures what the service logs while `work` runs. */
async function logged (work: () => Promise<void>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr)
  let text = ''
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
  }) as typeof process.stderr.write
  try {
    await work()
  } finally {
    process.stderr.write = write
  }
  return text
}

async function lastAudit (dataDir: string): Promise<AuditEntry | undefined> {
  const kv = await connectControl(dataDir)
  try {
    for await (const entry of auditEntries(kv, { reverse: true, limit: 1 })) return entry
    return undefined
  } finally {
    await kv.close()
  }
}

test('a key expiring within 30 days is logged by the daily run and warned about by keys check; purge and the daily run sweep expired reports', async (t) => {
  const dir = await tempDir('candour-maintenance-')
  t.teardown(() => removeAll(dir))
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  const keysDir = path.join(dir, 'keys')
  for (const [force, expire] of [['kent', '10d'], ['essex', '90d'], ['met', 'never']] as const) {
    const fingerprint = await gpg.generate(`${force} unit`, 'future-default', 'default', expire)
    await mkdir(path.join(keysDir, force), { recursive: true })
    await writeFile(path.join(keysDir, force, 'unit.asc'), await gpg.exportPublic(fingerprint))
  }
  let now = new Date()
  const service = await startTestService({ KEYS_DIR: keysDir, DATA_DIR: path.join(dir, 'data') }, { now: () => now })
  t.teardown(() => service.close())
  const env = { DATA_DIR: service.dataDir, KEYS_DIR: keysDir, CANDOUR_DEMO: '1' }

  // The daily log names kent (10 days) and not essex (90 days) or met (never).
  const today = await logged(() => service.maintenance.run())
  t.regex(today, /the key of force kent expires on \d{4}-\d{2}-\d{2}, within 30 days/)
  t.notRegex(today, /force essex|force met/)
  // Sixty-five days on, essex is inside the window too.
  now = new Date(Date.now() + 65 * DAY)
  t.regex(await logged(() => service.maintenance.run()), /the key of force essex expires on/)
  now = new Date()

  // keys check warns about kent's key only.
  const kent = await candour(['keys', 'check', path.join(keysDir, 'kent')])
  t.is(kent.code, 0, kent.stdout + kent.stderr)
  t.regex(kent.stdout, /WARNING: expires on \d{4}-\d{2}-\d{2}, within 30 days/)
  t.regex(kent.stdout, /1 usable key\(s\), 0 unusable, 1 expiring within 30 days/)
  const met = await candour(['keys', 'check', path.join(keysDir, 'met')])
  t.notRegex(met.stdout, /WARNING/)

  // Two reports, one closed long ago: purge (dry, then for real) through the running server.
  for (const message of ['old', 'new']) await submitReport(service.url, { force: 'met', category: 'other', message, anonymity: 'anonymous', atRisk: 'no' })
  const kv = await connectControl(service.dataDir)
  const ids: string[] = []
  for await (const id of kv.keys('reports')) ids.push(id)
  await modifyReport(kv, ids[0]!, (current) => ({ value: { ...current!, status: 'closed', outcome: 'no-further-action', closed: '2020-01-01' } }))
  await modifyReport(kv, ids[1]!, (current) => ({ value: { ...current!, status: 'closed', outcome: 'intelligence', closed: '2025-12-01' } }))
  await kv.close()
  const dry = await candour(['purge', '--dry-run'], { env })
  t.is(dry.code, 0, dry.stderr)
  t.regex(dry.stdout, /retention 365 days: would delete 1 report\(s\), 1 encrypted item\(s\), 1 reporter\(s\)/)
  const purge = await candour(['purge'], { env })
  t.is(purge.code, 0, purge.stderr)
  t.regex(purge.stdout, /deleted 1 report\(s\)/)
  t.like(await lastAudit(service.dataDir), { action: 'purge', actor: 'cli', detail: 'reports-1-reporters-1' })

  // The daily run, a year on, takes the other one.
  now = new Date('2027-01-01T12:00:00Z')
  const swept = await logged(() => service.maintenance.run())
  t.regex(swept, /retention: deleted 1 report\(s\) closed more than 365 days ago/)
  t.like(await lastAudit(service.dataDir), { action: 'purge', actor: 'system', detail: 'reports-1-reporters-1' })
  const check = await candour(['check'], { env })
  t.is(check.code, 0, check.stdout)
  t.regex(check.stdout, /reports: 0\n/)
})
