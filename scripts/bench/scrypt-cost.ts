/** What one codename derivation costs on this machine: node:crypto scrypt with the parameters codenames.ts uses. */
import { scrypt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { median } from './stats.js'

/** Milliseconds of one scrypt derivation at cost N (r = 8, p = 1), median of `times`. */
export async function scryptMs (cost: number, times = 5): Promise<number> {
  const runs: number[] = []
  for (let i = 0; i < times; i++) {
    const started = performance.now()
    await new Promise<void>((resolve, reject) => {
      scrypt('seven words of a benchmark codename here', 'candour/bench\0', 32, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 }, (err) => { if (err === null) resolve(); else reject(err) })
    })
    runs.push(performance.now() - started)
  }
  return median(runs)
}
