/**
 * Environment validation. Everything here is pure: `parseEnv` takes the
 * environment as an argument and returns either a typed configuration or a
 * list of errors that each name the variable, the value given and what is
 * allowed. `main.ts` turns errors into exit code 2.
 */
import { z } from 'zod';

export interface ZkServer {
  host: string;
  port: number;
}

export interface ConnectString {
  servers: ZkServer[];
  /** Chroot suffix such as "/myapp", or null when none was given. */
  chroot: string | null;
}

export interface AppEnv {
  /** The connection string exactly as given (servers plus optional chroot). */
  zookeeperConnect: string;
  servers: ZkServer[];
  chroot: string | null;
  port: number;
  sessionTimeoutMs: number;
  configZnode: string;
  membersZnode: string;
  electionZnode: string;
  replicaId: string;
  advertisedHost: string;
  authFile: string | null;
}

export interface EnvError {
  variable: string;
  /** The raw value given, or undefined when the variable was unset. */
  value: string | undefined;
  /** Why the value was rejected. */
  problem: string;
  /** Human description of what is allowed. */
  allowed: string;
}

export type ParseEnvResult = { ok: true; env: AppEnv } | { ok: false; errors: EnvError[] };

export const DEFAULTS = {
  PORT: 8080,
  ZOOKEEPER_SESSION_TIMEOUT_MS: 10000,
  APP_CONFIG_ZNODE: '/app/config',
  APP_MEMBERS_ZNODE: '/app/members',
  APP_ELECTION_ZNODE: '/app/election',
} as const;

export const SESSION_TIMEOUT_MIN_MS = 1000;
export const SESSION_TIMEOUT_MAX_MS = 600000;
const DEFAULT_ZK_PORT = 2181;

/** What each variable accepts; used verbatim in error messages and the README. */
export const ALLOWED: Record<string, string> = {
  ZOOKEEPER_CONNECT:
    'a comma-separated list of host[:port] entries (port 1-65535, default 2181) with an optional ' +
    'chroot suffix, e.g. "zk-1:2181,zk-2:2181,zk-3:2181" or "zk-1:2181,zk-2:2181/myapp"',
  PORT: 'an integer TCP port from 1 to 65535 (default 8080)',
  ZOOKEEPER_SESSION_TIMEOUT_MS: `an integer number of milliseconds from ${SESSION_TIMEOUT_MIN_MS} to ${SESSION_TIMEOUT_MAX_MS} (default 10000)`,
  APP_CONFIG_ZNODE:
    'an absolute znode path such as "/app/config" (no trailing "/", no empty, "." or ".." segments, not under /zookeeper)',
  APP_MEMBERS_ZNODE:
    'an absolute znode path such as "/app/members" (no trailing "/", no empty, "." or ".." segments, not under /zookeeper), distinct from APP_ELECTION_ZNODE and not nested with it',
  APP_ELECTION_ZNODE:
    'an absolute znode path such as "/app/election" (no trailing "/", no empty, "." or ".." segments, not under /zookeeper), distinct from APP_MEMBERS_ZNODE and not nested with it',
  REPLICA_ID: '1 to 128 printable ASCII characters without spaces (default: the host name)',
  APP_ADVERTISED_HOST: '1 to 253 characters of letters, digits, ".", "-", "_" or ":" (default: the host name)',
  ZOOKEEPER_AUTH_FILE: 'a path to a readable file containing "user:password" (optional)',
};

const HOST_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/**
 * Validates a znode path the way ZooKeeper's PathUtils does (plus the rule
 * that the app never uses the reserved /zookeeper subtree).
 * Returns null when valid, otherwise the reason.
 */
export function znodePathProblem(path: string, allowRoot = false): string | null {
  if (path.length === 0) return 'path is empty';
  if (!path.startsWith('/')) return 'path must start with "/"';
  if (path === '/') return allowRoot ? null : 'the root "/" is not allowed here';
  if (path.endsWith('/')) return 'path must not end with "/"';
  const segments = path.slice(1).split('/');
  for (const seg of segments) {
    if (seg === '') return 'path must not contain an empty segment ("//")';
    if (seg === '.' || seg === '..') return 'path must not contain "." or ".." segments';
  }
  // Characters ZooKeeper rejects in paths.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(path)) {
    return 'path contains a character ZooKeeper does not allow';
  }
  if (path === '/zookeeper' || path.startsWith('/zookeeper/')) {
    return 'the /zookeeper subtree is reserved';
  }
  return null;
}

/** True when `a` equals `b` or one is an ancestor of the other. */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
}

/**
 * Parses a ZooKeeper connection string ("h1:p1,h2:p2/chroot").
 * Returns the parsed form or a string describing the problem.
 */
export function parseConnectString(raw: string): ConnectString | string {
  const s = raw.trim();
  if (s === '') return 'value is empty';
  const slash = s.indexOf('/');
  const hostPart = slash === -1 ? s : s.slice(0, slash);
  const chroot = slash === -1 ? null : s.slice(slash);
  if (hostPart === '') return 'no servers given before the chroot';
  const servers: ZkServer[] = [];
  for (const entry of hostPart.split(',')) {
    if (entry === '') return 'empty server entry (check for doubled or trailing commas)';
    const parts = entry.split(':');
    if (parts.length > 2) return `server entry "${entry}" has more than one ":" (IPv6 literals are not supported)`;
    const host = parts[0];
    if (!HOST_RE.test(host)) return `server entry "${entry}" has an invalid host name`;
    let port = DEFAULT_ZK_PORT;
    if (parts.length === 2) {
      if (!/^\d{1,5}$/.test(parts[1])) return `server entry "${entry}" has a non-numeric port`;
      port = Number(parts[1]);
      if (port < 1 || port > 65535) return `server entry "${entry}" has a port outside 1-65535`;
    }
    servers.push({ host, port });
  }
  if (chroot !== null) {
    const problem = znodePathProblem(chroot);
    if (problem) return `chroot "${chroot}" is invalid: ${problem}`;
  }
  return { servers, chroot };
}

