/** The verdict on one key, as `keys check` and `transfer` print it. */
import type { InspectedKey } from '../../crypto/unit-keys.js'

function algorithm (key: InspectedKey): string {
  if (key.algorithm === 'rsa') return 'RSA'
  if (key.algorithm.includes('25519')) return `Curve25519 (${key.algorithm})`
  return key.algorithm
}

function size (key: InspectedKey): string {
  if (key.bits !== undefined) return `${key.bits} bits`
  return key.algorithm.includes('25519') ? '255 bits' : 'unknown'
}

/** The lines describing one key: fingerprint, user ids, algorithm, size, expiry, problems and verdict; `expiresSoon` adds a warning. */
export function keyLines (key: InspectedKey, expiresSoon?: { readonly date: string; readonly days: number }): string[] {
  return [
    `  fingerprint: ${key.fingerprint}`,
    ...key.userIds.map((id) => `  user id: ${id}`),
    `  algorithm: ${algorithm(key)}`,
    `  size: ${size(key)}`,
    `  expires: ${key.expires ?? 'never'}`,
    ...(expiresSoon === undefined || key.problems.length > 0 ? [] : [`  WARNING: expires on ${expiresSoon.date}, within ${expiresSoon.days} days: make a new key and send its public half to the operator now`]),
    ...(key.problems.length === 0 ? ['  problems: none'] : key.problems.map((problem) => `  problem: ${problem}`)),
    `  verdict: ${key.problems.length === 0 ? 'usable' : 'UNUSABLE'}`,
  ]
}
