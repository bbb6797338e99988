/** The files under deploy/, for the tests that run them. */
import path from 'node:path'

/** The project's root. */
const ROOT = path.resolve(import.meta.dirname, '../..')

/** The torrc operators deploy. */
export const SHIPPED_TORRC = path.join(ROOT, 'deploy', 'torrc')

/** The tor image's entry point, which checks the workspace's client keys before it runs tor. */
export const TOR_ENTRYPOINT = path.join(ROOT, 'deploy', 'tor', 'entrypoint.sh')

/** The folder compose.yaml mounts as the workspace service's authorized_clients/. */
export const SHIPPED_AUTHORIZED_CLIENTS = path.join(ROOT, 'deploy', 'authorized_clients')

/**
 * The shipped torrc with its tor data folder moved to `dataDir` and, when given, the two listeners'
 * loopback ports replaced (the reporter's 8080 and the workspace's 8081) and logging left to the caller.
 */
export function relocateTorrc (torrc: string, dataDir: string, ports?: { reporter: number; workspace: number }): string {
  let text = torrc.replaceAll('/var/lib/tor', dataDir)
  if (ports !== undefined) {
    text = text.replace(/^(HiddenServicePort 80 127\.0\.0\.1:)8080$/m, `$1${ports.reporter}`)
      .replace(/^(HiddenServicePort 80 127\.0\.0\.1:)8081$/m, `$1${ports.workspace}`)
      .replace(/^(Log .*)$/mg, '# $1')
      .replace(/^(DataDirectory .*)$/m, '# $1')
  }
  return text
}
