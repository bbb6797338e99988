/**
 * Reading only the text of a multipart form, never its files: what a busy
 * service reads of a form it cannot take, so that the page it answers with
 * hands the writer's words back instead of losing them. The forms put their
 * file input last, so the text comes first; the read stops at the first chosen
 * file, and it is held to a byte budget and a deadline, so a refused request
 * costs little memory and little time whatever the client sends. Fields are
 * kept in memory only and returned; nothing is written anywhere.
 */
import type { IncomingMessage } from 'node:http'
import { Writable, type Readable } from 'node:stream'
import busboy from 'busboy'

/** Bounds of one read. */
export interface TextFieldLimits {
  /** Body bytes read at most, framing included. */
  readonly maxBytes: number
  readonly maxFields: number
  /** Largest text field, in bytes. */
  readonly maxFieldBytes: number
  /** The read ends after this long, with whatever complete fields arrived. */
  readonly deadlineMs: number
}

/** The text fields read, in order, and whether a chosen file was where the read stopped. */
export interface TextFields {
  readonly fields: ReadonlyArray<readonly [name: string, value: string]>
  readonly fileSeen: boolean
}

/**
 * Reads text fields up to the first chosen file, the end of the body, the byte
 * budget or the deadline, whichever comes first; never rejects. The rest of the
 * body is left unread: the caller answers and closes the connection.
 */
export async function readTextFields (req: IncomingMessage, limits: TextFieldLimits): Promise<TextFields> {
  const fields: Array<[string, string]> = []
  let fileSeen = false
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fields: limits.maxFields, fieldSize: limits.maxFieldBytes, fieldNameSize: 100, headerPairs: 50, files: limits.maxFields, parts: limits.maxFields * 2 },
    })
  } catch {
    return { fields, fileSeen }
  }

  await new Promise<void>((resolve) => {
    let bytes = 0
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      // Nothing more reaches the parser; what is left in the socket is discarded when it closes.
      req.unpipe(sink)
      req.pause()
      parser.removeAllListeners('field')
      parser.removeAllListeners('file')
      parser.on('error', () => {})
      resolve()
    }
    const timer = setTimeout(finish, limits.deadlineMs)
    // Feeds the parser by hand, counting bytes, so the budget holds whatever the framing.
    const sink = new Writable({
      write (chunk: Buffer, _enc, callback) {
        if (done) { callback(); return }
        bytes += chunk.byteLength
        if (bytes > limits.maxBytes) { finish(); callback(); return }
        parser.write(chunk, callback)
      },
      final (callback) {
        parser.end()
        callback()
      },
    })
    parser.on('field', (name, value) => { if (!done) fields.push([name, value]) })
    parser.on('file', (_name, stream: Readable, info) => {
      // Browsers send an empty, nameless part for a file input left empty: its few bytes are read past.
      if ((info.filename ?? '') === '') { stream.resume(); return }
      fileSeen = true
      stream.resume()
      finish()
    })
    parser.on('close', finish)
    parser.on('error', finish)
    sink.on('error', finish)
    req.on('error', finish)
    req.on('aborted', finish)
    req.pipe(sink)
  })
  return { fields, fileSeen }
}
