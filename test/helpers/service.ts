/** Starts a real service on a loopback port with its own temporary DATA_DIR, for tests. */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { loadConfig, type Config } from '../../src/config.js'
import type { ExecutionContext } from 'ava'
import { startService, type Service, type ServiceOptions } from '../../src/service.js'
import { connectControl } from '../../src/store/control.js'
import type { Kv } from '../../src/store/kv.js'
import { gpgHome, type Gpg } from './gpg.js'

/** A running test service and its folders. */
export interface TestService extends Service {
  readonly config: Config
  readonly dataDir: string
  readonly keysDir: string
  /** Stops the service and removes its folders. */
  dispose (): Promise<void>
}

/**
 * Starts a service; `env` overrides settings. Demo mode unless `env` says `CANDOUR_DEMO: '0'` (then a
 * production scrypt cost is needed too); KEYS_DIR defaults to an empty folder, so every force gets a demo key.
 */
export async function startTestService (env: Record<string, string> = {}, options: ServiceOptions = {}): Promise<TestService> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'candour-test-'))
  const dataDir = env.DATA_DIR ?? path.join(root, 'data')
  const keysDir = env.KEYS_DIR ?? path.join(root, 'keys')
  // A small codename reserve: the first reporters of a test get reserved codenames, later ones are made on the spot.
  const config = loadConfig({ PORT: '0', REVIEW_PORT: '0', CANDOUR_SCRYPT_COST: '1024', CANDOUR_CODENAME_RESERVE: '3', CANDOUR_DEMO: '1', ...env, DATA_DIR: dataDir, KEYS_DIR: keysDir })
  // The daily work waits a day unless a test asks for it: tests run it with service.maintenance.run().
  const service = await startService(config, { maintenanceDelayMs: 24 * 60 * 60 * 1000, ...options })
  return {
    ...service,
    config,
    dataDir,
    keysDir,
    close: () => service.close(),
    async dispose () {
      await service.close()
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** A test service with a control-socket store handle and a gpg home holding one force's demo secret key, all torn down with the test. */
export interface ServiceWithGpg {
  readonly service: TestService
  readonly kv: Kv
  readonly gpg: Gpg
}

/** Starts a service (as startTestService) for a test that reads its store and decrypts what `force` received with stock gpg. */
export async function startServiceWithGpg (t: ExecutionContext, force: string, env: Record<string, string> = {}, options: ServiceOptions = {}): Promise<ServiceWithGpg> {
  const service = await startTestService(env, options)
  t.teardown(() => service.dispose())
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', `${force}.secret.asc`))
  return { service, kv, gpg }
}
