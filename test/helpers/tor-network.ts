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

/** The first port of the range this network uses (29300–29339); nothing else in the tests uses it. */
export const TOR_TEST_PORT_BASE = 29300

const AUTHORITIES = 3
const RELAYS = 3

/** Throws unless `host` is a loopback address or an onion name (the tests never send anything elsewhere). */
export function assertLoopbackOrOnion (host: string): void {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  if (/\.onion$/.test(bare)) return
  if (net.isIPv4(bare) && bare.startsWith('127.')) return
  throw new Error(`refusing to send anything to ${host}: only 127.0.0.0/8 and .onion names are allowed`)
}

/** An onion service of the network: its name, the torrc lines that define it (paths under `dir`), client keys. */
export interface OnionServiceSpec {
  /** The tor that publishes the services: its torrc body, with `HiddenServiceDir` paths under the returned folder. */
  readonly torrc: (serviceDir: string) => string
  /** Files to write before start, relative to the service's folder (for `authorized_clients/<name>.auth`). */
  readonly files?: Readonly<Record<string, string>>
}

/** A client tor: a name and the `.auth_private` files it holds (none: it has no client keys). */
export interface ClientSpec {
  readonly name: string
  readonly authPrivate?: Readonly<Record<string, string>>
}

/** A running network. */
export interface TorNetwork {
  readonly root: string
  /** The SOCKS port of a client by name. */
  socksPort (client: string): number
  /** The onion address (with `.onion`) written into `<serviceDir>/<hsDir>/hostname`. */
  onionAddress (hsDir: string): Promise<string>
  /** The relays the authorities' consensus lists, with their addresses. */
  consensusAddresses (): Promise<string[]>
  /** Stops every tor by its pid, waits for each to exit, and removes the folder. */
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

/** Starts the network in stages; resolves once the onion-service tor has published and every client has bootstrapped. */
export async function startTorNetwork (service: OnionServiceSpec, clients: readonly ClientSpec[]): Promise<TorNetwork> {
  const base = TOR_TEST_PORT_BASE
  const authPorts = Array.from({ length: AUTHORITIES }, (_, i) => ({ or: base + 2 * i, dir: base + 2 * i + 1 }))
  const relayPorts = Array.from({ length: RELAYS }, (_, i) => base + 10 + i)
  const socksPorts = new Map(clients.map((client, i) => [client.name, base + 20 + i]))
  for (const port of [...authPorts.flatMap((p) => [p.or, p.dir]), ...relayPorts, ...socksPorts.values()]) {
    if (!await portFree(port)) throw new Error(`private Tor network: port ${port} (range ${base}-${base + 39}) is taken; is another test network running?`)
  }

  const root = await mkdtemp(path.join(os.tmpdir(), 'candour-tor-'))
  const nodes: Node[] = []
  const stop = async (): Promise<void> => {
    // Each tor by its own pid; then wait until it has really gone (a killed tor can linger).
    await Promise.all(nodes.map(async (node) => {
      const child = node.child
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(timer)
    }))
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

    const launch = async (node: Node): Promise<void> => {
      await mkdir(node.dir, { recursive: true, mode: 0o700 })
      await chmod(node.dir, 0o700)
      const torrc = path.join(node.dir, 'torrc')
      await writeFile(torrc, node.torrc)
      node.child = spawn('tor', ['-f', torrc, '--defaults-torrc', '/dev/null'], { stdio: 'ignore' })
      nodes.push(node)
    }

    for (let i = 0; i < AUTHORITIES; i++) {
      const dir = path.join(root, `auth${i}`)
      await launch({ name: `auth${i}`, dir, torrc: COMMON(dir, resolvConf, dirAuthorities) + RELAY(`auth${i}`, authPorts[i]!.or) + AUTHORITY(authPorts[i]!.dir) })
    }
    const consensus = (): Promise<string | undefined> => dirGet(authPorts[0]!.dir, '/tor/status-vote/current/consensus')
    await waitFor('a consensus from the authorities', async () => (await consensus()) !== undefined, 180_000)

    const relays: Node[] = []
    for (let i = 0; i < RELAYS; i++) {
      const dir = path.join(root, `relay${i}`)
      const node = { name: `relay${i}`, dir, torrc: COMMON(dir, resolvConf, dirAuthorities) + RELAY(`relay${i}`, relayPorts[i]!) }
      await launch(node)
      relays.push(node)
    }
    const routers = async (): Promise<number> => ((await consensus()) ?? '').split('\n').filter((line) => line.startsWith('r ')).length
    await waitFor('a consensus listing all six relays', async () => await routers() >= AUTHORITIES + RELAYS, 240_000, 2000)
    await waitFor('every relay to bootstrap', async () => {
      for (const node of nodes) if (!await logHas(path.join(node.dir, 'notice.log'), 'Bootstrapped 100%')) return false
      return true
    }, 180_000, 2000)

    // The onion-service tor and the clients (no vanguards: they misbehave in a six-relay network).
    const serviceDir = path.join(root, 'service')
    await mkdir(serviceDir, { recursive: true, mode: 0o700 })
    for (const [name, text] of Object.entries(service.files ?? {})) {
      const file = path.join(serviceDir, name)
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
      await writeFile(file, text, { mode: 0o600 })
    }
    await launch({ name: 'service', dir: serviceDir, torrc: COMMON(serviceDir, resolvConf, dirAuthorities) + `Log info file ${serviceDir}/info.log\nVanguardsLiteEnabled 0\n` + service.torrc(serviceDir) })
    for (const client of clients) {
      const dir = path.join(root, `client-${client.name}`)
      let auth = ''
      if (client.authPrivate !== undefined) {
        const authDir = path.join(dir, 'onion-auth')
        await mkdir(authDir, { recursive: true, mode: 0o700 })
        await chmod(dir, 0o700)
        for (const [name, text] of Object.entries(client.authPrivate)) await writeFile(path.join(authDir, name), text, { mode: 0o600 })
        auth = `ClientOnionAuthDir ${authDir}\n`
      }
      await launch({ name: `client-${client.name}`, dir, torrc: COMMON(dir, resolvConf, dirAuthorities) + `SocksPort 127.0.0.1:${socksPorts.get(client.name)}\nVanguardsLiteEnabled 0\n${auth}` })
    }
    await waitFor('the clients to bootstrap', async () => {
      for (const client of clients) if (!await logHas(path.join(root, `client-${client.name}`, 'notice.log'), 'Bootstrapped 100%')) return false
      return true
    }, 180_000, 2000)
    await waitFor('the onion service to publish its descriptors', () => logHas(path.join(serviceDir, 'info.log'), 'HS descriptor stored successfully').then(async (stored) => stored || logHas(path.join(serviceDir, 'info.log'), 'Successfully uploaded v3 rend descriptors')), 180_000, 2000)

    return {
      root,
      socksPort (name) {
        const port = socksPorts.get(name)
        if (port === undefined) throw new Error(`no client ${name}`)
        return port
      },
      async onionAddress (hsDir) {
        return (await readFile(path.join(serviceDir, hsDir, 'hostname'), 'utf8')).trim()
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
