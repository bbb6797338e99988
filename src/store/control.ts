/**
 * The control socket: while the server runs it holds the LevelDB lock, so the
 * command line reaches the same store through a Unix socket in DATA_DIR that
 * only the service's user can open. The protocol is newline-delimited JSON, one
 * request and one answer per line, bytes in base64; it carries Kv operations
 * only, so the command line runs the very same store code either way.
 */
import { chmod, rm } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import { CandourError } from '../errors.js'
import { ByteReader } from './byte-reader.js'
import { SPACES, type BatchOp, type Expectation, type Kv, type Range, type SnapshotEntry, type Space } from './kv.js'

/** The socket's file name inside DATA_DIR. */
export const CONTROL_SOCKET = 'control.sock'

const PAGE_ENTRIES = 256
const PAGE_BYTES = 4 * 1024 * 1024
const MAX_LINE = 64 * 1024 * 1024

interface Request { id: number; op: string; space?: string; key?: string; ops?: WireOp[]; expect?: WireExpect[]; range?: Range; keysOnly?: boolean }
type WireExpect = { space: string; key: string; value: string | null }
type WireOp = { type: 'put' | 'del' | 'add'; space: string; key: string; value?: string; delta?: number }

function space (name: unknown): Space {
  if (typeof name !== 'string' || !(SPACES as readonly string[]).includes(name)) throw new TypeError('bad space')
  return name as Space
}

function str (value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('bad key')
  return value
}

// A whole-store snapshot (Kv.snapshot) is not paged through JSON: the command opens a
// connection of its own, asks for `snapshot-stream`, and the server writes the entries on
// it as binary frames (space index, key, value) as fast as the command reads them, waiting
// for the socket to drain, so neither side holds more than an entry or two whatever the
// store's size. One LevelDB iterator serves the whole stream: one moment of the store.
const FRAME_END = 0xff

function frameHead (space: Space, key: string, valueBytes: number): Buffer {
  const keyBytes = Buffer.from(key, 'utf8')
  const head = Buffer.alloc(9 + keyBytes.length)
  head[0] = SPACES.indexOf(space)
  head.writeUInt32BE(keyBytes.length, 1)
  keyBytes.copy(head, 5)
  head.writeUInt32BE(valueBytes, 5 + keyBytes.length)
  return head
}

function drained (socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { socket.off('drain', done); socket.off('close', done); resolve() }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

async function streamSnapshot (kv: Kv, socket: net.Socket): Promise<void> {
  try {
    for await (const [space, key, value] of kv.snapshot()) {
      if (socket.destroyed) return
      socket.write(frameHead(space, key, value.byteLength))
      if (!socket.write(value)) await drained(socket)
    }
    socket.end(Buffer.from([FRAME_END]))
  } catch {
    // The reader sees the stream end without its end frame: CONTROL_FAILED on its side.
    socket.destroy()
  }
}

async function answer (kv: Kv, req: Request): Promise<unknown> {
  switch (req.op) {
    case 'ping': return 'pong'
    case 'get': {
      const value = await kv.get(space(req.space), str(req.key))
      return value === undefined ? null : Buffer.from(value).toString('base64')
    }
    case 'batch': {
      const ops: BatchOp[] = (req.ops ?? []).map((op): BatchOp => {
        if (op.type === 'put') return { type: 'put', space: space(op.space), key: str(op.key), value: Buffer.from(str(op.value), 'base64') }
        if (op.type === 'add') {
          if (!Number.isSafeInteger(op.delta)) throw new TypeError('bad delta')
          return { type: 'add', space: space(op.space), key: str(op.key), delta: op.delta! }
        }
        return { type: 'del', space: space(op.space), key: str(op.key) }
      })
      const expect: Expectation[] = (req.expect ?? []).map((e) => ({ space: space(e.space), key: str(e.key), value: e.value === null ? undefined : Buffer.from(str(e.value), 'base64') }))
      await kv.batch(ops, { expect })
      return null
    }
    case 'page': {
      const items: Array<[string, string | null]> = []
      let bytes = 0
      const range = { ...req.range, limit: Math.min(req.range?.limit ?? PAGE_ENTRIES, PAGE_ENTRIES) }
      if (req.keysOnly === true) {
        for await (const key of kv.keys(space(req.space), range)) items.push([key, null])
      } else {
        for await (const [key, value] of kv.entries(space(req.space), range)) {
          items.push([key, Buffer.from(value).toString('base64')])
          bytes += value.byteLength
          if (bytes >= PAGE_BYTES) break
        }
      }
      return items
    }
    case 'compact': {
      await kv.compact(space(req.space), { gte: str(req.range?.gte), lt: str(req.range?.lt) })
      return null
    }
    default: throw new TypeError('unknown operation')
  }
}

/** A listening control socket. */
export interface ControlServer { close (): Promise<void> }

/** Serves `kv` on DATA_DIR/control.sock, readable and writable by this user only. */
export async function serveControl (kv: Kv, dataDir: string): Promise<ControlServer> {
  const socketPath = path.join(dataDir, CONTROL_SOCKET)
  await rm(socketPath, { force: true })
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const lines = readline.createInterface({ input: socket, crlfDelay: Infinity })
    lines.on('line', (line) => {
      if (line.length > MAX_LINE) { socket.destroy(); return }
      let req: Request
      try { req = JSON.parse(line) as Request } catch { socket.destroy(); return }
      if (req.op === 'snapshot-stream') {
        // This connection now carries the snapshot only (see streamSnapshot).
        lines.close()
        void streamSnapshot(kv, socket)
        return
      }
      answer(kv, req).then(
        (result) => socket.write(JSON.stringify({ id: req.id, ok: true, result }) + '\n'),
        (err: unknown) => socket.write(JSON.stringify({ id: req.id, ok: false, code: err instanceof CandourError ? err.code : 'CONTROL_FAILED' }) + '\n'),
      )
    })
  })
  const previous = process.umask(0o177)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(socketPath, () => { server.off('error', reject); resolve() })
    })
  } finally {
    process.umask(previous)
  }
  await chmod(socketPath, 0o600)
  return {
    async close () {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(socketPath, { force: true })
    },
  }
}

