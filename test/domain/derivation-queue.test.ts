/** The derivation slots: bounded, logins first, then new reporters, then the reserve; BUSY past each bound. */
import test from 'ava'
import { DerivationQueue, type DerivationKind } from '../../src/domain/derivation-queue.js'

// Work that runs until the test lets it finish, recording the order in which it started.
function jobs (): { job: (name: string) => () => Promise<void>; order: string[]; finish: (name: string) => void; finishAll: () => void } {
  const order: string[] = []
  const gates = new Map<string, () => void>()
  return {
    order,
    job: (name) => () => new Promise<void>((resolve) => { order.push(name); gates.set(name, resolve) }),
    finish: (name) => gates.get(name)!(),
    finishAll: () => { for (const open of gates.values()) open() },
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('slots go to logins first, then new reporters, then the reserve, whatever the order of arrival', async (t) => {
  const queue = new DerivationQueue({ concurrency: 1, maxWaitingLogins: 5, maxWaitingNewReporters: 5 })
  const { job, order, finish, finishAll } = jobs()
  t.teardown(finishAll)
  const running: Array<Promise<void>> = []
  const start = (kind: DerivationKind, name: string): void => { running.push(queue.run(kind, job(name))) }
  start('new-reporter', 'n1')
  start('background', 'b1')
  start('new-reporter', 'n2')
  start('login', 'l1')
  start('login', 'l2')
  await settle()
  t.deepEqual(order, ['n1'])
  t.deepEqual(queue.load.waiting, { login: 2, 'new-reporter': 1, background: 1 })
  for (const name of ['n1', 'l1', 'l2', 'n2']) {
    finish(name)
    await settle()
  }
  t.deepEqual(order, ['n1', 'l1', 'l2', 'n2', 'b1'])
  finish('b1')
  await Promise.all(running)
  t.deepEqual(queue.load, { running: 0, waiting: { login: 0, 'new-reporter': 0, background: 0 }, started: { login: 2, 'new-reporter': 2, background: 1 } })
})

test('each queue is bounded on its own: a full one answers BUSY at once, the other still queues', async (t) => {
  const queue = new DerivationQueue({ concurrency: 2, maxWaitingLogins: 1, maxWaitingNewReporters: 2 })
  const { job, finishAll } = jobs()
  t.teardown(finishAll)
  const held = [queue.run('login', job('a')), queue.run('login', job('b')), queue.run('login', job('c'))]
  const busy = await t.throwsAsync(queue.run('login', job('d'))) as { code?: string; status?: number }
  t.is(busy.code, 'BUSY')
  t.is(busy.status, 503)
  held.push(queue.run('new-reporter', job('n1')), queue.run('new-reporter', job('n2')))
  t.is((await t.throwsAsync(queue.run('new-reporter', job('n3'))) as { code?: string }).code, 'BUSY')
  // The reserve's refill is never refused: it waits (one at a time in practice).
  held.push(queue.run('background', job('x')))
  t.deepEqual(queue.load.waiting, { login: 1, 'new-reporter': 2, background: 1 })
  finishAll()
  await settle()
  finishAll()
  await settle()
  finishAll()
  await Promise.all(held)
  t.is(queue.load.running, 0)
})

test('background work waits while anyone else does, even with a slot free', async (t) => {
  const queue = new DerivationQueue({ concurrency: 2, maxWaitingLogins: 5, maxWaitingNewReporters: 5 })
  const { job, order, finish, finishAll } = jobs()
  t.teardown(finishAll)
  const a = queue.run('login', job('a'))
  const b = queue.run('login', job('b'))
  const c = queue.run('login', job('c'))
  const x = queue.run('background', job('x'))
  await settle()
  t.deepEqual(order, ['a', 'b'])
  finish('a')
  await settle()
  t.deepEqual(order, ['a', 'b', 'c'])
  finish('b')
  await settle()
  t.deepEqual(order, ['a', 'b', 'c', 'x'])
  finish('c')
  finish('x')
  await Promise.all([a, b, c, x])
  // Nothing waiting and a slot free: background work starts at once.
  const y = queue.run('background', job('y'))
  await settle()
  t.deepEqual(order, ['a', 'b', 'c', 'x', 'y'])
  finish('y')
  await y
})

test('a failing job frees its slot for the next in line', async (t) => {
  const queue = new DerivationQueue({ concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 1 })
  const { job, order, finishAll } = jobs()
  t.teardown(finishAll)
  let fail!: (err: Error) => void
  const failing = queue.run('login', () => new Promise<void>((_resolve, reject) => { fail = reject }))
  const next = queue.run('new-reporter', job('n'))
  fail(new Error('boom'))
  await t.throwsAsync(failing, { message: 'boom' })
  await settle()
  t.deepEqual(order, ['n'])
  finishAll()
  await next
  t.throws(() => new DerivationQueue({ concurrency: 0, maxWaitingLogins: 1, maxWaitingNewReporters: 1 }), { instanceOf: RangeError })
})

test('an admission is checked when given and honoured when used: an admitted run waits past the bound, once', async (t) => {
  const queue = new DerivationQueue({ concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 1 })
  const { job, order, finish, finishAll } = jobs()
  t.teardown(finishAll)
  const held = queue.run('login', job('l'))
  const first = queue.admit('new-reporter')
  const second = queue.admit('new-reporter')
  const running = [held, queue.run('new-reporter', job('n'))]
  t.true(queue.full('new-reporter'))
  t.is((t.throws(() => queue.admit('new-reporter')) as { code?: string }).code, 'BUSY')
  // Unchecked: for a request that will probably not need the slot (a reserved codename is ready).
  const unchecked = queue.admit('new-reporter', false)
  running.push(queue.run('new-reporter', job('a1'), first), queue.run('new-reporter', job('a2'), second), queue.run('new-reporter', job('a3'), unchecked))
  t.is(queue.load.waiting['new-reporter'], 4)
  // Without an admission the bound still holds.
  t.is((await t.throwsAsync(queue.run('new-reporter', job('x'))) as { code?: string }).code, 'BUSY')
  // An admission is good once, for its kind, on its own queue.
  await t.throwsAsync(queue.run('new-reporter', job('y'), first), { instanceOf: TypeError })
  await t.throwsAsync(queue.run('login', job('z'), queue.admit('new-reporter', false)), { instanceOf: TypeError })
  await t.throwsAsync(new DerivationQueue().run('new-reporter', job('w'), queue.admit('new-reporter', false)), { instanceOf: TypeError })
  for (const name of ['l', 'n', 'a1', 'a2']) {
    finish(name)
    await settle()
  }
  finish('a3')
  await Promise.all(running)
  t.deepEqual(order, ['l', 'n', 'a1', 'a2', 'a3'])
  t.deepEqual(queue.load.waiting, { login: 0, 'new-reporter': 0, background: 0 })
})
