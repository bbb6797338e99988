// Builds the stylesheets (templates/static/reporter.scss and workspace.scss, with GOV.UK Frontend)
// into templates/static/dist/: each under a content-hashed name, with gzip and brotli copies
// made here rather than per request, and a manifest.json that maps each plain name to its hashed
// one (src/web/static-files.ts serves them; the templates link them through asset()). It refuses
// to write a stylesheet that would make the browser fetch anything else.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import * as sass from 'sass'

const root = new URL('../', import.meta.url)
const staticDir = fileURLToPath(new URL('templates/static/', root))
const distDir = fileURLToPath(new URL('templates/static/dist/', root))
const govukDist = fileURLToPath(new URL('node_modules/govuk-frontend/dist/', root))

/** The stylesheets built, by plain name (each from the .scss of the same name). */
export const STYLESHEETS = ['reporter.css', 'workspace.css'] as const

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

/** The served name of a file: its plain name with the first 16 hex digits of its SHA-256 before the extension. */
export function hashedName (plain: string, bytes: Buffer): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16)
  const dot = plain.lastIndexOf('.')
  return `${plain.slice(0, dot)}.${hash}${plain.slice(dot)}`
}

function compile (name: string): Buffer {
  const entry = `${staticDir}${name.replace(/\.css$/, '.scss')}`
  const result = sass.compile(entry, {
    loadPaths: [govukDist],
    style: 'compressed',
    // GOV.UK Frontend's own deprecation notices are not ours to fix.
    quietDeps: true
  })
  const problems = cssProblems(result.css)
  if (problems.length > 0) throw new Error(`${name} is unsafe to serve: ${problems.join('; ')}`)
  return Buffer.from(result.css + '\n', 'utf8')
}

function build (): void {
  // A fresh folder each time, so stale hashed files never pile up or get served.
  rmSync(distDir, { recursive: true, force: true })
  mkdirSync(distDir, { recursive: true })
  const manifest: Record<string, string> = {}
  for (const name of STYLESHEETS) {
    const bytes = compile(name)
    const hashed = hashedName(name, bytes)
    const gzip = gzipSync(bytes, { level: 9 })
    const brotli = brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length }
    })
    writeFileSync(`${distDir}${hashed}`, bytes)
    writeFileSync(`${distDir}${hashed}.gz`, gzip)
    writeFileSync(`${distDir}${hashed}.br`, brotli)
    manifest[name] = hashed
    process.stdout.write(`wrote ${hashed} (${bytes.length} bytes, gzip ${gzip.length}, brotli ${brotli.length})\n`)
  }
  writeFileSync(`${distDir}manifest.json`, JSON.stringify(manifest, null, 2) + '\n')
  process.stdout.write(`wrote ${readdirSync(distDir).length} files to ${distDir}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) build()
