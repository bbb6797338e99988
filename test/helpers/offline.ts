/**
 * For the offline command tests: the `candour` command line run as a child
 * process (as a reviewer runs it), throwaway folders, and bundles made in the
 * test with the server's own encryption code, in the layout of `candour
 * export` (a report folder) or of the reviewer workspace's download (a zip).
 */
import { execFile, spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { encryptStream } from '../../src/crypto/encrypt.js'
import type { RecipientKeys } from '../../src/crypto/keys.js'
import { itemFileName, MANIFEST_FORMAT } from '../../src/domain/bundles.js'

/** The project's root. */
export const ROOT = path.resolve(import.meta.dirname, '../..')

/** What a finished command left. */
export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The secret and public key files that `candour keys generate` wrote into `dir`. */
export async function unitKeyFiles (dir: string): Promise<{ secretFile: string; publicFile: string }> {
  const names = (await readdir(dir)).sort()
  const find = (suffix: string): string => {
    const name = names.find((n) => n.endsWith(suffix))
    if (name === undefined) throw new Error(`no *${suffix} in ${dir}`)
    return path.join(dir, name)
  }
  return { secretFile: find('.secret.asc'), publicFile: find('.public.asc') }
}

/** Makes a force's unit key pair with `candour keys generate` into `dir`, locked with the passphrase in `passFile`. */
export async function generateUnitKey (force: string, dir: string, passFile: string, type?: 'curve25519' | 'rsa4096'): Promise<{ secretFile: string; publicFile: string }> {
  const result = await candour(['keys', 'generate', '--force', force, ...(type === undefined ? [] : ['--type', type]), '--out', dir, '--passphrase-file', passFile])
  if (result.code !== 0) throw new Error(result.stderr)
  return unitKeyFiles(dir)
}

/** Runs `candour <args>` in a child process; never rejects on a non-zero exit. */
export function candour (args: readonly string[], options: { env?: Record<string, string>; script?: string } = {}): Promise<CommandResult> {
  const script = options.script ?? 'src/cli/index.ts'
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env: { ...process.env, ...options.env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') return reject(err)
      resolve({ code: err === null ? 0 : err.code as number, stdout, stderr })
    })
  })
}

/**
 * Runs a command on a pseudo-terminal (util-linux `script`), answering each
 * prompt with the next reply once the prompt has appeared, so nothing is
 * typed before echo is off. Resolves with everything the terminal showed.
 */
export function onTerminal (argv: readonly string[], replies: ReadonlyArray<{ after: RegExp; send: string }>, options: { env?: Record<string, string> } = {}): Promise<{ code: number; screen: string }> {
  const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', argv.map(quote).join(' '), '/dev/null'], { cwd: ROOT, env: { ...process.env, TERM: 'dumb', ...options.env } })
    let screen = ''
    let next = 0
    let answered = 0
    const onOutput = (chunk: Buffer): void => {
      screen += chunk.toString('utf8')
      while (next < replies.length && replies[next]!.after.test(screen.slice(answered))) {
        answered = screen.length
        child.stdin.write(replies[next]!.send)
        next++
      }
    }
    child.stdout.on('data', onOutput)
    child.stderr.on('data', onOutput)
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, screen }))
  })
}

/** Runs `candour <args>` on a pseudo-terminal (see onTerminal). */
export function candourOnTerminal (args: readonly string[], replies: ReadonlyArray<{ after: RegExp; send: string }>): Promise<{ code: number; screen: string }> {
  return onTerminal([process.execPath, '--import', 'tsx', 'src/cli/index.ts', ...args], replies)
}

/** A new temporary folder. */
export function tempDir (prefix = 'candour-offline-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix))
}

/** One item of a test bundle. */
export interface TestItem {
  readonly kind: string
  /** The name written in the literal data packet. */
  readonly filename: string
  readonly content: Uint8Array | (() => AsyncIterable<Uint8Array>)
}

async function * once (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

/** Writes a report folder as `candour export` does: `NN-kind.gpg` per item, encrypted with the server's code, and manifest.json. */
export async function writeBundleFolder (dir: string, recipients: RecipientKeys, items: readonly TestItem[], replies: readonly TestItem[] = []): Promise<string> {
  await mkdir(dir, { recursive: true })
  const entries: Array<{ file: string; kind: string; size: number; received: string }> = []
  const all = [...items, ...replies]
  for (const [index, item] of all.entries()) {
    const file = itemFileName(index, item.kind)
    const source = typeof item.content === 'function' ? item.content() : once(item.content)
    await pipeline(Readable.from(encryptStream(source, recipients, { filename: item.filename, date: new Date('2026-01-01T00:00:00Z') })), createWriteStream(path.join(dir, file)))
    const { size } = await stat(path.join(dir, file))
    entries.push({ file, kind: item.kind, size, received: '2026-01-01' })
  }
  const manifest = {
    format: MANIFEST_FORMAT,
    id: 'a1b2c3d4e5f6a1b2c3d4e5f6',
    force: 'kent',
    category: 'other',
    channel: 'online',
    urgent: false,
    status: 'new',
    received: '2026-01-01',
    items: entries.slice(0, items.length),
    ...(replies.length > 0 ? { replies: entries.slice(items.length).map(({ received, ...rest }) => ({ ...rest, sent: received, read: null, deleted: null })) } : {}),
  }
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return dir
}

/** Zips a report folder as the reviewer workspace's download does: every file at the zip's root, stored. */
export async function zipFolder (dir: string, zipFile: string): Promise<string> {
  const zip = new yazl.ZipFile()
  for (const name of (await readdir(dir)).sort()) zip.addFile(path.join(dir, name), name, { compress: false })
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(zipFile))
  return zipFile
}

/** The entries of a zip file: name -> bytes. */
export async function readZip (zipFile: string): Promise<Map<string, Buffer>> {
  const file = await yauzl.openPromise(zipFile, { lazyEntries: true })
  const out = new Map<string, Buffer>()
  for await (const entry of file.eachEntry()) {
    const parts: Buffer[] = []
    for await (const chunk of await file.openReadStreamPromise(entry)) parts.push(chunk as Buffer)
    out.set(entry.fileName, Buffer.concat(parts))
  }
  return out
}

/** SHA-256 of a file, read as a stream. */
export async function sha256File (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every file under a folder, relative, sorted (hidden ones included). */
export async function listFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort()
}

/** True when `sq` (Sequoia) is installed. */
export async function haveSq (): Promise<boolean> {
  return new Promise((resolve) => execFile('sq', ['--version'], (err) => resolve(err === null)))
}

/** Removes folders, ignoring ones already gone. */
export async function removeAll (...dirs: string[]): Promise<void> {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
}
