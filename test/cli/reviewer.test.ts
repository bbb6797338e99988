/**
 * `candour reviewer …` and `candour audit verify` as an operator runs them, in
 * a child process: with the server running (through its control socket) and
 * stopped (opening the store itself).
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateSync } from 'otplib'
import { auditKey, type AuditEntry } from '../../src/domain/audit.js'
import { verifyPassword } from '../../src/domain/passwords.js'
import { getReviewer } from '../../src/domain/reviewers.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { auditLogOf, candour } from '../helpers/reviewer.js'
import { startTestService } from '../helpers/service.js'

interface Failure { code?: number; stdout?: string; stderr?: string }

async function fails (t: import('ava').ExecutionContext, args: string[], dataDir: string): Promise<Failure> {
  const error = await t.throwsAsync(candour(args, dataDir)) as Failure
  t.not(error.code, 0)
  return error
}

async function auditLog (dataDir: string): Promise<AuditEntry[]> {
  const kv = await openLevelKv(dataDir)
  try {
    return await auditLogOf(kv)
  } finally {
    await kv.close()
  }
}

test('every reviewer command works while the server runs and after it stops, each audited as cli', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  const dir = service.dataDir

  // Running: through the control socket.
  const added = JSON.parse((await candour(['reviewer', 'add', '--force', 'kent', '--name', 'kent-one', '--json'], dir)).stdout) as Record<string, string>
  t.deepEqual(Object.keys(added), ['username', 'password', 'totpSecret'])
  t.is(added.username, 'kent-one')
  t.regex(added.password!, /^[a-z-]+( [a-z-]+){6}$/)
  t.regex(added.totpSecret!, /^[A-Z2-7]{32}$/)
  const admin = JSON.parse((await candour(['reviewer', 'add', '--admin', '--name', 'the-admin', '--json'], dir)).stdout) as Record<string, string>
  t.is(admin.username, 'the-admin')
  t.deepEqual(JSON.parse((await candour(['reviewer', 'list', '--json'], dir)).stdout), [
    { username: 'kent-one', force: 'kent', admin: false, role: 'reviewer' },
    { username: 'the-admin', force: null, admin: true, role: 'admin' },
  ])
  const listed = (await candour(['reviewer', 'list'], dir)).stdout
  t.is(listed, 'kent-one\tkent\treviewer\nthe-admin\t-\tadmin\n')
  t.false(listed.includes(added.password!) || listed.includes(added.totpSecret!), 'no secrets listed')
  const reset = JSON.parse((await candour(['reviewer', 'reset-2fa', '--name', 'kent-one', '--json'], dir)).stdout) as Record<string, string>
  t.deepEqual(Object.keys(reset), ['username', 'totpSecret'])
  t.not(reset.totpSecret, added.totpSecret)
  t.is((await candour(['reviewer', 'remove', '--name', 'the-admin'], dir)).stdout, 'reviewer the-admin removed\n')
  t.is((await candour(['audit', 'verify'], dir)).stdout, 'audit chain intact: 4 entries\n')

  // Stopped: the store opened directly, the same answers.
  await service.close()
  const offline = JSON.parse((await candour(['reviewer', 'add', '--force', 'met', '--name', 'met-one', '--json'], dir)).stdout) as Record<string, string>
  t.is((await candour(['reviewer', 'list'], dir)).stdout, 'kent-one\tkent\treviewer\nmet-one\tmet\treviewer\n')
  await candour(['reviewer', 'reset-2fa', '--name', 'met-one', '--json'], dir)
  await candour(['reviewer', 'remove', '--name', 'kent-one'], dir)
  t.is((await candour(['audit', 'verify'], dir)).stdout, 'audit chain intact: 7 entries\n')

  const log = await auditLog(dir)
  t.deepEqual(log.map((e) => [e.actor, e.action, e.detail]), [
    ['cli', 'reviewer-add', 'kent-one'],
    ['cli', 'reviewer-add', 'the-admin'],
    ['cli', 'reviewer-reset-2fa', 'kent-one'],
    ['cli', 'reviewer-remove', 'the-admin'],
    ['cli', 'reviewer-add', 'met-one'],
    ['cli', 'reviewer-reset-2fa', 'met-one'],
    ['cli', 'reviewer-remove', 'kent-one'],
  ])

  // What is stored: a scrypt hash the printed password matches, with its parameters; the secret the server checks codes with.
  const kv = await openLevelKv(dir)
  try {
    const account = (await getReviewer(kv, 'met-one'))!
    t.like(account, { username: 'met-one', force: 'met', admin: false, generation: 2 })
    t.like(account.password, { kdf: 'scrypt', r: 8, p: 1 })
    t.true(account.password.N >= 2 ** 15)
    t.true(await verifyPassword(offline.password!, account.password))
    t.false(JSON.stringify(account).includes(offline.password!), 'the password itself is not stored')
    t.is(await getReviewer(kv, 'kent-one'), undefined)
  } finally {
    await kv.close()
  }
})

test('add prints the password, an otpauth URI and a terminal QR code', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-cli-reviewer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const { stdout } = await candour(['reviewer', 'add', '--force', 'kent', '--name', 'kent-qr'], dir)
  t.regex(stdout, /^reviewer kent-qr added \(force kent\)\n/)
  t.regex(stdout, /\npassword: [a-z-]+( [a-z-]+){6}\n/)
  const uri = /\nauthenticator: (otpauth:\/\/\S+)\n/.exec(stdout)?.[1]
  t.truthy(uri)
  t.true(uri!.startsWith('otpauth://totp/Candour:kent-qr?'))
  const parsed = new URL(uri!)
  t.is(parsed.searchParams.get('issuer'), 'Candour')
  const secret = parsed.searchParams.get('secret')!
  t.regex(generateSync({ secret }), /^\d{6}$/, 'an authenticator can compute codes from it')
  t.true((stdout.match(/[▀▄█]/g) ?? []).length > 200, 'a QR code drawn with block characters')
})

test('bad arguments fail with a stable code and change nothing', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-cli-reviewer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  t.regex((await fails(t, ['reviewer', 'add', '--force', 'atlantis', '--name', 'who-ever'], dir)).stderr ?? '', /FORCE_UNKNOWN/)
  t.regex((await fails(t, ['reviewer', 'add', '--force', 'kent', '--admin', '--name', 'who-ever'], dir)).stderr ?? '', /VALIDATION_FAILED/)
  t.regex((await fails(t, ['reviewer', 'add', '--name', 'who-ever'], dir)).stderr ?? '', /VALIDATION_FAILED/)
  for (const name of ['Alice', 'ab', '1abc', 'a'.repeat(33), 'cli', 'unknown', 'al ice']) {
    t.regex((await fails(t, ['reviewer', 'add', '--force', 'kent', '--name', name], dir)).stderr ?? '', /VALIDATION_FAILED/, name)
  }
  await candour(['reviewer', 'add', '--force', 'kent', '--name', 'taken-name', '--json'], dir)
  t.regex((await fails(t, ['reviewer', 'add', '--force', 'met', '--name', 'taken-name'], dir)).stderr ?? '', /VALIDATION_FAILED/)
  t.regex((await fails(t, ['reviewer', 'remove', '--name', 'not-there'], dir)).stderr ?? '', /NOT_FOUND/)
  t.regex((await fails(t, ['reviewer', 'reset-2fa', '--name', 'not-there'], dir)).stderr ?? '', /NOT_FOUND/)
  t.is((await candour(['reviewer', 'list'], dir)).stdout, 'taken-name\tkent\treviewer\n')
  t.is((await candour(['audit', 'verify'], dir)).stdout, 'audit chain intact: 1 entries\n')
})

test('audit verify fails with the entry where the chain breaks', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-cli-audit-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  t.is((await candour(['audit', 'verify'], dir)).stdout, 'audit chain intact: 0 entries\n')
  for (const name of ['first-one', 'second-one', 'third-one']) await candour(['reviewer', 'add', '--force', 'kent', '--name', name, '--json'], dir)
  await candour(['reviewer', 'remove', '--name', 'first-one'], dir)
  t.is((await candour(['audit', 'verify'], dir)).stdout, 'audit chain intact: 4 entries\n')

  const kv = await openLevelKv(dir)
  const original = Buffer.from((await kv.get('audit', auditKey(2)))!)
  // The second entry said who was added; make it say someone else.
  await kv.batch([{ type: 'put', space: 'audit', key: auditKey(2), value: Buffer.from(original.toString('utf8').replace('second-one', 'other-name')) }])
  await kv.close()
  const broken = await fails(t, ['audit', 'verify'], dir)
  t.is(broken.stdout, 'audit chain broken at entry 2\n')
  t.regex(broken.stderr ?? '', /AUDIT_BROKEN/)

  // Running, through the control socket: the same answer.
  const service = await startTestService({ DATA_DIR: dir })
  t.teardown(() => service.dispose())
  t.is((await fails(t, ['audit', 'verify'], dir)).stdout, 'audit chain broken at entry 2\n')
})