/** Formats a parsed connection string back into the canonical textual form. */
export function formatConnectString(cs: ConnectString): string {
  return cs.servers.map((s) => `${s.host}:${s.port}`).join(',') + (cs.chroot ?? '');
}

/** Parses the content of ZOOKEEPER_AUTH_FILE ("user:password", surrounding whitespace ignored). */
export function parseAuthFile(content: string): { user: string; password: string } | string {
  const text = content.trim();
  const idx = text.indexOf(':');
  if (idx === -1) return 'content must be "user:password" (no ":" found)';
  const user = text.slice(0, idx);
  const password = text.slice(idx + 1);
  if (user === '') return 'user name before ":" is empty';
  if (password === '') return 'password after ":" is empty';
  if (/[\r\n]/.test(text)) return 'content must be a single line';
  return { user, password };
}

// ---- zod schema -----------------------------------------------------------

/** Treats unset and empty-string variables alike (as "use the default"). */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function intVar(min: number, max: number, def: number) {
  return optionalString.transform((v, ctx) => {
    if (v === undefined) return def;
    if (!/^\d+$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'not a whole number' });
      return z.NEVER;
    }
    const n = Number(v);
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `out of range ${min}-${max}` });
      return z.NEVER;
    }
    return n;
  });
}

function znodeVar(def: string) {
  return optionalString.transform((v, ctx) => {
    const path = v ?? def;
    const problem = znodePathProblem(path);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return path;
  });
}

function buildSchema(hostname: string) {
  return z
    .object({
      ZOOKEEPER_CONNECT: z
        .string({ error: 'is required but not set' })
        .transform((v, ctx) => {
          const parsed = parseConnectString(v);
          if (typeof parsed === 'string') {
            ctx.addIssue({ code: 'custom', message: parsed });
            return z.NEVER;
          }
          return { raw: v.trim(), ...parsed };
        }),
      PORT: intVar(1, 65535, DEFAULTS.PORT),
      ZOOKEEPER_SESSION_TIMEOUT_MS: intVar(
        SESSION_TIMEOUT_MIN_MS,
        SESSION_TIMEOUT_MAX_MS,
        DEFAULTS.ZOOKEEPER_SESSION_TIMEOUT_MS,
      ),
      APP_CONFIG_ZNODE: znodeVar(DEFAULTS.APP_CONFIG_ZNODE),
      APP_MEMBERS_ZNODE: znodeVar(DEFAULTS.APP_MEMBERS_ZNODE),
      APP_ELECTION_ZNODE: znodeVar(DEFAULTS.APP_ELECTION_ZNODE),
      REPLICA_ID: optionalString.transform((v, ctx) => {
        const id = v ?? hostname;
        if (!/^[\x21-\x7e]{1,128}$/.test(id)) {
          ctx.addIssue({ code: 'custom', message: 'must be 1-128 printable ASCII characters without spaces' });
          return z.NEVER;
        }
        return id;
      }),
      APP_ADVERTISED_HOST: optionalString.transform((v, ctx) => {
        const host = v ?? hostname;
        if (!/^[A-Za-z0-9._:-]{1,253}$/.test(host)) {
          ctx.addIssue({ code: 'custom', message: 'contains characters that are not allowed in a host name' });
          return z.NEVER;
        }
        return host;
      }),
      ZOOKEEPER_AUTH_FILE: optionalString,
    })
    .superRefine((v, ctx) => {
      if (pathsOverlap(v.APP_MEMBERS_ZNODE, v.APP_ELECTION_ZNODE)) {
        ctx.addIssue({
          code: 'custom',
          path: ['APP_ELECTION_ZNODE'],
          message: `must not equal or be nested with APP_MEMBERS_ZNODE (${v.APP_MEMBERS_ZNODE})`,
        });
      }
    });
}

/** Renders one error as a single line naming variable, value and what is allowed. */
export function formatEnvError(e: EnvError): string {
  const shown = e.value === undefined ? '(unset)' : JSON.stringify(e.value);
  return `invalid environment variable ${e.variable}=${shown}: ${e.problem}; allowed: ${e.allowed}`;
}

/**
 * Validates the environment. `hostname` provides the default for REPLICA_ID
 * and APP_ADVERTISED_HOST (main passes os.hostname()).
 */
export function parseEnv(env: Record<string, string | undefined>, hostname: string): ParseEnvResult {
  const result = buildSchema(hostname).safeParse(env);
  if (!result.success) {
    const errors: EnvError[] = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      return {
        variable,
        value: env[variable],
        problem: issue.message,
        allowed: ALLOWED[variable] ?? 'see README',
      };
    });
    return { ok: false, errors };
  }
  const v = result.data;
  return {
    ok: true,
    env: {
      zookeeperConnect: v.ZOOKEEPER_CONNECT.raw,
      servers: v.ZOOKEEPER_CONNECT.servers,
      chroot: v.ZOOKEEPER_CONNECT.chroot,
      port: v.PORT,
      sessionTimeoutMs: v.ZOOKEEPER_SESSION_TIMEOUT_MS,
      configZnode: v.APP_CONFIG_ZNODE,
      membersZnode: v.APP_MEMBERS_ZNODE,
      electionZnode: v.APP_ELECTION_ZNODE,
      replicaId: v.REPLICA_ID,
      advertisedHost: v.APP_ADVERTISED_HOST,
      authFile: v.ZOOKEEPER_AUTH_FILE ?? null,
    },
  };
}
