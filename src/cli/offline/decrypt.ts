/** `candour decrypt`: one report bundle (zip or export folder) into a readable folder, offline. */
import type { Command } from 'commander'
import { decryptBundle } from './decrypt-bundle.js'

/** Registers `decrypt` on the program. */
export function registerDecrypt (cli: Command, out: (line: string) => void): void {
  cli.command('decrypt')
    .description('decrypt a report bundle (.zip from the reviewer workspace, or a folder from `candour export`) into a folder; no network, no server')
    .argument('<bundle>', 'bundle zip or report folder')
    .requiredOption('--key <file>', "the unit's secret key (armored, as `keys generate` or `gpg --export-secret-keys --armor` writes it)")
    .requiredOption('--out <dir>', 'folder to write into (must be empty unless --force)')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file instead of asking')
    .option('--force', 'write into a folder that is not empty (nothing in it is replaced)', false)
    .option('--clean', 'also write a copy of each attachment cleaned of metadata by mat2, beside the original', false)
    .action(async (bundle: string, options: { key: string; out: string; passphraseFile?: string; force: boolean; clean: boolean }) => {
      await decryptBundle({ bundle, ...options }, out)
    })
}
