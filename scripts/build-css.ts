// Builds templates/static/candour.css from templates/static/candour.scss and GOV.UK Frontend,
// then refuses to write a stylesheet that would make the browser fetch anything else.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = new URL('../', import.meta.url)
const entry = fileURLToPath(new URL('templates/static/candour.scss', root))
const output = fileURLToPath(new URL('templates/static/candour.css', root))
const govukDist = fileURLToPath(new URL('node_modules/govuk-frontend/dist/', root))

/** Returns the reasons a compiled stylesheet is unfit to serve (empty when it is fine). */
export function cssProblems (css: string): string[] {
  const problems: string[] = []
  if (/@font-face/i.test(css)) problems.push('contains @font-face')
  if (/GDS Transport/i.test(css)) problems.push('names the GDS Transport font')
  if (/@import/i.test(css)) problems.push('contains @import')
  // Any url() at all would be a request: remote ones leak, local ones 404 (we serve no images).
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) {
    if (!match[2]!.startsWith('data:')) problems.push(`refers to ${match[0]}`)
  }
  return problems
}

function build (): void {
  const result = sass.compile(entry, {
    loadPaths: [govukDist],
    style: 'compressed',
    // GOV.UK Frontend's own deprecation notices are not ours to fix.
    quietDeps: true
  })
  const problems = cssProblems(result.css)
  if (problems.length > 0) {
    throw new Error(`candour.css is unsafe to serve: ${problems.join('; ')}`)
  }
  writeFileSync(output, result.css + '\n')
  process.stdout.write(`wrote ${output} (${result.css.length} bytes)\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) build()
