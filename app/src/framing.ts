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
 */
interface ConnectionManagerState {
  pendingBuffer: Buffer | null;
  socket?: { destroy(): void } | null;
}

export interface ConnectionManagerPrototype {
  onSocketConnected(this: ConnectionManagerState, ...args: unknown[]): unknown;
  onSocketData(this: ConnectionManagerState, buffer: Buffer): unknown;
}

const HARDENED = Symbol.for('zk-client-app.framing-hardened');

export function hardenConnectionManager(prototype: ConnectionManagerPrototype): void {
  const marked = prototype as ConnectionManagerPrototype & { [HARDENED]?: boolean };
  if (marked[HARDENED]) return;
  const onConnected = prototype.onSocketConnected;
  const onData = prototype.onSocketData;
  prototype.onSocketConnected = function (this: ConnectionManagerState, ...args: unknown[]) {
    this.pendingBuffer = null;
    return onConnected.apply(this, args);
  };
  prototype.onSocketData = function (this: ConnectionManagerState, buffer: Buffer) {
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
