/**
 * The static files (today the two stylesheets), built by scripts/build-css.ts
 * into templates/static/dist/ under content-hashed names with gzip and brotli
 * copies. A hashed name never changes meaning, so browsers may keep the file
 * for a year without asking again: over Tor each avoided round trip counts
 * (issue 13). Held in memory (a few tens of KB); the encoding is chosen by
 * Accept-Encoding, brotli first. HTML never comes through here: pages stay
 * uncompressed and no-store.
 */
import { readFileSync } from 'node:fs'
import type { Context } from 'koa'
import { CandourError } from '../errors.js'

const DIST = new URL('../../templates/static/dist/', import.meta.url)

/** Cache-Control of every hashed static file. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

/** One static file in its three encodings. */
export interface StaticFile {
  readonly type: string
  readonly identity: Buffer
  readonly gzip: Buffer
  readonly br: Buffer
}

const TYPES: Readonly<Record<string, string>> = { css: 'text/css; charset=utf-8' }

let manifest: Readonly<Record<string, string>> | undefined

function readManifest (): Readonly<Record<string, string>> {
  if (manifest !== undefined) return manifest
  try {
    manifest = Object.freeze(JSON.parse(readFileSync(new URL('manifest.json', DIST), 'utf8')) as Record<string, string>)
  } catch (err) {
    throw new CandourError('CONFIG_INVALID', 'static files missing: run npm run build:css', { cause: err })
  }
  return manifest
}

/** The URL path of a static file by its plain name (`reporter.css` → `/static/reporter.<hash>.css`). */
export function assetPath (name: string): string {
  const hashed = readManifest()[name]
  if (hashed === undefined) throw new TypeError(`Unknown static file: ${name}`)
  return `/static/${hashed}`
}

/** The built static files by hashed name. */
export type StaticFiles = ReadonlyMap<string, StaticFile>

/** Reads every built static file into memory; throws CONFIG_INVALID when the build has not run. */
export function loadStaticFiles (): StaticFiles {
  const files = new Map<string, StaticFile>()
  for (const hashed of Object.values(readManifest())) {
    const type = TYPES[hashed.slice(hashed.lastIndexOf('.') + 1)]
    if (type === undefined) throw new TypeError(`No content type for static file: ${hashed}`)
    try {
      files.set(hashed, {
        type,
        identity: readFileSync(new URL(hashed, DIST)),
        gzip: readFileSync(new URL(`${hashed}.gz`, DIST)),
        br: readFileSync(new URL(`${hashed}.br`, DIST)),
      })
    } catch (err) {
      throw new CandourError('CONFIG_INVALID', 'static files missing: run npm run build:css', { cause: err })
    }
  }
  return files
}

/**
 * The encoding to send: `br` or `gzip` when the client accepts it (the higher q
 * wins, brotli on a tie: Tor Browser lists gzip first but accepts both), else identity.
 */
export function chooseEncoding (acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const q = new Map<string, number>()
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';')
    if (token === '') continue
    let weight = 1
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(param)
      if (match !== null) weight = Number(match[1])
    }
    q.set(token.trim(), weight)
  }
  const weightOf = (coding: string): number => q.get(coding) ?? q.get('*') ?? 0
  const br = weightOf('br')
  const gzip = weightOf('gzip')
  if (br > 0 && br >= gzip) return 'br'
  if (gzip > 0) return 'gzip'
  return 'identity'
}

/** Sends the static file `hashed`, or leaves the context alone (a 404 follows) when there is none. */
export function sendStaticFile (ctx: Context, files: ReadonlyMap<string, StaticFile>, hashed: string): void {
  const file = files.get(hashed)
  if (file === undefined) return
  const encoding = chooseEncoding(ctx.get('Accept-Encoding'))
  ctx.type = file.type
  ctx.vary('Accept-Encoding')
  ctx.set('Cache-Control', IMMUTABLE)
  if (encoding !== 'identity') ctx.set('Content-Encoding', encoding)
  ctx.body = encoding === 'identity' ? file.identity : file[encoding]
}
