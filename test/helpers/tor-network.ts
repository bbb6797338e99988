/**
 * A private Tor network on 127.0.0.1, as the Tor project's chutney builds one:
 * three directory authorities (also relays), three relays, one onion-service
 * tor and client tors, all from Debian's `tor`, in a distinct port range.
 * Nothing in it can reach the real Tor network: every node knows only these
 * authorities, no node is an exit, and relays resolve names through a
 * loopback-only resolver file. Every process is stopped by its own pid.
 * Recipes and pitfalls: /work/shared/FACTS.md ("Tor").
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The first port of the range test networks use (29300–29699, in blocks of 40); nothing else in the tests uses it. */
export const TOR_TEST_PORT_BASE = 29300
const RANGE_SIZE = 40
const RANGES = 10

const AUTHORITIES = 3
const RELAYS = 3

/** Throws unless `host` is a loopback address or an onion name (the tests never send anything elsewhere). */
export function assertLoopbackOrOnion (host: string): void {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  if (/\.onion$/.test(bare)) return
  if (net.isIPv4(bare) && bare.startsWith('127.')) return
  throw new Error(`refusing to send anything to ${host}: only 127.0.0.0/8 and .onion names are allowed`)
}

/** A tor publishing onion services in the network. */
export interface OnionServiceTor {
  /** Its data folder; `HiddenServiceDir` paths go under it. */
  readonly dir: string
  /** The onion address (with `.onion`) in `<dir>/<hsDir>/hostname`. */
  onionAddress (hsDir: string): Promise<string>
  /** Writes a file under `dir` (0600, folders 0700), e.g. `<hsDir>/authorized_clients/<name>.auth`. */
  writeFile (name: string, text: string): Promise<void>
  /** Starts it on the network (once the keys exist and any client keys are in place). */
  start (): Promise<void>
  /** Resolves once tor has logged `count` descriptor uploads to directories in all. */
  waitForDescriptors (count: number): Promise<void>
}

/** A running network (authorities and relays), to which onion services and clients are added. */
export interface TorNetwork {
  readonly root: string
  /**
   * Makes the keys of the onion services of `torrc` (given its data folder) with a tor that never
   * touches the network, so their addresses are known, and client keys can be listed in their
   * authorized_clients/, before any descriptor is published; then `start()` publishes them.
   */
  prepareOnionServices (torrc: (dir: string) => string, hsDirs: readonly string[]): Promise<OnionServiceTor>
  /** Starts a client tor with a SOCKS port (tor's extended SOCKS errors on) and, if given, client keys (`<name>.auth_private` files); resolves with the port once it has bootstrapped. */
  startClient (name: string, authPrivate?: Readonly<Record<string, string>>): Promise<number>
  /** The addresses of the relays the authorities' consensus lists. */
  consensusAddresses (): Promise<string[]>
  /** Stops every tor by its own pid, waits for each to exit, and removes the folder. */
  stop (): Promise<void>
}

interface Node { name: string; dir: string; torrc: string; child?: ChildProcess }

const COMMON = (dir: string, resolvConf: string, dirAuthorities: string): string => `TestingTorNetwork 1
DataDirectory ${dir}
PidFile ${dir}/pid
Log notice file ${dir}/notice.log
SafeLogging 0
RunAsDaemon 0
ShutdownWaitLength 0
UseDefaultFallbackDirs 0
AssumeReachable 1
PathsNeededToBuildCircuits 0.25
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
V3AuthNIntervalsValid 2
ClientUseIPv6 0
ServerDNSDetectHijacking 0
ServerDNSResolvConfFile ${resolvConf}
${dirAuthorities}
`

const RELAY = (name: string, orPort: number): string => `Nickname ${name}
Address 127.0.0.1
ORPort 127.0.0.1:${orPort}
OutboundBindAddress 127.0.0.1
SocksPort 0
ExitRelay 0
ExitPolicy reject *:*
ContactInfo candour-test-network
`

const AUTHORITY = (dirPort: number): string => `AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
DirPort 127.0.0.1:${dirPort}
AuthDirMaxServersPerAddr 0
TestingV3AuthInitialVotingInterval 20
TestingV3AuthInitialVoteDelay 4
TestingV3AuthInitialDistDelay 4
V3AuthVotingInterval 20
V3AuthVoteDelay 4
V3AuthDistDelay 4
`

async function portFree (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function sleep (ms: number): Promise<void> { return new Promise((resolve) => setTimeout(resolve, ms)) }

async function waitFor (what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(everyMs)
  }
  throw new Error(`private Tor network: timed out waiting for ${what}`)
}

