/** Load generation with autocannon: one measurement, reduced to the figures the harness reports. */
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'

/** What a browser sends with every page request that changes the answer: Tor Browser (Firefox) accepts compressed pages. */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Accept-Encoding': 'gzip, deflate, br' })

/** What one autocannon run measured. */
export interface LoadResult {
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  /** Responses with a status other than the expected one, plus connection errors and timeouts. */
  readonly failures: number
}

/** Options of one run. */
export interface LoadOptions {
  readonly url: string
  readonly connections: number
  readonly seconds?: number
  /** Stop after this many requests instead of after a time. */
  readonly amount?: number
  readonly method?: 'GET' | 'POST'
  readonly headers?: Record<string, string>
  readonly body?: Uint8Array
  /** A fresh body for every request (overrides `body`), for logins that rotate codenames. */
  readonly nextBody?: () => string
  /** The status every response should have (200 unless told). */
  readonly expectStatus?: number
  /** Requests per second across all connections (as fast as possible unless told). */
  readonly overallRate?: number
}

/** Runs autocannon against one URL and waits for it to finish. */
export async function load (options: LoadOptions): Promise<LoadResult> {
  const expected = options.expectStatus ?? 200
  let unexpected = 0
  // Timed here: autocannon's own duration is in whole seconds, too coarse for a short run of a fixed amount.
  const started = performance.now()
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      ...(options.amount === undefined ? { duration: options.seconds ?? 10 } : { amount: options.amount }),
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: Buffer.from(options.body) }),
      ...(options.nextBody === undefined
        ? {}
        : { requests: [{ method: options.method ?? 'GET', headers: options.headers ?? {}, setupRequest: (request: autocannon.Request) => ({ ...request, body: options.nextBody!() }) }] }),
      timeout: 30,
      ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    }, (err, done) => { if (err === null || err === undefined) resolve(done); else reject(err) })
    instance.on('response', (_client, statusCode) => { if (statusCode !== expected) unexpected++ })
  })
  const seconds = (performance.now() - started) / 1000
  return {
    requestsPerSecond: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: unexpected + result.errors + result.timeouts,
  }
}
