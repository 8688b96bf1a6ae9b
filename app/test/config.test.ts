import fc from 'fast-check';
import {
  DEFAULTS,
  formatConnectString,
  formatEnvError,
  parseAuthFile,
  parseConnectString,
  parseEnv,
  pathsOverlap,
  znodePathProblem,
} from '../src/config';

const HOST = 'box-7';

function errorsFor(env: Record<string, string | undefined>) {
  const r = parseEnv(env, HOST);
  if (r.ok) throw new Error('expected parseEnv to fail');
  return r.errors;
}

describe('parseEnv', () => {
  it('applies defaults when only ZOOKEEPER_CONNECT is set', () => {
    const r = parseEnv({ ZOOKEEPER_CONNECT: 'zk-1:2181,zk-2:2181,zk-3:2181' }, HOST);
    expect(r).toEqual({
      ok: true,
      env: {
        zookeeperConnect: 'zk-1:2181,zk-2:2181,zk-3:2181',
        servers: [
          { host: 'zk-1', port: 2181 },
          { host: 'zk-2', port: 2181 },
          { host: 'zk-3', port: 2181 },
        ],
        chroot: null,
        port: 8080,
        sessionTimeoutMs: 10000,
        configZnode: '/app/config',
        membersZnode: '/app/members',
        electionZnode: '/app/election',
        replicaId: HOST,
        advertisedHost: HOST,
        authFile: null,
      },
    });
  });

  it('reads every variable', () => {
    const r = parseEnv(
      {
        ZOOKEEPER_CONNECT: 'a:1,b/chroot/x',
        PORT: '9000',
        ZOOKEEPER_SESSION_TIMEOUT_MS: '4000',
        APP_CONFIG_ZNODE: '/c/cfg',
        APP_MEMBERS_ZNODE: '/c/m',
        APP_ELECTION_ZNODE: '/c/e',
        REPLICA_ID: 'replica-2',
        APP_ADVERTISED_HOST: 'app-2.svc',
        ZOOKEEPER_AUTH_FILE: '/run/secrets/zk',
      },
      HOST,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env).toMatchObject({
      servers: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2181 },
      ],
      chroot: '/chroot/x',
      port: 9000,
      sessionTimeoutMs: 4000,
      configZnode: '/c/cfg',
      membersZnode: '/c/m',
      electionZnode: '/c/e',
      replicaId: 'replica-2',
      advertisedHost: 'app-2.svc',
      authFile: '/run/secrets/zk',
    });
  });

  it('treats empty optional variables as unset', () => {
    const r = parseEnv({ ZOOKEEPER_CONNECT: 'zk:2181', PORT: '', REPLICA_ID: '  ', ZOOKEEPER_AUTH_FILE: '' }, HOST);
    expect(r.ok && r.env.port).toBe(DEFAULTS.PORT);
    expect(r.ok && r.env.replicaId).toBe(HOST);
    expect(r.ok && r.env.authFile).toBeNull();
  });

  it('requires ZOOKEEPER_CONNECT and says so', () => {
    const [e] = errorsFor({});
    expect(e.variable).toBe('ZOOKEEPER_CONNECT');
    expect(e.value).toBeUndefined();
    expect(formatEnvError(e)).toMatch(/^invalid environment variable ZOOKEEPER_CONNECT=\(unset\): is required/);
    expect(formatEnvError(e)).toContain('allowed: a comma-separated list of host[:port]');
  });

  it.each([
    ['PORT', '0', /out of range 1-65535/],
    ['PORT', '65536', /out of range 1-65535/],
    ['PORT', '80x', /not a whole number/],
    ['PORT', '-1', /not a whole number/],
    ['ZOOKEEPER_SESSION_TIMEOUT_MS', '999', /out of range 1000-600000/],
    ['ZOOKEEPER_SESSION_TIMEOUT_MS', '1e4', /not a whole number/],
    ['APP_CONFIG_ZNODE', 'app/config', /must start with "\/"/],
    ['APP_CONFIG_ZNODE', '/app/config/', /must not end with "\/"/],
    ['APP_MEMBERS_ZNODE', '/app//members', /empty segment/],
    ['APP_MEMBERS_ZNODE', '/app/../x', /"\." or "\.\." segments/],
    ['APP_ELECTION_ZNODE', '/zookeeper/quota', /reserved/],
    ['APP_ELECTION_ZNODE', '/', /root/],
    ['REPLICA_ID', 'has space', /printable ASCII/],
    ['APP_ADVERTISED_HOST', 'bad/host', /not allowed in a host name/],
  ])('rejects %s=%j naming the variable, the value and what is allowed', (variable, value, problem) => {
    const errors = errorsFor({ ZOOKEEPER_CONNECT: 'zk:2181', [variable]: value });
    expect(errors).toHaveLength(1);
    const [e] = errors;
    expect(e.variable).toBe(variable);
    expect(e.value).toBe(value);
    expect(e.problem).toMatch(problem);
    const line = formatEnvError(e);
    expect(line).toContain(`${variable}=${JSON.stringify(value)}`);
    expect(line).toContain('allowed: ');
  });

  it('rejects members and election znodes that overlap', () => {
    const errors = errorsFor({ ZOOKEEPER_CONNECT: 'zk', APP_MEMBERS_ZNODE: '/x', APP_ELECTION_ZNODE: '/x/e' });
    expect(errors.map((e) => e.variable)).toEqual(['APP_ELECTION_ZNODE']);
    expect(errors[0].problem).toMatch(/nested with APP_MEMBERS_ZNODE \(\/x\)/);
  });

  it('reports every bad variable at once', () => {
    const errors = errorsFor({ ZOOKEEPER_CONNECT: 'zk:0', PORT: 'x', ZOOKEEPER_SESSION_TIMEOUT_MS: '1' });
    expect(errors.map((e) => e.variable).sort()).toEqual(['PORT', 'ZOOKEEPER_CONNECT', 'ZOOKEEPER_SESSION_TIMEOUT_MS']);
  });
});

