// `unix:///path` listen addresses, for both ports: a sidecar or a local proxy reaches the server
// through the filesystem (its permissions are the access control) instead of a TCP port.
import { connect } from 'node:net';
import { lstatSync, unlinkSync } from 'node:fs';

const PREFIX = 'unix://';

/** The socket path of a `unix:///abs/path` address, or undefined for host:port. */
export function unixSocketPath(address: string): string | undefined {
  if (!address.startsWith(PREFIX)) return undefined;
  const path = address.slice(PREFIX.length);
  if (!path.startsWith('/')) throw new Error(`a unix socket address needs an absolute path (unix:///path), got "${address}"`);
  return path;
}

/**
 * A socket file left by a process that died is removed, so a restart can bind; one a live
 * server answers on is left alone (the bind then fails with EADDRINUSE, as a TCP port would).
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket = false;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (!alive) unlinkSync(path);
}
