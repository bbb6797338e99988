/** The force keys as the command line sees them: the same files and checks as the server at start. */
import path from 'node:path'
import type { Config } from '../config.js'
import { loadKeyring } from '../crypto/keyring.js'
import type { RecipientKeys } from '../crypto/keys.js'
import { utcMidnight } from '../domain/dates.js'

/** Recipient keys of the given forces (demo keys from DATA_DIR/demo-keys outside production). */
export async function forceKeys (config: Config, forceIds: readonly string[]): Promise<ReadonlyMap<string, RecipientKeys>> {
  const keyring = await loadKeyring({
    keysDir: config.keysDir,
    forceIds,
    ...(config.production ? {} : { demoDir: path.join(config.dataDir, 'demo-keys') }),
    today: utcMidnight(),
  })
  return keyring.byForce
}
