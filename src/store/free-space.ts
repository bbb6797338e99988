/** How much space is left for the store: the free bytes of the file system that holds DATA_DIR. */
import { statfs } from 'node:fs/promises'

/** Reports the bytes an unprivileged process may still write where `dir` lives. */
export type FreeSpaceProbe = () => Promise<number>

/** The real probe: statfs(2) on `dir` (blocks available to unprivileged users times block size). */
export function freeSpaceProbe (dir: string): FreeSpaceProbe {
  return async () => {
    const stats = await statfs(dir)
    return stats.bavail * stats.bsize
  }
}
