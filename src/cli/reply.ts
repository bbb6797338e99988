/** `candour reply`: stores a reply to a report from a text file, through the workspace's reply use case as the operator (audited as `cli`). */
import { readFile } from 'node:fs/promises'
import type { Config } from '../config.js'
import { OPERATOR } from '../domain/actors.js'
import { Workspace } from '../domain/workspace.js'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { forceKeys } from './keys.js'

/** Reads the reply text and stores it (reporter copy and force copy); returns the reply id. */
export async function replyFromFile (kv: Kv, config: Config, reportId: string, textFile: string): Promise<string> {
  let text: string
  try {
    text = await readFile(textFile, 'utf8')
  } catch (err) {
    throw new CandourError('VALIDATION_FAILED', 'reply text file cannot be read', { cause: err })
  }
  const workspace = new Workspace({ kv, recipients: (forces) => forceKeys(config, forces) })
  return workspace.reply(OPERATOR, reportId, text)
}
