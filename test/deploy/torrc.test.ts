/** The shipped deploy/torrc: Debian's tor accepts it (`tor --verify-config`) and it keeps the promised options. */
import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { relocateTorrc, SHIPPED_TORRC } from '../helpers/deploy.js'

const run = promisify(execFile)

async function verify (torrc: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-torrc-'))
  try {
    const file = path.join(dir, 'torrc')
    await writeFile(file, relocateTorrc(torrc, path.join(dir, 'lib')))
    try {
      const { stdout } = await run('tor', ['--verify-config', '-f', file, '--defaults-torrc', '/dev/null'])
      return { ok: true, output: stdout }
    } catch (err) {
      return { ok: false, output: String((err as { stdout?: string }).stdout) }
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('tor --verify-config accepts the shipped torrc', async (t) => {
  const result = await verify(await readFile(SHIPPED_TORRC, 'utf8'))
  t.true(result.ok, result.output)
  t.regex(result.output, /Configuration was valid/)
})

test('tor --verify-config is not a rubber stamp: a broken option fails it', async (t) => {
  const result = await verify((await readFile(SHIPPED_TORRC, 'utf8')) + 'HiddenServicePoWDefensesEnabled maybe\n')
  t.false(result.ok)
})

test('the torrc publishes the reporter pages with PoW defence and stream limits, and the workspace with client authorisation only', async (t) => {
  const text = await readFile(SHIPPED_TORRC, 'utf8')
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
  t.true(lines.includes('SafeLogging 1'))
  t.true(lines.includes('SocksPort 0'))
  const services = text.split(/^HiddenServiceDir /m).slice(1).map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith('#')))
  t.is(services.length, 2)
  const [reporter, workspace] = services as [string[], string[]]
  t.is(reporter[0], '/var/lib/tor/candour-reporter')
  t.true(reporter.includes('HiddenServicePort 80 127.0.0.1:8080'))
  t.true(reporter.includes('HiddenServicePoWDefensesEnabled 1'))
  t.true(reporter.some((line) => /^HiddenServiceMaxStreams [1-9]\d*$/.test(line)))
  t.true(reporter.includes('HiddenServiceMaxStreamsCloseCircuit 1'))
  t.is(workspace[0], '/var/lib/tor/candour-workspace')
  t.true(workspace.includes('HiddenServicePort 80 127.0.0.1:8081'))
  // Client authorisation is the presence of keys in its authorized_clients/ (docs/operations.md);
  // nothing else may point at the workspace listener.
  t.is(lines.filter((line) => line.endsWith(':8081')).length, 1)
})
