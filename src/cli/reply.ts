/** `candour reply`: stores a reply to a report from a text file, as the reviewer workspace will. */
import { readFile } from 'node:fs/promises'
import type { Config } from '../config.js'
import { addReply } from '../domain/replies.js'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { getReport } from '../store/records.js'
import { forceKeys } from './keys.js'

/** Reads the reply text and stores it (reporter copy and force copy); returns the reply id. */
export async function replyFromFile (kv: Kv, config: Config, reportId: string, textFile: string): Promise<string> {
  let text: string
  try {
    text = await readFile(textFile, 'utf8')
  } catch (err) {
    throw new CandourError('VALIDATION_FAILED', 'reply text file cannot be read', { cause: err })
  }
  const report = await getReport(kv, reportId)
  if (report === undefined) throw new CandourError('NOT_FOUND', 'report not found')
  return addReply(kv, await forceKeys(config, [report.force]), reportId, text)
}
