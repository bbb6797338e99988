/** House rules 1, 2, 5 and 7, checked on the source: who may import what, and who reads the environment. */
import test from 'ava'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

async function sources (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) out.push(path.relative(root, path.join(entry.parentPath, entry.name)))
  }
  return out
}

function imports (text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!)
}

const files = await sources('src')
const texts = new Map(await Promise.all(files.map(async (f) => [f, await readFile(path.join(root, f), 'utf8')] as const)))

function importers (pkg: RegExp): string[] {
  return files.filter((f) => imports(texts.get(f)!).some((spec) => pkg.test(spec))).sort()
}

test('openpgp is imported only under src/crypto', (t) => {
  const outside = importers(/^openpgp($|\/)/).filter((f) => !f.startsWith('src/crypto/'))
  t.deepEqual(outside, [])
  t.true(importers(/^openpgp$/).length > 0)
})

test('level is imported only under src/store', (t) => {
  t.deepEqual(importers(/^(level|classic-level|abstract-level)$/).filter((f) => !f.startsWith('src/store/')), [])
})

test('nunjucks is imported only by the render module', (t) => {
  t.deepEqual(importers(/^nunjucks$/), ['src/web/render.ts'])
})

test('koa is imported only under src/web', (t) => {
  t.deepEqual(importers(/^(koa|@koa\/router|busboy)$/).filter((f) => !f.startsWith('src/web/')), [])
})

test('the domain imports no framework and dependencies point one way', (t) => {
  const domain = files.filter((f) => f.startsWith('src/domain/'))
  for (const f of domain) {
    for (const spec of imports(texts.get(f)!)) {
      t.false(/^(koa|@koa\/|nunjucks|busboy|level|openpgp)/.test(spec), `${f} imports ${spec}`)
      t.false(/\/web\//.test(spec) || /\/cli\//.test(spec), `${f} imports ${spec}`)
    }
  }
  for (const f of files.filter((f) => f.startsWith('src/crypto/') || f.startsWith('src/store/'))) {
    for (const spec of imports(texts.get(f)!)) t.false(/\/(web|cli)\//.test(spec) || /\/domain\//.test(spec), `${f} imports ${spec}`)
  }
  for (const f of files.filter((f) => f.startsWith('src/cli/'))) {
    for (const spec of imports(texts.get(f)!)) t.false(/\/web\//.test(spec), `${f} imports ${spec}`)
  }
})

test('the web layer reaches the store only through the domain\'s use cases (issue 9)', (t) => {
  const web = files.filter((f) => f.startsWith('src/web/'))
  t.true(web.length > 10)
  for (const f of web) {
    for (const spec of imports(texts.get(f)!)) t.false(/(^|\/)store\//.test(spec) || /^(level|classic-level)$/.test(spec), `${f} imports ${spec}`)
  }
})

test('every router is made case-sensitive and strict, by src/web/router.ts', (t) => {
  const makers = files.filter((f) => /new Router\s*\(/.test(texts.get(f)!)).sort()
  t.deepEqual(makers, ['src/web/router.ts'])
  t.true(/new Router\(\{ sensitive: true, strict: true \}\)/.test(texts.get('src/web/router.ts')!))
})

test('only config.ts reads the environment', (t) => {
  const readers = files.filter((f) => /process\.env\b/.test(texts.get(f)!.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))).sort()
  t.deepEqual(readers, ['src/config.ts'])
})

test('only crypto/ can mark bytes as ciphertext', (t) => {
  const callers = files.filter((f) => texts.get(f)!.includes('asCiphertext(')).filter((f) => !f.startsWith('src/crypto/'))
  t.deepEqual(callers, [])
})

test('no code reads client addresses, user agents or enables the proxy', (t) => {
  for (const f of files) {
    const text = texts.get(f)!
    t.false(/\b(ctx|request|req)\.(ip|ips)\b|remoteAddress|user-agent|userAgent|proxy:\s*true|X-Forwarded-For/i.test(text.replace(/\/\/.*$/gm, '')), f)
  }
})

test('templates hold no script and no | safe', async (t) => {
  const templates = (await readdir(path.join(root, 'templates'), { recursive: true })).filter((f) => String(f).endsWith('.njk'))
  t.true(templates.length >= 5)
  for (const f of templates) {
    const text = await readFile(path.join(root, 'templates', String(f)), 'utf8')
    t.false(/<script|\|\s*safe\b|\son[a-z]+\s*=|javascript:(?!\s*false)/i.test(text), String(f))
  }
})
