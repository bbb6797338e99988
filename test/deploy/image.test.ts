/**
 * The container image as an operator runs it (issue 10): built with podman from
 * the Dockerfile (behind this network's TLS-intercepting proxy, whose CA bundle
 * must not stay in the image), compiled code only, run as `node` in production
 * mode with a read-only root and no /tmp, a volume for /data and a generated
 * unit key; a report sent over HTTP, exported with the command line inside the
 * container, and opened with the host's gpg.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmod, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createReadStream, existsSync } from 'node:fs'
import path from 'node:path'
import { gpgHome } from '../helpers/gpg.js'
import { generateUnitKey, removeAll, tempDir } from '../helpers/offline.js'
import { buildImage, ensureBaseImage, HOST_CA_BUNDLE, podman, podmanPipe } from '../helpers/podman.js'
import { submitReport } from '../helpers/submit.js'
import { assertLoopbackOrOnion } from '../helpers/tor-network.js'

const suffix = randomBytes(4).toString('hex')
const IMAGE = `localhost/candour-image-test:${suffix}`

async function waitForHttp (url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { redirect: 'manual' })).status === 200) return
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

/** Unpacks a tar stream into `dir` with the host's tar. */
function untar (stream: NodeJS.ReadableStream, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'inherit'] })
    tar.on('error', reject)
    tar.on('close', (code) => code === 0 ? resolve() : reject(new Error(`tar exited ${code}`)))
    stream.pipe(tar.stdin)
  })
}

/** Every regular file of a tar stream with its size, read with `tar -tv`. */
function listTar (stream: NodeJS.ReadableStream): Promise<Array<{ name: string; size: number }>> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-tv'], { stdio: ['pipe', 'pipe', 'inherit'] })
    let out = ''
    tar.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    tar.on('error', reject)
    tar.on('close', (code) => {
      if (code !== 0) return reject(new Error(`tar exited ${code}`))
      resolve(out.split('\n').filter((line) => line.startsWith('-')).map((line) => {
        const fields = line.split(/\s+/)
        return { size: Number(fields[2]), name: fields.slice(5).join(' ') }
      }))
    })
    stream.pipe(tar.stdin)
  })
}

test.before(async (t) => {
  t.timeout(20 * 60_000, 'building the stand-in base and the image')
  await ensureBaseImage()
  await buildImage(IMAGE)
})

test.after.always(async () => {
  await podman(['rmi', '--force', IMAGE]).catch(() => {})
})

test('the image holds compiled code and production dependencies only, runs as node in production, with a health check and nothing of the build CA', async (t) => {
  t.timeout(5 * 60_000)
  const [inspect] = JSON.parse(await podman(['image', 'inspect', IMAGE])) as Array<{ Config: { User: string; Env: string[]; Cmd: string[] }; Healthcheck?: { Test: string[] } }>
  t.is(inspect!.Config.User, 'node')
  t.true(inspect!.Config.Env.includes('NODE_ENV=production'))
  t.deepEqual(inspect!.Config.Cmd.slice(0, 1), ['node'])
  t.true(inspect!.Config.Cmd.at(-1)!.endsWith('.js'))
  t.deepEqual(inspect!.Healthcheck?.Test, ['CMD', 'node', 'dist/cli/index.js', 'health'])

  const container = (await podman(['create', IMAGE])).trim()
  try {
    const exportDir = await tempDir('candour-image-export-')
    t.teardown(() => removeAll(exportDir))
    const tarFile = path.join(exportDir, 'root.tar')
    await podman(['export', '--output', tarFile, container], { timeoutMs: 300_000 })
    const files = await listTar(createReadStream(tarFile))
    await rm(tarFile)
    const names = files.map((file) => file.name)
    t.true(names.includes('app/dist/main.js'))
    t.true(names.includes('app/dist/cli/index.js'))
    // The stylesheets under their hashed names, with their gzip and brotli copies and the manifest.
    t.true(names.includes('app/templates/static/dist/manifest.json'))
    t.true(names.some((name) => /^app\/templates\/static\/dist\/reporter\.[0-9a-f]{16}\.css\.br$/.test(name)))
    t.false(names.some((name) => name.startsWith('app/src/') || (name.startsWith('app/dist/') && name.endsWith('.ts'))), 'no TypeScript sources')
    for (const tool of ['tsx', 'sass', 'typescript', 'esbuild', 'ava', 'playwright-core', 'puppeteer-core']) {
      t.false(names.some((name) => name.startsWith(`app/node_modules/${tool}/`)), `${tool} is not in the image`)
    }
    t.true(names.some((name) => name.startsWith('app/node_modules/koa/')))
    t.false(names.some((name) => name.startsWith('usr/local/etc/')), 'the build-time CA mount left nothing')
    if (existsSync(HOST_CA_BUNDLE)) {
      // No file anywhere in the image has the host bundle's bytes.
      const bundle = await readFile(HOST_CA_BUNDLE)
      const digest = createHash('sha256').update(bundle).digest('hex')
      const sameSize = files.filter((file) => file.size === bundle.length)
      for (const file of sameSize) {
        const copy = await tempDir('candour-image-file-')
        t.teardown(() => removeAll(copy))
        await podman(['cp', `${container}:/${file.name}`, path.join(copy, 'file')])
        t.not(createHash('sha256').update(await readFile(path.join(copy, 'file'))).digest('hex'), digest, file.name)
      }
    }
  } finally {
    await podman(['rm', '--force', '--volumes', container])
  }
})

