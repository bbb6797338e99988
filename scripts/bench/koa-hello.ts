/**
 * The reference server of the page scenario: bare Koa answering "hello world"
 * on a loopback port, started as a child process exactly like Candour, and
 * printing the same "listening on" line.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'

const app = new Koa()
app.use((ctx) => { ctx.body = 'hello world' })
const server = http.createServer(app.callback())
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stderr.write(`koa-hello: listening on http://127.0.0.1:${port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
