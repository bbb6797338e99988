/** Reading a small application/x-www-form-urlencoded body within a byte limit. */
import type { IncomingMessage } from 'node:http'
import { CandourError } from '../errors.js'

/** Reads and parses an urlencoded body of at most `maxBytes`. */
export async function readUrlencoded (req: IncomingMessage, maxBytes: number): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') throw new CandourError('UNSUPPORTED_MEDIA_TYPE', 'expected an urlencoded form')
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) throw new CandourError('PAYLOAD_TOO_LARGE', 'form larger than allowed')
  const parts: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength
      if (size > maxBytes) throw new CandourError('PAYLOAD_TOO_LARGE', 'form larger than allowed')
      parts.push(chunk)
    }
  } catch (err) {
    if (err instanceof CandourError) throw err
    throw new CandourError('CLIENT_ABORTED', 'client went away', { cause: err })
  }
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'))
}
