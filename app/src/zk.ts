/**
 * ZooKeeper session management.
 *
 * node-zookeeper-client reconnects by itself while a session is alive (the
 * server list is retried forever) and re-registers watches on reconnect. A
 * session that EXPIRES (or fails authentication) is dead for good: the client
 * closes, so this class creates a fresh client with exponential backoff and
 * announces the new "generation". Components listen for `connected` and
 * re-create their ephemeral znodes and watches from scratch each time.
 */
import { EventEmitter } from 'node:events';
import * as zookeeper from 'node-zookeeper-client';
import type { ACL, Client } from 'node-zookeeper-client';
import type { DigestAuth } from './acl';
import { BackoffOptions, DEFAULT_BACKOFF, backoffDelay } from './backoff';
import { ZkServer, formatConnectString } from './config';
import type { Logger } from './log';
import { errorFields } from './log';
import type { AppMetrics } from './metrics';
import { exists, mkdirp, withTimeout } from './zkOps';
import { hardenConnectionManager, libraryConnectionManager } from './framing';

hardenConnectionManager(libraryConnectionManager(require));

export type ClientFactory = (
  connectionString: string,
  options: { sessionTimeout: number; spinDelay: number },
) => Client;

export interface ZkSessionOptions {
  servers: ZkServer[];
  chroot: string | null;
  sessionTimeoutMs: number;
  auth: DigestAuth | null;
  acls: ACL[];
  logger: Logger;
  metrics: AppMetrics;
  createClient?: ClientFactory;
  backoff?: BackoffOptions;
  random?: () => number;
  /** Delay between rounds over the server list while (re)connecting. */
  spinDelayMs?: number;
  /** Access to the client's TCP connection (defaults to node-zookeeper-client internals). */
  transport?: TransportHooks;
}

/**
 * node-zookeeper-client has no read timeout: if a server stops answering
 * without closing the TCP connection (frozen process, black-holed network)
 * the client stays "connected" forever, and it waits forever for the
 * handshake reply of a new connection. ZkSession therefore runs its own
 * watchdog (like the Java client's read/connect timeouts) and uses these
 * hooks to drop a dead connection so the library reconnects.
 */
export interface TransportHooks {
  /** Destroys the client's current TCP connection; false if there was none. */
  dropConnection(client: Client): boolean;
  /** The client's socket if TCP-connected (session handshake possibly pending), else null. */
  openSocket(client: Client): object | null;
}

interface LibrarySocket {
  destroy(): void;
  destroyed: boolean;
  connecting: boolean;
}

/** Reaches into node-zookeeper-client 1.1.3's ConnectionManager (version pinned exactly). */
function librarySocket(client: Client): LibrarySocket | null {
  const cm = (client as unknown as { connectionManager?: { socket?: LibrarySocket } }).connectionManager;
  const sock = cm?.socket;
  return sock && typeof sock.destroy === 'function' ? sock : null;
}

export const libraryTransport: TransportHooks = {
  dropConnection(client) {
    const sock = librarySocket(client);
    if (!sock || sock.destroyed) return false;
    sock.destroy();
    return true;
  },
  openSocket(client) {
    const sock = librarySocket(client);
    return sock && !sock.connecting && !sock.destroyed ? sock : null;
  },
};

export interface LivenessTimeouts {
  /** How often the watchdog runs (and sends a probe while connected and none is outstanding). */
  probeIntervalMs: number;
  /** Nothing heard from the server for this long means the connection is dead. */
  readTimeoutMs: number;
  /** A TCP connection without a session handshake reply for this long is dropped. */
  connectTimeoutMs: number;
}

/**
 * Watchdog timing for a negotiated session timeout t. While healthy, probe
 * answers arrive every ~t/10, so a dead connection is detected within
 * readTimeout + probeInterval = 0.6 t of the last answer: well before the
 * server can expire the session (>= t after the last packet it received)
 * and let another replica take over leadership.
 */
export function livenessTimeouts(sessionTimeoutMs: number, serverCount: number): LivenessTimeouts {
  const t = Math.max(1, sessionTimeoutMs);
  return {
    probeIntervalMs: Math.max(50, Math.floor(t / 10)),
    readTimeoutMs: Math.max(100, Math.floor(t / 2)),
    connectTimeoutMs: Math.max(1000, Math.floor(t / Math.max(1, serverCount))),
  };
}

export interface SessionSnapshot {
  client: Client;
  generation: number;
}

/** Maps a client state to the label used for zk_app_session_events_total. */
export function sessionEventName(state: { name: string }): string {
  switch (state.name) {
    case 'SYNC_CONNECTED':
      return 'connected';
    case 'DISCONNECTED':
      return 'disconnected';
    case 'EXPIRED':
      return 'expired';
    case 'AUTH_FAILED':
      return 'auth_failed';
    case 'CONNECTED_READ_ONLY':
      return 'connected_read_only';
    case 'SASL_AUTHENTICATED':
      return 'sasl_authenticated';
    default:
      return state.name.toLowerCase();
  }
}

