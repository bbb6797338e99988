/**
 * A report form sent by hand over one HTTP request, so that a test can send its
 * body as slowly as it likes, stop half-way, finish it later or drop it: the
 * shape of an upload over Tor.
 */
import http from 'node:http'

const BOUNDARY = 'candourtestboundary'

/** A multipart body of a reporter form (the report form, further information): the fields in order, then one attachment. */
export function reportBody (fields: Record<string, string>, file: Buffer, filename = 'slow.bin'): Buffer {
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${BOUNDARY}--\r\n`))
  return Buffer.concat(parts)
}

/** A POST of `length` bytes to `path` (the report form by default), not yet sent; errors are the test's to look at. */
export function rawUpload (baseUrl: string, length: number, path = '/report', headers: Readonly<Record<string, string>> = {}): http.ClientRequest {
  const req = http.request(new URL(path, baseUrl), {
    method: 'POST',
    headers: { ...headers, Origin: new URL(baseUrl).origin, 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': length },
  })
  req.on('error', () => {})
  return req
}

/** An answer to a raw upload, its body read as text. */
export interface UploadAnswer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** Resolves with the answer once it has been read whole (the request's body need not have been sent). */
export function answerOf (req: http.ClientRequest): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    req.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }))
      response.on('error', reject)
    })
  })
}
