#!/usr/bin/env node
// The installed `candour` command: runs the TypeScript command line through tsx.
import { register } from 'tsx/esm/api'

register()
const { run } = await import('../src/cli/index.ts')
process.exitCode = await run()
