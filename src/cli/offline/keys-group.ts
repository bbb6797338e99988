/** The `candour keys` command group, shared by its subcommands (each registers itself into it). */
import type { Command } from 'commander'

/** The `keys` command of `cli`, created on first use. */
export function keysCommand (cli: Command): Command {
  return cli.commands.find((command) => command.name() === 'keys') ??
    cli.command('keys').description('unit key pairs for the offline machine: generate one, check key files')
}
