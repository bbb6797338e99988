import test from 'ava'
import { LoginThrottle } from '../../src/domain/login-throttle.js'

function gate (): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => { open = resolve })
  return { promise, open }
}

test('derivations run with bounded concurrency, a bounded queue, and busy past it', async (t) => {
  const throttle = new LoginThrottle({ concurrency: 2, maxQueue: 1 })
  const gates = [gate(), gate(), gate()]
  const running = gates.map((g) => throttle.run(() => g.promise))
  t.deepEqual(throttle.load, { running: 2, waiting: 1, started: 2 })
  const busy = await t.throwsAsync(throttle.run(async () => {})) as { code?: string }
  t.is(busy.code, 'LOGIN_BUSY')
  gates[0]!.open()
  await running[0]
  t.deepEqual(throttle.load, { running: 2, waiting: 0, started: 3 })
  gates[1]!.open()
  gates[2]!.open()
  await Promise.all(running)
  t.deepEqual(throttle.load, { running: 0, waiting: 0, started: 3 })
})
