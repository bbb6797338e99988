/** Opening the store from the command line, whether or not the server is running. */
import { isCandourError } from '../errors.js'
import { connectControl } from './control.js'
import type { Kv } from './kv.js'
import { openLevelKv } from './level-kv.js'

/** How the store was reached. */
export type StoreAccess = 'direct' | 'control-socket'

/** Opens the store directly, or through the running server's control socket when the server holds the lock. */
export async function openStoreAnyway (dataDir: string): Promise<{ kv: Kv; access: StoreAccess }> {
  try {
    return { kv: await openLevelKv(dataDir), access: 'direct' }
  } catch (err) {
    if (!isCandourError(err, 'STORE_LOCKED')) throw err
    return { kv: await connectControl(dataDir), access: 'control-socket' }
  }
}
