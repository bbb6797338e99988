/** `candour transfer`: a report bundle re-encrypted, offline, for the force it is being transferred to. */
import type { Command } from 'commander'
import { transferBundle } from './transfer-bundle.js'

/** Registers `transfer` on the program. */
export function registerTransfer (cli: Command, out: (line: string) => void): void {
  cli.command('transfer')
    .description("re-encrypt a report bundle to another force's keys only, as a zip the reviewer workspace's transfer form accepts; no network, no server")
    .argument('<bundle>', 'bundle zip or report folder')
    .requiredOption('--key <file>', "this unit's secret key")
    .requiredOption('--to <file-or-dir>', "the receiving force's public key file, or a folder of .asc files")
    .requiredOption('--out <file>', 'the new bundle zip to write (must not exist)')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file instead of asking')
    .action(async (bundle: string, options: { key: string; to: string; out: string; passphraseFile?: string }) => {
      await transferBundle({ bundle, ...options }, out)
    })
}
