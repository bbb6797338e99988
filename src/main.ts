/** Entry point: configuration, service, signals. */
import { loadConfig } from './config.js'
import { isCandourError } from './errors.js'
import { logLine } from './log.js'
import { startService } from './service.js'

async function main (): Promise<void> {
  const config = loadConfig()
  const service = await startService(config)
  logLine(`listening on ${service.url} (workspace on ${service.reviewUrl})${config.demo ? ' (demo mode)' : ''}`)
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    service.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  // Only the constant message: a CandourError never carries user data.
  logLine(isCandourError(err) ? `cannot start: ${err.code}: ${err.message}` : 'cannot start: unexpected failure')
  if (!isCandourError(err)) console.error(err)
  process.exit(1)
})