describe('parseConnectString', () => {
  it('parses servers and a chroot', () => {
    expect(parseConnectString('zk-1:2181,zk-2:2182/myapp')).toEqual({
      servers: [
        { host: 'zk-1', port: 2181 },
        { host: 'zk-2', port: 2182 },
      ],
      chroot: '/myapp',
    });
    expect(parseConnectString('10.0.0.1')).toEqual({ servers: [{ host: '10.0.0.1', port: 2181 }], chroot: null });
  });

  it.each([
    ['', /empty/],
    ['/chroot', /no servers/],
    ['zk-1:2181,', /empty server entry/],
    ['zk-1:2181,,zk-2:2181', /empty server entry/],
    ['zk-1:', /non-numeric port/],
    ['zk-1:abc', /non-numeric port/],
    ['zk-1:70000', /outside 1-65535/],
    ['::1:2181', /more than one ":"/],
    ['zk 1:2181', /invalid host name/],
    ['-zk:2181', /invalid host name/],
    ['zk:2181/', /root/],
    ['zk:2181/app/', /must not end with/],
    ['zk:2181/a//b', /empty segment/],
    ['zk:2181/zookeeper', /reserved/],
  ])('rejects %j', (raw, problem) => {
    const r = parseConnectString(raw);
    expect(typeof r).toBe('string');
    expect(r).toMatch(problem);
  });

  it('property: format/parse round-trip', () => {
    const host = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/);
    const server = fc.record({ host, port: fc.integer({ min: 1, max: 65535 }) });
    const chroot = fc.option(
      fc.array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 3 }).map((s) => '/' + s.join('/')),
      { nil: null },
    );
    fc.assert(
      fc.property(fc.array(server, { minLength: 1, maxLength: 5 }), chroot, (servers, ch) => {
        const cs = { servers, chroot: ch };
        expect(parseConnectString(formatConnectString(cs))).toEqual(cs);
      }),
    );
  });
});

describe('znode path rules', () => {
  it('accepts normal paths and the root only when allowed', () => {
    expect(znodePathProblem('/a/b-c/d_e.f')).toBeNull();
    expect(znodePathProblem('/', true)).toBeNull();
    expect(znodePathProblem('/')).not.toBeNull();
    expect(znodePathProblem('/a\u0001b')).toMatch(/character/);
    expect(znodePathProblem('/zookeeperish')).toBeNull();
  });

  it('pathsOverlap detects equality and nesting but not shared prefixes', () => {
    expect(pathsOverlap('/a', '/a')).toBe(true);
    expect(pathsOverlap('/a', '/a/b')).toBe(true);
    expect(pathsOverlap('/a/b', '/a')).toBe(true);
    expect(pathsOverlap('/a', '/ab')).toBe(false);
    expect(pathsOverlap('/app/members', '/app/election')).toBe(false);
  });
});

describe('parseAuthFile', () => {
  it('splits at the first colon and trims surrounding whitespace', () => {
    expect(parseAuthFile('app:s3cr:et\n')).toEqual({ user: 'app', password: 's3cr:et' });
  });
  it.each([
    ['nocolon', /no ":"/],
    [':pw', /user name/],
    ['user:', /password/],
    ['a:b\nc:d', /single line/],
  ])('rejects %j', (content, problem) => {
    expect(parseAuthFile(content)).toMatch(problem);
  });
});