test('read-only and in production mode, it takes a report over HTTP, passes its health check, and the exported report opens with gpg', async (t) => {
  t.timeout(8 * 60_000)
  const work = await tempDir('candour-image-')
  t.teardown(() => removeAll(work))
  const passFile = path.join(work, 'passphrase')
  await writeFile(passFile, 'image test passphrase\n', { mode: 0o600 })
  const unit = await generateUnitKey('kent', path.join(work, 'unit'), passFile)
  const keysDir = path.join(work, 'keys')
  await mkdir(path.join(keysDir, 'kent'), { recursive: true })
  await copyFile(unit.publicFile, path.join(keysDir, 'kent', path.basename(unit.publicFile)))
  // The container's node user (uid 1000) reads the key folder through a read-only bind mount.
  await chmod(work, 0o755)
  await chmod(keysDir, 0o755)
  await chmod(path.join(keysDir, 'kent'), 0o755)
  await chmod(path.join(keysDir, 'kent', path.basename(unit.publicFile)), 0o644)

  const volume = `candour-image-test-${suffix}`
  await podman(['volume', 'create', volume])
  t.teardown(() => podman(['volume', 'rm', '--force', volume]).then(() => undefined, () => undefined))
  // No tmpfs anywhere: the root is read-only and /tmp does not exist as a writable place.
  const container = (await podman(['run', '--detach', '--read-only', '--read-only-tmpfs=false',
    '-v', `${volume}:/data`, '-v', `${keysDir}:/app/keys:ro`, '-e', 'CANDOUR_CODENAME_RESERVE=20',
    '-p', '127.0.0.1::8080', IMAGE])).trim()
  t.teardown(() => podman(['rm', '--force', '--volumes', '--time', '5', container]).then(() => undefined, () => undefined))
  const port = /127\.0\.0\.1:(\d+)/.exec(await podman(['port', container, '8080/tcp']))![1]!
  const url = `http://127.0.0.1:${port}`
  assertLoopbackOrOnion(new URL(url).hostname)
  await waitForHttp(url + '/', 120_000)

  const logs = await podman(['logs', container]).catch((err: Error) => err.message)
  t.false(/DEMO/.test(logs), 'production mode: no demo keys')
  const home = await (await fetch(url + '/')).text()
  t.false(home.includes('demo-banner-title'), 'no demo banner')
  t.is((await podman(['exec', container, 'id', '-u'])).trim(), '1000')
  await t.throwsAsync(podman(['exec', container, 'sh', '-c', 'echo x > /tmp/probe']), { message: /Read-only file system/ })
  await t.throwsAsync(podman(['exec', container, 'sh', '-c', 'echo x > /app/probe']), { message: /Read-only file system|Permission denied/ })

  // The health check needs no network tool: node asks the control socket and the listener.
  await podman(['healthcheck', 'run', container])

  const marker = `IMAGE-${randomBytes(6).toString('hex')}`
  const attachment = randomBytes(150_000)
  await submitReport(url, { force: 'kent', category: 'abuse-of-position', message: `Seen in the image test ${marker}`, anonymity: 'anonymous' }, [{ name: 'evidence.bin', content: attachment }])

  const exported = await podman(['exec', container, 'node', 'dist/cli/index.js', 'export', '--force', 'kent', '--out', '/data/export'])
  t.regex(exported, /exported 1 report\(s\) \(through the running server\)/)
  const out = path.join(work, 'export')
  await mkdir(out)
  await podmanPipe(['exec', container, 'tar', '-C', '/data/export', '-cf', '-', '.'], (stdout) => untar(stdout, out))
  const [reportDir, ...others] = (await readdir(out)).filter((name) => name !== '.')
  t.deepEqual(others, [])
  t.deepEqual((await readdir(path.join(out, reportDir!))).sort(), ['01-report.gpg', '02-attachment.gpg', 'manifest.json'])

  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  const passphrase = 'image test passphrase'
  await gpg.importKey(unit.secretFile, passphrase)
  t.true((await gpg.decryptFile(path.join(out, reportDir!, '01-report.gpg'), passphrase)).toString('utf8').includes(marker))
  t.true((await gpg.decryptFile(path.join(out, reportDir!, '02-attachment.gpg'), passphrase)).equals(attachment))

  // Stopped by its id, it exits cleanly on SIGTERM.
  await podman(['stop', '--time', '20', container])
  const state = JSON.parse(await podman(['inspect', container])) as Array<{ State: { ExitCode: number; Status: string } }>
  t.is(state[0]!.State.Status, 'exited')
  t.is(state[0]!.State.ExitCode, 0)
})