async function logHas (file: string, text: string): Promise<boolean> {
  try { return (await readFile(file, 'utf8')).includes(text) } catch { return false }
}

/** GETs a path from a loopback directory port; resolves with the body, or undefined when not 200. */
function dirGet (port: number, pathname: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : undefined))
      res.on('error', () => resolve(undefined))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
  })
}

/** Stops one tor by its own pid (SIGTERM, SIGKILL after 5 s) and waits until it has really exited (a killed tor can linger). */
async function stopNode (node: Node): Promise<void> {
  const child = node.child
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }, 5000)
  await exited
  clearTimeout(timer)
}

/** Starts the authorities, then the relays, and resolves once the consensus lists all six and each has bootstrapped. */
export async function startTorNetwork (): Promise<TorNetwork> {
  // The first block of 40 ports from TOR_TEST_PORT_BASE that is wholly free, so that two runs of the
  // suite on one machine (developers sharing it) each get their own network.
  let base = -1
  for (let block = 0; block < RANGES && base < 0; block++) {
    const candidate = TOR_TEST_PORT_BASE + block * RANGE_SIZE
    let free = true
    for (let port = candidate; port < candidate + RANGE_SIZE && free; port++) free = await portFree(port)
    if (free) base = candidate
  }
  if (base < 0) throw new Error(`private Tor network: no free block of ${RANGE_SIZE} ports in ${TOR_TEST_PORT_BASE}-${TOR_TEST_PORT_BASE + RANGES * RANGE_SIZE - 1}`)
  const authPorts = Array.from({ length: AUTHORITIES }, (_, i) => ({ or: base + 2 * i, dir: base + 2 * i + 1 }))
  const relayPorts = Array.from({ length: RELAYS }, (_, i) => base + 10 + i)
  const clientPorts = Array.from({ length: 10 }, (_, i) => base + 20 + i)

  const root = await mkdtemp(path.join(os.tmpdir(), 'candour-tor-'))
  const nodes: Node[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(stopNode))
    await rm(root, { recursive: true, force: true })
  }

  try {
    const resolvConf = path.join(root, 'resolv.conf')
    await writeFile(resolvConf, 'nameserver 127.0.0.1\n')

    // Authority keys and fingerprints, made offline.
    const authorityLines: string[] = []
    for (let i = 0; i < AUTHORITIES; i++) {
      const dir = path.join(root, `auth${i}`)
      await mkdir(path.join(dir, 'keys'), { recursive: true, mode: 0o700 })
      await chmod(dir, 0o700)
      const keys = path.join(dir, 'keys')
      await new Promise<void>((resolve, reject) => {
        const gencert = spawn('tor-gencert', ['--create-identity-key', '-m', '12', '-a', `127.0.0.1:${authPorts[i]!.dir}`,
          '-i', path.join(keys, 'authority_identity_key'), '-s', path.join(keys, 'authority_signing_key'),
          '-c', path.join(keys, 'authority_certificate'), '--passphrase-fd', '0'], { stdio: ['pipe', 'ignore', 'pipe'] })
        let stderr = ''
        gencert.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
        gencert.on('error', reject)
        gencert.on('exit', (code) => code === 0 ? resolve() : reject(new Error(`tor-gencert failed: ${stderr}`)))
        gencert.stdin.end('\n')
      })
      const certificate = await readFile(path.join(keys, 'authority_certificate'), 'utf8')
      const v3ident = /^fingerprint ([0-9A-F]{40})$/m.exec(certificate)![1]!
      await run('tor', ['--ignore-missing-torrc', '-f', '/dev/null', '--DataDirectory', dir, '--ORPort', '1',
        '--DirAuthority', `dummy 127.0.0.1:1 ${'f'.repeat(40)}`, '--list-fingerprint', '--Log', 'err stderr'])
      const fingerprint = (await readFile(path.join(dir, 'fingerprint'), 'utf8')).trim().split(/\s+/).slice(1).join('')
      authorityLines.push(`DirAuthority auth${i} orport=${authPorts[i]!.or} no-v2 v3ident=${v3ident} 127.0.0.1:${authPorts[i]!.dir} ${fingerprint}`)
    }
    const dirAuthorities = authorityLines.join('\n')

    const launch = async (node: Node): Promise<Node> => {
      await mkdir(node.dir, { recursive: true, mode: 0o700 })
      await chmod(node.dir, 0o700)
      const torrc = path.join(node.dir, 'torrc')
      await writeFile(torrc, node.torrc)
      node.child = spawn('tor', ['-f', torrc, '--defaults-torrc', '/dev/null'], { stdio: 'ignore' })
      nodes.push(node)
      return node
    }

    for (let i = 0; i < AUTHORITIES; i++) {
      const dir = path.join(root, `auth${i}`)
      await launch({ name: `auth${i}`, dir, torrc: COMMON(dir, resolvConf, dirAuthorities) + RELAY(`auth${i}`, authPorts[i]!.or) + AUTHORITY(authPorts[i]!.dir) })
    }
    const consensus = (): Promise<string | undefined> => dirGet(authPorts[0]!.dir, '/tor/status-vote/current/consensus')
    await waitFor('a consensus from the authorities', async () => (await consensus()) !== undefined, 180_000)

    for (let i = 0; i < RELAYS; i++) {
      const dir = path.join(root, `relay${i}`)
      await launch({ name: `relay${i}`, dir, torrc: COMMON(dir, resolvConf, dirAuthorities) + RELAY(`relay${i}`, relayPorts[i]!) })
    }
    const routers = async (): Promise<number> => ((await consensus()) ?? '').split('\n').filter((line) => line.startsWith('r ')).length
    await waitFor('a consensus listing all six relays', async () => await routers() >= AUTHORITIES + RELAYS, 240_000, 2000)
    await waitFor('every relay to bootstrap', async () => {
      for (const node of nodes) if (!await logHas(path.join(node.dir, 'notice.log'), 'Bootstrapped 100%')) return false
      return true
    }, 180_000, 2000)

    let services = 0
    const usedClientPorts = new Set<number>()
    return {
      root,
      async prepareOnionServices (torrc, hsDirs) {
        const dir = path.join(root, `service${services++}`)
        await mkdir(dir, { recursive: true, mode: 0o700 })
        await chmod(dir, 0o700)
        const put = async (name: string, text: string): Promise<void> => {
          const file = path.join(dir, name)
          await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
          await writeFile(file, text, { mode: 0o600 })
        }
        const infoLog = path.join(dir, 'info.log')
        // No vanguards: they misbehave in a six-relay network.
        const body = COMMON(dir, resolvConf, dirAuthorities) + `Log info file ${infoLog}\nVanguardsLiteEnabled 0\n` + torrc(dir)
        const hostname = (hsDir: string): string => path.join(dir, hsDir, 'hostname')
        const keysOnly = await launch({ name: `${path.basename(dir)}-keys`, dir, torrc: body + 'DisableNetwork 1\n' })
        await waitFor('the onion services\' keys', async () => {
          for (const hsDir of hsDirs) if (!(await readFile(hostname(hsDir), 'utf8')).trim().endsWith('.onion')) return false
          return true
        }, 60_000, 500)
        await stopNode(keysOnly)
        await rm(infoLog, { force: true })
        const stored = async (): Promise<number> => {
          try { return (await readFile(infoLog, 'utf8')).split('HS descriptor stored successfully').length - 1 } catch { return 0 }
        }
        return {
          dir,
          async onionAddress (hsDir) { return (await readFile(hostname(hsDir), 'utf8')).trim() },
          writeFile: put,
          async start () { await launch({ name: path.basename(dir), dir, torrc: body }) },
          async waitForDescriptors (count) {
            await waitFor('the onion services to publish their descriptors', async () => await stored() >= count, 240_000, 2000)
          },
        }
      },
      async startClient (name, authPrivate) {
        const port = clientPorts.find((p) => !usedClientPorts.has(p))
        if (port === undefined) throw new Error('private Tor network: no client port left')
        usedClientPorts.add(port)
        const dir = path.join(root, `client-${name}`)
        let auth = ''
        if (authPrivate !== undefined) {
          const authDir = path.join(dir, 'onion-auth')
          await mkdir(authDir, { recursive: true, mode: 0o700 })
          await chmod(dir, 0o700)
          for (const [file, text] of Object.entries(authPrivate)) await writeFile(path.join(authDir, file), text, { mode: 0o600 })
          auth = `ClientOnionAuthDir ${authDir}\n`
        }
        await launch({ name: `client-${name}`, dir, torrc: COMMON(dir, resolvConf, dirAuthorities) + `SocksPort 127.0.0.1:${port} ExtendedErrors\nVanguardsLiteEnabled 0\n${auth}` })
        await waitFor(`client ${name} to bootstrap`, () => logHas(path.join(dir, 'notice.log'), 'Bootstrapped 100%'), 180_000, 1000)
        return port
      },
      async consensusAddresses () {
        return ((await consensus()) ?? '').split('\n').filter((line) => line.startsWith('r ')).map((line) => line.split(' ')[6]!)
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
