/** `candour health`, the image's HEALTHCHECK: healthy only while the server answers on its control socket and listener. */
import test from 'ava'
import { candour } from '../helpers/offline.js'
import { startTestService } from '../helpers/service.js'

test('health passes against a running server and fails with a stable code once it has stopped', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  const env = { DATA_DIR: service.dataDir, PORT: new URL(service.url).port, HOST: '0.0.0.0', REVIEW_PORT: new URL(service.reviewUrl).port }
  const healthy = await candour(['health'], { env })
  t.is(healthy.code, 0, healthy.stderr)
  t.is(healthy.stdout, 'healthy\n')

  // The control socket answers but nothing listens on the port named: not healthy.
  const wrongPort = await candour(['health'], { env: { ...env, PORT: '1' } })
  t.is(wrongPort.code, 1)
  t.regex(wrongPort.stderr, /HEALTH_FAILED/)
  // Nor when the workspace's listener does not answer.
  const wrongWorkspace = await candour(['health'], { env: { ...env, REVIEW_PORT: '1' } })
  t.is(wrongWorkspace.code, 1)
  t.regex(wrongWorkspace.stderr, /HEALTH_FAILED/)

  await service.close()
  const stopped = await candour(['health'], { env })
  t.is(stopped.code, 1)
  t.regex(stopped.stderr, /CONTROL_FAILED/)
})
