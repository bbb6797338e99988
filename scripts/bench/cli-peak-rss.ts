/**
 * Runs the `candour` command line, then writes its peak resident set size on
 * stderr as `peak-rss-kib N` (getrusage's own accounting), for scenarios that
 * measure a command's memory.
 */
import { run } from '../../src/cli/index.js'

const code = await run(process.argv)
process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`)
process.exitCode = code
