/** Tor client-authorisation keys: base32 as RFC 4648 says, x25519 as RFC 7748 says, v3 addresses with their checksum. */
import test from 'ava'
import { authFileLine, authPrivateFileLine, base32Decode, base32Encode, generateOnionClientKeys, onionClientPublicKey, parseOnionAddress } from '../../src/crypto/onion-client-auth.js'

// The Tor Project's own v3 onion address (torproject.org).
const ONION = '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid'

test('base32 matches the RFC 4648 test vectors (no padding) and round-trips', (t) => {
  const vectors: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']]
  for (const [plain, encoded] of vectors) {
    t.is(base32Encode(Buffer.from(plain)), encoded)
    t.is(base32Decode(encoded.toUpperCase())?.toString(), plain)
  }
  t.is(base32Decode('mzxw6ytb1'), undefined)
  t.is(base32Decode('mzxw6yr'), undefined, 'non-zero padding bits are refused')
})

test('the public half is x25519 of the secret half (RFC 7748 section 6.1)', (t) => {
  const secret = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex')
  t.is(onionClientPublicKey(secret).toString('hex'), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
  const keys = generateOnionClientKeys()
  t.true(onionClientPublicKey(keys.secretKey).equals(keys.publicKey))
  t.false(generateOnionClientKeys().secretKey.equals(keys.secretKey))
})

test('v3 onion addresses are checked, checksum included', (t) => {
  t.is(parseOnionAddress(`${ONION}.onion`), ONION)
  t.is(parseOnionAddress(ONION.toUpperCase()), ONION)
  t.is(parseOnionAddress(ONION.slice(0, -1) + 'a'), undefined, 'a one-letter typo breaks the checksum')
  t.is(parseOnionAddress('expyuzz4wqqyqhjn.onion'), undefined, 'v2 addresses are gone')
  t.is(parseOnionAddress('127.0.0.1'), undefined)
})

test('the two file lines have Tor\'s formats', (t) => {
  const keys = generateOnionClientKeys()
  t.regex(authFileLine(keys), /^descriptor:x25519:[A-Z2-7]{52}$/)
  const line = authPrivateFileLine(`${ONION}.onion`, keys)
  t.regex(line, new RegExp(`^${ONION}:descriptor:x25519:[A-Z2-7]{52}$`))
  t.true(base32Decode(line.split(':')[3]!)!.equals(keys.secretKey))
  t.true(base32Decode(authFileLine(keys).split(':')[2]!)!.equals(keys.publicKey))
})
