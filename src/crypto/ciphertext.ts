/**
 * Ciphertext is bytes that came out of OpenPGP encryption here. The store
 * accepts only this type (house rule 5), and only this folder can make one, so
 * plaintext cannot reach the store by accident.
 */
declare const brand: unique symbol

/** A chunk of an OpenPGP message, as produced by this module. */
export type Ciphertext = Uint8Array & { readonly [brand]: 'openpgp-ciphertext' }

/** Marks bytes as ciphertext. Only crypto/ may call it; a test enforces that. */
export function asCiphertext (bytes: Uint8Array): Ciphertext {
  return bytes as Ciphertext
}
