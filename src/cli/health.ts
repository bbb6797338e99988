/**
 * `candour health`: the container's HEALTHCHECK, with no network tool in the
 * image. Healthy means the running server answers on its control socket (so
 * it holds the store) and its listeners answer HTTP on loopback.
 */
import http from 'node:http'
import type { Config } from '../config.js'
import { CandourError } from '../errors.js'
import { connectControl } from '../store/control.js'

const TIMEOUT_MS = 10_000

// A listener on every address is asked on loopback; one on a given address, there.
function probeHost (host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::' || host === '[::]') return '::1'
  return host.replace(/^\[(.*)\]$/, '$1')
}

function answers (host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (): void => reject(new CandourError('HEALTH_FAILED', 'a listener did not answer'))
    const req = http.get({ host: probeHost(host), port, path: '/', timeout: TIMEOUT_MS, headers: { Connection: 'close' } }, (res) => {
      res.resume()
      if ((res.statusCode ?? 500) < 500) resolve()
      else failed()
    })
    req.on('timeout', () => req.destroy())
    req.on('error', failed)
  })
}

/** Resolves when the running server is healthy; rejects with CONTROL_FAILED or HEALTH_FAILED. */
export async function checkHealth (config: Config): Promise<void> {
  const kv = await connectControl(config.dataDir)
  await kv.close()
  await answers(config.host, config.port)
  // The workspace has its own listener (issue 9): it must answer too.
  await answers(config.reviewHost, config.reviewPort)
}
