/**
 * Client authorisation for a v3 onion service (Tor's rend-spec-v3, "client
 * authorization"): an x25519 key pair whose public half the service lists in
 * `authorized_clients/<name>.auth` and whose secret half the reviewer's Tor
 * Browser holds as `<name>.auth_private`. Without it, Tor cannot even decrypt
 * the service's descriptor, so the workspace's login page is unreachable.
 * node:crypto does the x25519 work; only the file formats live here.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { CandourError } from '../errors.js'

// PKCS#8 wrapping of a raw x25519 secret key (RFC 8410), so that node:crypto can read one.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32 without padding, lower case (as Tor writes onion addresses). */
export function base32Encode (bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/** RFC 4648 base32 without padding, either case; undefined when `text` is not base32. */
export function base32Decode (text: string): Buffer | undefined {
  const bytes: number[] = []
  let bits = 0
  let value = 0
  for (const char of text.toLowerCase()) {
    const index = ALPHABET.indexOf(char)
    if (index < 0) return undefined
    value = (value << 5) | index
    bits += 5
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255)
      bits -= 8
    }
    value &= (1 << bits) - 1
  }
  // Leftover bits must be zero padding, or the text was cut or altered.
  if (value !== 0) return undefined
  return Buffer.from(bytes)
}

/**
 * The 56-character v3 onion address (without `.onion`) when `address` is one:
 * base32 of public key, two checksum bytes and version 3, with the checksum
 * SHA3-256(".onion checksum" | key | version) checked, so a typo is caught here
 * and not by a reviewer's browser that silently never connects.
 */
export function parseOnionAddress (address: string): string | undefined {
  const name = address.trim().toLowerCase().replace(/\.onion$/, '')
  if (!/^[a-z2-7]{56}$/.test(name)) return undefined
  const raw = base32Decode(name)
  if (raw === undefined || raw.length !== 35 || raw[34] !== 3) return undefined
  const checksum = createHash('sha3-256').update('.onion checksum').update(raw.subarray(0, 32)).update(raw.subarray(34)).digest()
  return checksum[0] === raw[32] && checksum[1] === raw[33] ? name : undefined
}

/** An x25519 client key pair as raw 32-byte halves. */
export interface OnionClientKeys {
  readonly publicKey: Buffer
  readonly secretKey: Buffer
}

/** Makes a fresh x25519 key pair. */
export function generateOnionClientKeys (): OnionClientKeys {
  const { publicKey, privateKey } = generateKeyPairSync('x25519')
  const pub = publicKey.export({ format: 'jwk' })
  const priv = privateKey.export({ format: 'jwk' })
  return { publicKey: Buffer.from(pub.x!, 'base64url'), secretKey: Buffer.from(priv.d!, 'base64url') }
}

/** The public half that belongs to a secret half (x25519 scalar multiplication by node:crypto). */
export function onionClientPublicKey (secretKey: Uint8Array): Buffer {
  if (secretKey.length !== 32) throw new TypeError('an x25519 secret key has 32 bytes')
  const der = Buffer.concat([PKCS8_X25519_PREFIX, secretKey])
  const key = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }))
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url')
}

/** The line of the service's `authorized_clients/<name>.auth` file. */
export function authFileLine (keys: Pick<OnionClientKeys, 'publicKey'>): string {
  return `descriptor:x25519:${base32Encode(keys.publicKey).toUpperCase()}`
}

/** The line of the client's `<name>.auth_private` file (Tor Browser, or a tor's ClientOnionAuthDir). */
export function authPrivateFileLine (onionAddress: string, keys: Pick<OnionClientKeys, 'secretKey'>): string {
  const name = parseOnionAddress(onionAddress)
  if (name === undefined) throw new CandourError('VALIDATION_FAILED', 'not a v3 onion address', { detail: { field: 'onion' } })
  return `${name}:descriptor:x25519:${base32Encode(keys.secretKey).toUpperCase()}`
}
