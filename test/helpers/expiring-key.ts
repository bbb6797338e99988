/** Unit keys that expire, for the key expiry tests (issue 14): real v4 keys made with openpgp. */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as openpgp from 'openpgp'

const DAY = 24 * 60 * 60 * 1000

/**
 * Writes a public key for `force` into `keysDir/<force>/unit.asc`, made at
 * midnight UTC today and valid for `days` days, so it expires at midnight
 * `days` days from today; resolves with that moment.
 */
export async function writeExpiringKey (keysDir: string, force: string, days: number): Promise<Date> {
  const midnight = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`)
  const { publicKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: `${force} unit` }], date: midnight, keyExpirationTime: days * DAY / 1000,
    format: 'armored', config: { v6Keys: false, aeadProtect: false },
  })
  await mkdir(path.join(keysDir, force), { recursive: true })
  await writeFile(path.join(keysDir, force, 'unit.asc'), publicKey)
  return new Date(midnight.getTime() + days * DAY)
}
