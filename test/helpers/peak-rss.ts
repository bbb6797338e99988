/**
 * Runs the `candour` command line, then writes its peak resident set size on
 * stderr as `peak-rss-kib N`: the memory test's view of a real run, taken
 * from the kernel's own accounting (getrusage), not from timings.
 */
import { run } from '../../src/cli/index.js'

const code = await run(process.argv)
process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`)
process.exitCode = code
