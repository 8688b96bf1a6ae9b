/**
 * The process contract of dist/main.js: bad configuration exits with code 2
 * and a message naming the variable, the value and what is allowed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist', 'main.js');

beforeAll(() => {
  // Always rebuild so the test exercises the current sources.
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    cwd: root,
    stdio: 'pipe',
  });
  expect(existsSync(main)).toBe(true);
}, 120_000);

function run(env: Record<string, string>) {
  const clean: Record<string, string> = { PATH: process.env.PATH ?? '' };
  return spawnSync(process.execPath, [main], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 15_000 });
}

describe('main', () => {
  it('exits 2 when ZOOKEEPER_CONNECT is missing', () => {
    const r = run({});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ZOOKEEPER_CONNECT=(unset)');
    expect(r.stderr).toContain('allowed:');
  });

  it('exits 2 naming each bad variable and its value', () => {
    const r = run({ ZOOKEEPER_CONNECT: 'zk:2181', PORT: '99999', ZOOKEEPER_SESSION_TIMEOUT_MS: 'soon' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PORT="99999": out of range 1-65535');
    expect(r.stderr).toContain('ZOOKEEPER_SESSION_TIMEOUT_MS="soon": not a whole number');
    // the same message is logged as a JSON line on stdout
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line).toMatchObject({ level: 'error', event: 'invalid_config' });
  });

  it('exits 2 when the auth file is unreadable or malformed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zkapp-'));
    try {
      let r = run({ ZOOKEEPER_CONNECT: 'zk:2181', ZOOKEEPER_AUTH_FILE: path.join(dir, 'missing') });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/ZOOKEEPER_AUTH_FILE=".*missing": cannot read file/);
      const bad = path.join(dir, 'bad');
      writeFileSync(bad, 'no-colon-here\n');
      r = run({ ZOOKEEPER_CONNECT: 'zk:2181', ZOOKEEPER_AUTH_FILE: bad });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('content must be "user:password"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with valid config it serves /healthz 503 until ZooKeeper answers and exits 0 on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const net = await import('node:net');
    // a free port: bind to 0, read it, release it
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as import('node:net').AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    // 127.0.0.1:1 refuses connections: the app must stay up and report unhealthy.
    const child2 = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ZOOKEEPER_CONNECT: '127.0.0.1:1', PORT: String(port), REPLICA_ID: 'solo' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out2 = '';
    child2.stdout.on('data', (d) => (out2 += d));
    const exited2 = new Promise<number | null>((r) => child2.on('exit', (code) => r(code)));
    const deadline = Date.now() + 10_000;
    while (!out2.includes('"http_listening"')) {
      if (Date.now() > deadline) throw new Error('app did not start: ' + out2);
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    child2.kill('SIGTERM');
    expect(await exited2).toBe(0);
    const events = out2
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual(expect.arrayContaining(['starting', 'http_listening', 'signal_received', 'shutdown_complete']));
  }, 30_000);
});
