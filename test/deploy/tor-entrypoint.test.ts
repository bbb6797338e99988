/**
 * deploy/tor/entrypoint.sh, run with `sh` as the tor image runs it: it refuses to start tor unless
 * the workspace's authorized_clients/ holds at least one client key and nothing malformed, so the
 * workspace onion is never published without client authorisation; otherwise it becomes tor.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { relocateTorrc, SHIPPED_AUTHORIZED_CLIENTS, SHIPPED_TORRC, TOR_ENTRYPOINT } from '../helpers/deploy.js'
import { candour, removeAll, tempDir } from '../helpers/offline.js'

const ONION = '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid'
const TOR_ARGS = ['-f', '/etc/tor/torrc', '--defaults-torrc', '/dev/null']

interface Run { code: number | null; pid: number; stdout: string; stderr: string }

/** Runs the entry point with `sh`, checking `dir`, with `bin/` first on PATH. */
function entrypoint (dir: string, bin: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [TOR_ENTRYPOINT, ...args], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, AUTHORIZED_CLIENTS_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, pid: child.pid!, stdout, stderr }))
  })
}

/** A folder with a stand-in `tor` that prints its pid and arguments, one a line. */
async function fakeTor (work: string): Promise<string> {
  const bin = path.join(work, 'bin')
  await mkdir(bin)
  await writeFile(path.join(bin, 'tor'), '#!/bin/sh\necho "pid $$"\nfor arg in "$@"; do echo "$arg"; done\n', { mode: 0o755 })
  return bin
}

/** A real client key made by `candour onion-client add`: the path of its `.auth` file. */
async function realKey (work: string, name: string): Promise<string> {
  const out = path.join(work, 'made')
  const made = await candour(['onion-client', 'add', '--name', name, '--onion', ONION, '--out', out])
  if (made.code !== 0) throw new Error(made.stderr)
  return path.join(out, `${name}.auth`)
}

async function setup (t: import('ava').ExecutionContext): Promise<{ work: string; bin: string; clients: string }> {
  const work = await tempDir('candour-tor-entrypoint-')
  t.teardown(() => removeAll(work))
  const clients = path.join(work, 'authorized_clients')
  await mkdir(clients)
  return { work, bin: await fakeTor(work), clients }
}

function assertRefused (t: import('ava').ExecutionContext, run: Run, clients: string, reason: RegExp): void {
  t.is(run.code, 1)
  t.is(run.stdout, '', 'tor never ran')
  t.regex(run.stderr, /refusing to start tor/)
  t.regex(run.stderr, reason)
  t.true(run.stderr.includes(clients), 'the message names the folder')
  t.true(run.stderr.includes('npm run candour -- onion-client add'), 'the message names the command')
}

test('an empty authorized_clients/ (or a missing one) stops tor, naming the folder and the command', async (t) => {
  const { work, bin, clients } = await setup(t)
  assertRefused(t, await entrypoint(clients, bin, ['tor', ...TOR_ARGS]), clients, /holds no client key/)
  const missing = path.join(work, 'nowhere')
  assertRefused(t, await entrypoint(missing, bin, ['tor', ...TOR_ARGS]), missing, /is not a directory/)
})

test('the shipped deploy/authorized_clients/ (its README only) stops tor until a key is added', async (t) => {
  const { bin } = await setup(t)
  assertRefused(t, await entrypoint(SHIPPED_AUTHORIZED_CLIENTS, bin, ['tor', ...TOR_ARGS]), SHIPPED_AUTHORIZED_CLIENTS, /holds no client key/)
})

test('a malformed key, a key under another name or anything but a file stops tor, even beside a good key', async (t) => {
  const { work, bin, clients } = await setup(t)
  const good = await realKey(work, 'kent-alice')
  await copyFile(good, path.join(clients, 'kent-alice.auth'))
  const line = (await readFile(good, 'utf8')).trim()
  const cases: Array<{ name: string; make: (file: string) => Promise<void>; reason: RegExp }> = [
    { name: 'short.auth', make: (file) => writeFile(file, 'descriptor:x25519:ABCDEF\n'), reason: /not of the form descriptor:x25519:<52 base32 characters>/ },
    { name: 'private.auth', make: (file) => writeFile(file, `${ONION}:${line}\n`), reason: /not of the form/ },
    { name: 'padded.auth', make: (file) => writeFile(file, `${line}=\n`), reason: /not of the form/ },
    { name: 'empty.auth', make: (file) => writeFile(file, ''), reason: /not of the form/ },
    { name: 'two.auth', make: (file) => writeFile(file, `${line}\n${line}\n`), reason: /more than one line/ },
    { name: 'kent-bob.auth.txt', make: (file) => writeFile(file, `${line}\n`), reason: /keys are named <reviewer>\.auth/ },
    { name: 'kent-bob.auth_private', make: (file) => writeFile(file, `${ONION}:${line}\n`), reason: /keys are named <reviewer>\.auth/ },
    { name: '.hidden.auth', make: (file) => writeFile(file, 'descriptor:x25519:\n'), reason: /not of the form/ },
    { name: 'folder.auth', make: (file) => mkdir(file), reason: /not a readable file/ },
  ]
  for (const fault of cases) {
    const file = path.join(clients, fault.name)
    await fault.make(file)
    const run = await entrypoint(clients, bin, ['tor', ...TOR_ARGS])
    assertRefused(t, run, clients, fault.reason)
    t.true(run.stderr.includes(file), `the message names ${fault.name}`)
    await removeAll(file)
  }
  // With the faults gone, the good key alone passes.
  t.is((await entrypoint(clients, bin, ['tor', ...TOR_ARGS])).code, 0)
})

test('with keys made by `candour onion-client add` it becomes tor (same pid) with the arguments it was given', async (t) => {
  const { work, bin, clients } = await setup(t)
  await copyFile(await realKey(work, 'kent-alice'), path.join(clients, 'kent-alice.auth'))
  // The shipped README may stay beside the keys.
  await copyFile(path.join(SHIPPED_AUTHORIZED_CLIENTS, 'README.md'), path.join(clients, 'README.md'))
  const run = await entrypoint(clients, bin, ['tor', ...TOR_ARGS])
  t.is(run.code, 0, run.stderr)
  t.is(run.stderr, '')
  t.deepEqual(run.stdout.trim().split('\n'), [`pid ${run.pid}`, ...TOR_ARGS], 'exec, not a child: signals reach tor')
})

test('it execs the real tor: the shipped torrc passes --verify-config through it', async (t) => {
  const { work, clients } = await setup(t)
  await copyFile(await realKey(work, 'kent-alice'), path.join(clients, 'kent-alice.auth'))
  const torrc = path.join(work, 'torrc')
  await writeFile(torrc, relocateTorrc(await readFile(SHIPPED_TORRC, 'utf8'), path.join(work, 'lib')))
  const run = await entrypoint(clients, path.join(work, 'no-bin'), ['tor', '--verify-config', '-f', torrc, '--defaults-torrc', '/dev/null'])
  t.is(run.code, 0, run.stdout + run.stderr)
  t.regex(run.stdout, /Configuration was valid/)
})
