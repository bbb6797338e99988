/**
 * Requests sent with the path exactly as written: fetch() and URL parsing
 * would tidy some spellings (dot segments) before they reach the server, and
 * the point of the spelling tests is what the server does with them.
 */
import http from 'node:http'

/** An answer, its body read as text. */
export interface RawAnswer {
  readonly status: number
  readonly location: string | undefined
  readonly body: string
}

/** Sends one request to `baseUrl` with `rawPath` untouched; a POST carries `body` (urlencoded unless a content type is given). */
export function rawRequest (baseUrl: string, method: string, rawPath: string, headers: Record<string, string> = {}, body = ''): Promise<RawAnswer> {
  const url = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: url.hostname,
      port: url.port,
      method,
      path: rawPath,
      // A connection per request: a kept-alive socket the server closes meanwhile would fail the request, not the server.
      agent: false,
      headers: {
        ...(method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), Origin: url.origin }),
        ...headers,
      },
    }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode!, location: response.headers.location, body: Buffer.concat(chunks).toString('utf8') }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(method === 'GET' || method === 'HEAD' ? undefined : body)
  })
}

const percent = (letter: string, lower: boolean): string => {
  const hex = letter.charCodeAt(0).toString(16)
  return `%${lower ? hex : hex.toUpperCase()}`
}

/**
 * Other spellings of a path that a lenient router or a prefix check might
 * take for it: upper case, mixed case, a doubled slash at each separator, a
 * trailing slash added or doubled, a letter of each fixed segment
 * percent-encoded (upper- and lower-case hex), and a dot segment. `fixed`
 * marks the segments that are literal in the route (parameters are left
 * alone: a router decodes those by design, and the handler checks them).
 */
export function spellings (path: string, fixed: (segment: number) => boolean = () => true): string[] {
  const out = new Set<string>()
  const segments = path.split('/')
  const rebuild = (change: (segment: string, index: number) => string): string => segments.map((segment, index) => index === 0 ? segment : change(segment, index)).join('/')
  out.add(rebuild((s, i) => fixed(i) ? s.toUpperCase() : s))
  out.add(rebuild((s, i) => fixed(i) && s !== '' ? s[0]!.toUpperCase() + s.slice(1) : s))
  out.add(rebuild((s, i) => fixed(i) && s.length > 1 ? s.slice(0, -1) + s.at(-1)!.toUpperCase() : s))
  for (let i = 0; i < path.length; i++) if (path[i] === '/') out.add(path.slice(0, i) + '/' + path.slice(i))
  out.add(path.endsWith('/') ? path + '/' : path + '/')
  if (path.endsWith('/') && path.length > 1) out.add(path.slice(0, -1))
  for (const lower of [false, true]) {
    for (let index = 1; index < segments.length; index++) {
      const segment = segments[index]!
      const at = segment.search(/[a-z]/i)
      if (!fixed(index) || at < 0) continue
      out.add(rebuild((s, i) => i === index ? s.slice(0, at) + percent(s[at]!, lower) + s.slice(at + 1) : s))
    }
  }
  if (segments.length > 2) out.add(rebuild((s, i) => i === 1 ? `${s}/.` : s))
  out.delete(path)
  out.delete('')
  return [...out]
}
