/** The force keys as the command line sees them: the same files and checks as the server at start. */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import { loadKeyring } from '../crypto/keyring.js'
import { allKeyIds, type RecipientKeys } from '../crypto/keys.js'
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

/**
 * Every key id each force's stored messages may be addressed to: all keys in
 * its key files, expired or not (and its demo key outside production), for
 * `candour check`. Files that do not parse are skipped; the server's own key
 * check reports them.
 */
export async function knownForceKeyIds (config: Config, forceIds: readonly string[]): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
  const out = new Map<string, Set<string>>()
  const add = async (force: string, file: string): Promise<void> => {
    let text: string
    try { text = await readFile(file, 'utf8') } catch { return }
    try {
      const ids = out.get(force) ?? new Set<string>()
      for (const id of await allKeyIds(text)) ids.add(id)
      out.set(force, ids)
    } catch {}
  }
  for (const force of forceIds) {
    // retired/: a force's old keys, which the server no longer encrypts to but stored reports were.
    for (const dir of [path.join(config.keysDir, force), path.join(config.keysDir, force, 'retired')]) {
      for (const name of await readdir(dir).catch(() => [] as string[])) if (name.endsWith('.asc')) await add(force, path.join(dir, name))
    }
    if (!config.production) await add(force, path.join(config.dataDir, 'demo-keys', `${force}.secret.asc`))
  }
  return out
}
