/** The site's cookies: session cookies only (no Expires, no Max-Age), HttpOnly, SameSite=Strict. */

/** The value of cookie `name` in a Cookie header, if it is a well-formed random handle. */
export function readHandle (header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === name && value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value)) return value
  }
  return undefined
}

/** A Set-Cookie value that lives until the browser closes. */
export function sessionCookie (name: string, value: string, options: { path: string; secure: boolean }): string {
  return `${name}=${value}; Path=${options.path}; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`
}

/** A Set-Cookie value that removes the cookie. */
export function clearedCookie (name: string, options: { path: string; secure: boolean }): string {
  return `${name}=; Path=${options.path}; Max-Age=0; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`
}
