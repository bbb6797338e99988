/**
 * Reading a multipart/form-data body as it streams in, within limits. Files
 * are handed over one at a time as streams and never buffered whole here.
 * When a limit is crossed the parse stops feeding busboy, fails the file in
 * flight, and drains (a bounded amount of) the rest of the body so the browser
 * still receives the error page; a client that disconnects fails the parse.
 */
import type { IncomingMessage } from 'node:http'
import { PassThrough, Transform, pipeline, type Readable, type TransformCallback } from 'node:stream'
import busboy from 'busboy'
import { CandourError, isCandourError } from '../errors.js'

/** Limits of one multipart body. */
export interface MultipartLimits {
  /** Sum of all file bytes. */
  readonly maxFileBytes: number
  readonly maxFiles: number
  /** Largest text field, in bytes. */
  readonly maxFieldBytes: number
  readonly maxFields: number
}

/** Callbacks for the parts of a body; `S` is what the handler needs to remember of the fields before a file. */
export interface MultipartHandlers<S = undefined> {
  field (name: string, value: string, truncated: boolean): void
  /** Called the moment a file part begins, so the file is judged by the fields that came before it, not after. */
  snapshot?: () => S
  /** Consumes a file stream fully (or fails); files are handed over strictly one after another. */
  file (name: string, filename: string, stream: AsyncIterable<Uint8Array>, before: S): Promise<void>
}

// Framing, headers and text fields on top of the file bytes.
const OVERHEAD_BYTES = 4 * 1024 * 1024
// What a file part may buffer on its way to the handler.
const FILE_BUFFER_BYTES = 64 * 1024
// After a failure, at most this much more is read so the error page can be delivered.
const DRAIN_BYTES = 64 * 1024 * 1024

/** Parses a multipart body; rejects with a CandourError whose code says what went wrong. */
export async function readMultipart<S = undefined> (req: IncomingMessage, limits: MultipartLimits, handlers: MultipartHandlers<S>): Promise<void> {
  const type = req.headers['content-type'] ?? ''
  if (!/^multipart\/form-data\s*;/i.test(type)) throw new CandourError('UNSUPPORTED_MEDIA_TYPE', 'expected multipart/form-data')
  const maxBody = limits.maxFileBytes + OVERHEAD_BYTES
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBody) throw new CandourError('PAYLOAD_TOO_LARGE', 'body larger than allowed')

  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: {
        fileSize: limits.maxFileBytes + 1,
        // One more part than files allowed: browsers send an empty, nameless part when none was chosen.
        files: limits.maxFiles + 1,
        fields: limits.maxFields,
        fieldSize: limits.maxFieldBytes,
        parts: limits.maxFields + limits.maxFiles + 1,
        fieldNameSize: 100,
        headerPairs: 50,
      },
    })
  } catch (err) {
    throw new CandourError('MULTIPART_MALFORMED', 'multipart header is malformed', { cause: err })
  }

  let failure: CandourError | undefined
  let current: PassThrough | undefined
  let source: Readable | undefined
  let fileBytes = 0
  let chain: Promise<void> = Promise.resolve()
  let bodyBytes = 0
  let discarded = 0

  const fail = (err: CandourError): void => {
    if (failure !== undefined) return
    failure = err
    current?.destroy(err)
    // A paused part would stall busboy for good; let it run dry.
    source?.resume()
  }

  // Counts the body, and after a failure swallows it instead of parsing it.
  const gate = new Transform({
    transform (chunk: Buffer, _enc, done: TransformCallback) {
      bodyBytes += chunk.byteLength
      if (failure === undefined && bodyBytes > maxBody) fail(new CandourError('PAYLOAD_TOO_LARGE', 'body larger than allowed'))
      if (failure === undefined) { done(null, chunk); return }
      discarded += chunk.byteLength
      if (discarded > DRAIN_BYTES) { done(failure); return }
      done()
    },
  })

  parser.on('field', (name, value, info) => {
    if (failure === undefined) handlers.field(name, value, info.valueTruncated || info.nameTruncated)
  })
  let namedFiles = 0
  parser.on('file', (name, stream: Readable, info) => {
    if (failure !== undefined) { stream.resume(); return }
    if ((info.filename ?? '') !== '' && ++namedFiles > limits.maxFiles) { fail(new CandourError('TOO_MANY_FILES', 'too many files')); stream.resume(); return }
    const before = handlers.snapshot?.() as S
    // A file stream of our own, so a failure elsewhere can end the file in flight with an error.
    // A small buffer: reading a stream joins everything buffered into one piece, so a large mark
    // made megabyte pieces that a hundred uploads at once all held (docs/performance.md).
    const file = new PassThrough({ highWaterMark: FILE_BUFFER_BYTES })
    // Errors reach the consumer through iteration; this keeps an early destroy from being unhandled.
    file.on('error', () => {})
    source = stream
    stream.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return
      fileBytes += chunk.byteLength
      if (fileBytes > limits.maxFileBytes) { fail(new CandourError('PAYLOAD_TOO_LARGE', 'files larger than allowed')); return }
      if (!file.write(chunk)) stream.pause()
    })
    file.on('drain', () => stream.resume())
    stream.on('end', () => { if (failure === undefined) file.end() })
    stream.on('error', (err) => fail(new CandourError('MULTIPART_MALFORMED', 'file part is malformed', { cause: err })))
    chain = chain.then(async () => {
      current = file
      try {
        if (failure !== undefined) throw failure
        await handlers.file(name, info.filename ?? '', file, before)
      } catch (err) {
        fail(isCandourError(err) ? err : new CandourError('ENCRYPTION_FAILED', 'attachment could not be stored', { cause: err }))
        file.resume()
      } finally {
        current = undefined
      }
    })
  })
  parser.on('filesLimit', () => fail(new CandourError('TOO_MANY_FILES', 'too many files')))
  parser.on('fieldsLimit', () => fail(new CandourError('MULTIPART_MALFORMED', 'too many fields')))
  parser.on('partsLimit', () => fail(new CandourError('MULTIPART_MALFORMED', 'too many parts')))

  try {
    await new Promise<void>((resolve, reject) => {
      pipeline(req, gate, parser, (err) => { if (err == null) resolve(); else reject(err) })
    })
  } catch (err) {
    if (failure === undefined) {
      const aborted = req.destroyed || !req.complete || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE'
      fail(aborted
        ? new CandourError('CLIENT_ABORTED', 'client went away mid-upload', { cause: err })
        : new CandourError('MULTIPART_MALFORMED', 'multipart body is malformed', { cause: err }))
    }
  }
  // Let the file in flight settle (its blob removed on failure) before answering.
  await chain
  if (failure !== undefined) throw failure
}