class RemoteKv implements Kv {
  readonly #socket: net.Socket
  readonly #socketPath: string
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>()
  #next = 1

  constructor (socket: net.Socket, socketPath: string) {
    this.#socket = socket
    this.#socketPath = socketPath
    const lines = readline.createInterface({ input: socket, crlfDelay: Infinity })
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; code?: string }
      const waiter = this.#waiting.get(msg.id)
      if (waiter === undefined) return
      this.#waiting.delete(msg.id)
      if (msg.ok) waiter.resolve(msg.result)
      else if (msg.code === 'STORE_CONFLICT') waiter.reject(new CandourError('STORE_CONFLICT', 'record changed meanwhile'))
      else waiter.reject(new CandourError('CONTROL_FAILED', 'the running server refused a store operation'))
    })
    const failAll = (): void => {
      for (const waiter of this.#waiting.values()) waiter.reject(new CandourError('CONTROL_FAILED', 'the control socket closed'))
      this.#waiting.clear()
    }
    // A server that goes away mid-call fails the calls with a stable code instead of crashing the command.
    socket.on('error', failAll)
    socket.on('close', failAll)
  }

  async #call (req: Omit<Request, 'id'>): Promise<unknown> {
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.#socket.write(JSON.stringify({ ...req, id }) + '\n')
    })
  }

  async get (space: Space, key: string): Promise<Uint8Array | undefined> {
    const value = await this.#call({ op: 'get', space, key }) as string | null
    return value === null ? undefined : Buffer.from(value, 'base64')
  }

  async batch (ops: readonly BatchOp[], options: { readonly expect?: readonly Expectation[] } = {}): Promise<void> {
    await this.#call({
      op: 'batch',
      expect: (options.expect ?? []).map((e) => ({ space: e.space, key: e.key, value: e.value === undefined ? null : Buffer.from(e.value).toString('base64') })),
      ops: ops.map((op) => op.type === 'put'
        ? { type: 'put', space: op.space, key: op.key, value: Buffer.from(op.value).toString('base64') }
        : op.type === 'add'
          ? { type: 'add', space: op.space, key: op.key, delta: op.delta }
          : { type: 'del', space: op.space, key: op.key }),
    })
  }

  async * #pages (space: Space, range: Range, keysOnly: boolean): AsyncIterable<[string, string | null]> {
    let remaining = range.limit ?? Infinity
    let cursor: Range = { ...range }
    while (remaining > 0) {
      const limit = Math.min(remaining, PAGE_ENTRIES)
      const items = await this.#call({ op: 'page', space, range: { ...cursor, limit }, keysOnly }) as Array<[string, string | null]>
      for (const item of items) yield item
      remaining -= items.length
      if (items.length === 0) return
      const last = items[items.length - 1]![0]
      cursor = range.reverse === true
        ? { ...cursor, lt: last, lte: undefined }
        : { ...cursor, gt: last, gte: undefined }
    }
  }

  async * entries (space: Space, range: Range = {}): AsyncIterable<[string, Uint8Array]> {
    for await (const [key, value] of this.#pages(space, range, false)) yield [key, Buffer.from(value ?? '', 'base64')]
  }

  async * keys (space: Space, range: Range = {}): AsyncIterable<string> {
    for await (const [key] of this.#pages(space, range, true)) yield key
  }

  async * snapshot (): AsyncIterable<SnapshotEntry> {
    const socket = await openSocket(this.#socketPath)
    const failed = (cause?: unknown): CandourError => new CandourError('CONTROL_FAILED', 'the snapshot stream broke off', cause === undefined ? {} : { cause })
    socket.write(JSON.stringify({ id: 0, op: 'snapshot-stream' }) + '\n')
    const reader = new ByteReader(socket)
    const take = async (bytes: number): Promise<Buffer> => {
      let out: Buffer | undefined
      try { out = await reader.take(bytes) } catch (err) { throw failed(err) }
      if (out === undefined) throw failed()
      return out
    }
    try {
      for (;;) {
        const [index] = await take(1)
        if (index === FRAME_END) return
        const space = SPACES[index!]
        if (space === undefined) throw failed()
        const key = (await take((await take(4)).readUInt32BE())).toString('utf8')
        const value = await take((await take(4)).readUInt32BE())
        yield [space, key, value]
      }
    } finally {
      // Also when the caller stops early: the server sees the close and lets its iterator go.
      socket.destroy()
    }
  }

  async compact (space: Space, range: { gte: string; lt: string }): Promise<void> {
    await this.#call({ op: 'compact', space, range })
  }

  async close (): Promise<void> {
    this.#socket.end()
  }
}

function openSocket (socketPath: string): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(socketPath)
    s.once('connect', () => resolve(s))
    s.once('error', (err) => reject(new CandourError('CONTROL_FAILED', 'no running server answers on the control socket', { cause: err })))
  })
}

/** Connects to a running server's control socket; fails with CONTROL_FAILED when none answers. */
export async function connectControl (dataDir: string): Promise<Kv> {
  const socketPath = path.join(dataDir, CONTROL_SOCKET)
  const socket = await openSocket(socketPath)
  const kv = new RemoteKv(socket, socketPath)
  await kv.get('meta', 'schema')
  return kv
}