/** Only a read-write SyncConnected session counts as healthy. */
export function isHealthyState(state: { name: string } | null | undefined): boolean {
  return state?.name === 'SYNC_CONNECTED';
}

export declare interface ZkSession {
  on(event: 'connected', listener: (snap: SessionSnapshot, info: { newSession: boolean }) => void): this;
  on(event: 'disconnected' | 'expired' | 'closed', listener: () => void): this;
}

export class ZkSession extends EventEmitter {
  private readonly createClient: ClientFactory;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly spinDelayMs: number;
  private client: Client | null = null;
  private gen = 0;
  private connected = false;
  private everConnected = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private started = false;
  private readonly transport: TransportHooks;
  private watchdog: NodeJS.Timeout | null = null;
  private probe: object | null = null;
  /** When the server last answered the current connection (handshake or probe). */
  private lastHeard = 0;
  private stuck: { socket: object; since: number } | null = null;

  constructor(private readonly opts: ZkSessionOptions) {
    super();
    this.createClient = opts.createClient ?? ((cs, o) => zookeeper.createClient(cs, o));
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.random = opts.random ?? Math.random;
    this.spinDelayMs = opts.spinDelayMs ?? 1000;
    this.transport = opts.transport ?? libraryTransport;
  }

  get generation(): number {
    return this.gen;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** The current client and generation while connected, else null. */
  current(): SessionSnapshot | null {
    return this.connected && this.client ? { client: this.client, generation: this.gen } : null;
  }

  /** The session id of the current client as hex, for logs. */
  sessionIdHex(): string | null {
    try {
      return this.client ? this.client.getSessionId().toString('hex') : null;
    } catch {
      return null;
    }
  }

  start(): void {
    if (this.started) throw new Error('ZkSession already started');
    this.started = true;
    void this.openSession();
  }

  private connectString(withChroot: boolean): string {
    return formatConnectString({ servers: this.opts.servers, chroot: withChroot ? this.opts.chroot : null });
  }

  private scheduleReopen(reason: string): void {
    if (this.closing) return;
    const delay = backoffDelay(this.failures, this.backoff, this.random);
    this.failures += 1;
    this.opts.logger.info('zk_session_reopen_scheduled', { reason, delayMs: delay, attempt: this.failures });
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.openSession();
    }, delay);
  }

  /**
   * With a chroot in the connection string, the chroot node itself must exist
   * before any operation through the chrooted client can succeed; create it
   * with a short-lived client that has no chroot.
   */
  private async ensureChroot(): Promise<void> {
    const chroot = this.opts.chroot;
    if (chroot === null) return;
    const client = this.createClient(this.connectString(false), {
      sessionTimeout: this.opts.sessionTimeoutMs,
      spinDelay: this.spinDelayMs,
    });
    let ok = false;
    try {
      if (this.opts.auth) {
        client.addAuthInfo('digest', Buffer.from(`${this.opts.auth.user}:${this.opts.auth.password}`));
      }
      const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
      client.connect();
      const waitMs = Math.max(this.opts.sessionTimeoutMs, 5000);
      await withTimeout(connected, waitMs, 'connecting to create the chroot');
      await withTimeout(mkdirp(client, chroot, this.opts.acls), waitMs, `creating chroot ${chroot}`);
      this.opts.logger.info('zk_chroot_ready', { chroot });
      ok = true;
    } finally {
      client.close();
      // A failed attempt may sit on a hung connection the close request never gets through.
      if (!ok) this.transport.dropConnection(client);
    }
  }

  private async openSession(): Promise<void> {
    if (this.closing) return;
    try {
      await this.ensureChroot();
    } catch (err) {
      this.opts.logger.warn('zk_chroot_failed', { chroot: this.opts.chroot, ...errorFields(err) });
      this.scheduleReopen('chroot_failed');
      return;
    }
    if (this.closing) return;

    const generation = ++this.gen;
    const client = this.createClient(this.connectString(true), {
      sessionTimeout: this.opts.sessionTimeoutMs,
      spinDelay: this.spinDelayMs,
    });
    this.client = client;
    this.everConnected = false;
    if (this.opts.auth) {
      client.addAuthInfo('digest', Buffer.from(`${this.opts.auth.user}:${this.opts.auth.password}`));
    }
    client.on('state', (state: zookeeper.State) => this.onState(generation, client, state));
    this.startWatchdog();
    this.opts.metrics.sessionEvents.inc({ event: 'client_created' });
    this.opts.logger.info('zk_client_created', {
      generation,
      connect: this.connectString(true),
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      auth: this.opts.auth ? 'digest' : 'none',
    });
    client.connect();
  }

  private onState(generation: number, client: Client, state: zookeeper.State): void {
    if (generation !== this.gen || client !== this.client) return; // a retired client
    const event = sessionEventName(state);
    this.opts.metrics.sessionEvents.inc({ event });
    const healthy = isHealthyState(state);
    if (!this.closing || !healthy) {
      this.connected = healthy && !this.closing;
    }
    this.opts.metrics.sessionState.set(this.connected ? 1 : 0);

    switch (state.name) {
      case 'SYNC_CONNECTED': {
        if (this.closing) return;
        const newSession = !this.everConnected;
        this.everConnected = true;
        this.lastHeard = Date.now();
        this.probe = null;
        this.failures = 0;
        this.opts.logger.info('zk_connected', {
          generation,
          sessionId: this.sessionIdHex(),
          newSession,
          negotiatedTimeoutMs: client.getSessionTimeout(),
        });
        this.emit('connected', { client, generation }, { newSession });
        return;
      }
      case 'DISCONNECTED':
        if (this.closing) return;
        this.opts.logger.warn('zk_disconnected', { generation, sessionId: this.sessionIdHex() });
        this.emit('disconnected');
        return;
      case 'EXPIRED':
      case 'AUTH_FAILED': {
        const reason = event;
        this.opts.logger[reason === 'expired' ? 'warn' : 'error']('zk_session_lost', {
          generation,
          reason,
          sessionId: this.sessionIdHex(),
        });
        this.retire(client);
        this.emit('expired');
        this.scheduleReopen(reason);
        return;
      }
      default:
        this.opts.logger.warn('zk_state', { generation, state: state.name });
    }
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    const t = livenessTimeouts(this.opts.sessionTimeoutMs, this.opts.servers.length);
    this.watchdog = setInterval(() => this.watchdogTick(), t.probeIntervalMs);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.probe = null;
    this.stuck = null;
  }

  /** One watchdog round; see TransportHooks for why this exists. */
  private watchdogTick(): void {
    const client = this.client;
    if (!client || this.closing) return;
    const generation = this.gen;
    const negotiated = client.getSessionTimeout() || this.opts.sessionTimeoutMs;
    const t = livenessTimeouts(negotiated, this.opts.servers.length);
    const now = Date.now();

    if (this.connected) {
      this.stuck = null;
      if (now - this.lastHeard > t.readTimeoutMs) {
        this.probe = null;
        this.opts.metrics.sessionEvents.inc({ event: 'read_timeout' });
        this.opts.logger.warn('zk_unresponsive', {
          generation,
          sessionId: this.sessionIdHex(),
          silentForMs: now - this.lastHeard,
          readTimeoutMs: t.readTimeoutMs,
        });
        this.markDisconnected();
        this.transport.dropConnection(client);
        return;
      }
      if (this.probe) return; // one probe at a time
      const probe = {};
      this.probe = probe;
      const answered = (): void => {
        if (this.probe === probe) this.probe = null;
      };
      exists(client, '/').then(() => {
        answered();
        if (client !== this.client || this.closing) return;
        this.lastHeard = Date.now();
        // The watchdog gave up on this connection but could not drop it, and it answered after all.
        if (!this.connected && isHealthyState(client.getState())) {
          this.connected = true;
          this.opts.metrics.sessionState.set(1);
          this.opts.logger.info('zk_responsive_again', { generation });
          this.emit('connected', { client, generation }, { newSession: false });
        }
      }, answered);
      return;
    }

    // Not connected: the library is reconnecting. Drop a TCP connection whose handshake hangs.
    this.probe = null;
    const sock = this.transport.openSocket(client);
    if (!sock) {
      this.stuck = null;
    } else if (!this.stuck || this.stuck.socket !== sock) {
      this.stuck = { socket: sock, since: now };
    } else if (now - this.stuck.since > t.connectTimeoutMs) {
      this.stuck = null;
      this.opts.metrics.sessionEvents.inc({ event: 'connect_timeout' });
      this.opts.logger.warn('zk_handshake_timeout', { generation, connectTimeoutMs: t.connectTimeoutMs });
      this.transport.dropConnection(client);
    }
  }

  private markDisconnected(): void {
    if (!this.connected) return;
    this.connected = false;
    this.opts.metrics.sessionState.set(0);
    this.emit('disconnected');
  }

  private retire(client: Client): void {
    this.stopWatchdog();
    this.connected = false;
    this.opts.metrics.sessionState.set(0);
    if (this.client === client) this.client = null;
    try {
      client.close();
    } catch {
      // already closed
    }
  }

  /**
   * Closes the session so the server deletes this replica's ephemeral nodes
   * at once. Resolves when the close round-trip finished or after timeoutMs.
   */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopWatchdog();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const client = this.client;
    const wasConnected = this.connected;
    this.connected = false;
    this.opts.metrics.sessionState.set(0);
    if (!client) {
      this.emit('closed');
      return;
    }
    const done = new Promise<void>((resolve) => {
      const onState = (state: zookeeper.State) => {
        if (state.name !== 'SYNC_CONNECTED') {
          client.removeListener('state', onState);
          resolve();
        }
      };
      client.on('state', onState);
    });
    client.close();
    if (!wasConnected) this.transport.dropConnection(client); // may sit on a hung handshake
    if (wasConnected) {
      try {
        await withTimeout(done, timeoutMs, 'closing the ZooKeeper session');
      } catch (err) {
        this.opts.logger.warn('zk_close_timeout', errorFields(err));
        this.transport.dropConnection(client);
      }
    }
    this.client = null;
    this.opts.logger.info('zk_closed', { generation: this.gen });
    this.emit('closed');
  }
}
