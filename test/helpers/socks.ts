/**
 * HTTP/1.1 through a tor client's SOCKS5 port, for the Tor test: the name is
 * resolved by tor (never locally), and each call may use its own SOCKS
 * username, which makes tor build fresh circuits (stream isolation), the way to
 * retry after a failed attempt. Only loopback SOCKS ports and .onion names.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import { assertLoopbackOrOnion } from './tor-network.js'

const HANDSHAKE_MS = 90_000

/** A SOCKS5 refusal; `reply` is the server's reply code (tor's extended codes with ExtendedErrors, e.g. 0xF4 for missing client authorisation). */
export class SocksError extends Error {
  constructor (readonly reply: number) { super(`SOCKS5 request refused with reply 0x${reply.toString(16)}`) }
}

/** Reads exact byte counts from a socket during the handshake (the SOCKS reply arrives in any chunking). */
function byteReader (socket: net.Socket): { read (count: number): Promise<Buffer>; detach (): void } {
  let buffered = Buffer.alloc(0)
  let want: { count: number; resolve: (bytes: Buffer) => void; reject: (err: Error) => void } | undefined
  let failure: Error | undefined
  const settle = (): void => {
    if (want === undefined) return
    if (buffered.length >= want.count) {
      const bytes = buffered.subarray(0, want.count)
      buffered = buffered.subarray(want.count)
      const { resolve } = want
      want = undefined
      resolve(bytes)
    } else if (failure !== undefined) {
      const { reject } = want
      want = undefined
      reject(failure)
    }
  }
  const onData = (chunk: Buffer): void => { buffered = Buffer.concat([buffered, chunk]); settle() }
  const onEnd = (): void => { failure ??= new Error('SOCKS server closed the connection'); settle() }
  const onError = (err: Error): void => { failure ??= err; settle() }
  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.on('close', onEnd)
  socket.on('error', onError)
  return {
    read (count) { return new Promise((resolve, reject) => { want = { count, resolve, reject }; settle() }) },
    detach () {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      socket.off('error', onError)
      // Nothing is lost between here and the HTTP client's own listener: a SOCKS server sends nothing unasked.
    },
  }
}

/** Opens a TCP stream to host:port through the SOCKS5 server on 127.0.0.1:socksPort, authenticating as `username`. */
export async function socksConnect (socksPort: number, host: string, port: number, username = `try${randomBytes(6).toString('hex')}`): Promise<net.Socket> {
  assertLoopbackOrOnion(host)
  const socket = net.connect(socksPort, '127.0.0.1')
  const reader = byteReader(socket)
  try {
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    // Tor gives up on an onion connection after 120 s; fail earlier and let the caller retry on fresh circuits.
    socket.setTimeout(HANDSHAKE_MS, () => socket.destroy(new Error('SOCKS handshake timed out')))
    socket.write(Buffer.from([5, 1, 2]))
    const method = await reader.read(2)
    if (method[1] !== 2) throw new Error('SOCKS server refused username authentication')
    const user = Buffer.from(username)
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([1, 0x78])]))
    const auth = await reader.read(2)
    if (auth[1] !== 0) throw new Error('SOCKS authentication failed')
    const name = Buffer.from(host)
    socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 255])]))
    const head = await reader.read(4)
    if (head[1] !== 0) throw new SocksError(head[1]!)
    const rest = head[3] === 1 ? 6 : head[3] === 4 ? 18 : (await reader.read(1))[0]! + 2
    await reader.read(rest)
    socket.setTimeout(0)
    reader.detach()
    return socket
  } catch (err) {
    socket.destroy()
    throw err
  }
}

/** A whole HTTP response. */
export interface SocksResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** One HTTP request through SOCKS (fresh circuits unless `username` is given); rejects on any failure. */
export async function socksRequest (socksPort: number, url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number; username?: string } = {}): Promise<SocksResponse> {
  const target = new URL(url)
  const socket = await socksConnect(socksPort, target.hostname, Number(target.port || 80), options.username)
  return new Promise((resolve, reject) => {
    const req = http.request({
      createConnection: () => socket,
      host: target.hostname,
      path: target.pathname + target.search,
      method: options.method ?? 'GET',
      headers: { Host: target.host, Connection: 'close', ...options.headers },
      timeout: options.timeoutMs ?? 60_000,
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('HTTP through SOCKS timed out')))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Retries `socksRequest` with fresh circuits until it answers (an onion service takes a while to become reachable). */
export async function socksRequestWithRetries (socksPort: number, url: string, options: Parameters<typeof socksRequest>[2] & { attempts?: number } = {}): Promise<SocksResponse> {
  let last: unknown
  for (let attempt = 0; attempt < (options.attempts ?? 12); attempt++) {
    try {
      return await socksRequest(socksPort, url, options)
    } catch (err) {
      last = err
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    }
  }
  throw last
}
