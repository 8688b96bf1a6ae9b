/**
 * node-zookeeper-client 1.1.3 keeps the bytes of a half-received reply
 * (`pendingBuffer`) when its connection drops, and prepends them to the first
 * bytes of the next connection. Every reply after that is read at the wrong
 * offset; as soon as a garbage error code comes up, `Exception.create` throws
 * inside the socket's data handler and takes the whole process down (seen in
 * the fault suite after a majority kill: "Unknown code: -1803223040").
 *
 * hardenConnectionManager starts every connection with an empty buffer, and
 * turns a reply the library cannot parse into a dropped connection, which the
 * library already handles: pending requests fail with CONNECTION_LOSS and it
 * reconnects.
 *
 * It also bounds the handshake. The library stops its connect timer once TCP
 * connects and sets no other until the server answers the ConnectRequest, so
 * a server that accepted the connection but does not answer holds the client
 * forever. A ZooKeeper server that is starting does exactly that: it binds the
 * client port, then loads its data (seconds), and only then reads. Like the
 * Java client, the hardened one gives the whole handshake the library's
 * connect timeout (session timeout / number of servers) and then tries the
 * next server.
 */
const HARDENED = Symbol.for('zk-client-app.framing-hardened');
const HANDSHAKE_TIMER = Symbol('zk-client-app.handshake-timer');

interface ConnectionManagerState {
  pendingBuffer: Buffer | null;
  socket?: { destroy(): void } | null;
  /** The library's connect timeout, ms (session timeout / number of servers). */
  connectTimeout?: number;
  [HANDSHAKE_TIMER]?: NodeJS.Timeout;
}

/** Handshake timeout should a library version not set `connectTimeout` (1.1.3 always does). */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 3000;

export interface ConnectionManagerPrototype {
  onSocketConnected(this: ConnectionManagerState, ...args: unknown[]): unknown;
  onSocketData(this: ConnectionManagerState, buffer: Buffer): unknown;
}

export function hardenConnectionManager(prototype: ConnectionManagerPrototype): void {
  const marked = prototype as ConnectionManagerPrototype & { [HARDENED]?: boolean };
  if (marked[HARDENED]) return;
  const onConnected = prototype.onSocketConnected;
  const onData = prototype.onSocketData;
  prototype.onSocketConnected = function (this: ConnectionManagerState, ...args: unknown[]) {
    this.pendingBuffer = null;
    const result = onConnected.apply(this, args);
    const socket = this.socket;
    clearTimeout(this[HANDSHAKE_TIMER]);
    this[HANDSHAKE_TIMER] = setTimeout(() => {
      // Only the connection it was started for: a newer one has its own timer.
      if (this.socket === socket) socket?.destroy();
    }, this.connectTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this[HANDSHAKE_TIMER].unref();
    return result;
  };
  prototype.onSocketData = function (this: ConnectionManagerState, buffer: Buffer) {
    // Any answer ends the handshake: the first one is the ConnectResponse.
    clearTimeout(this[HANDSHAKE_TIMER]);
    try {
      return onData.call(this, buffer);
    } catch {
      this.pendingBuffer = null;
      this.socket?.destroy();
      return undefined;
    }
  };
  marked[HARDENED] = true;
}

/** The prototype of the library's ConnectionManager, as resolved from the caller's node_modules. */
export function libraryConnectionManager(load: (id: string) => unknown): ConnectionManagerPrototype {
  const ctor = load('node-zookeeper-client/lib/ConnectionManager') as { prototype?: ConnectionManagerPrototype };
  if (typeof ctor?.prototype?.onSocketData !== 'function' || typeof ctor.prototype.onSocketConnected !== 'function') {
    throw new Error('node-zookeeper-client has no ConnectionManager.onSocketData/onSocketConnected: check the pinned version');
  }
  return ctor.prototype;
}
