/**
 * Process entry point: validate the environment (exit 2 on bad values),
 * start the app, shut down cleanly on SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { DigestAuth } from './acl';
import { ALLOWED, formatEnvError, parseAuthFile, parseEnv } from './config';
import { startApp } from './app';
import { createLogger, errorFields } from './log';

export const EXIT_BAD_CONFIG = 2;

function fail(message: string): never {
  process.stderr.write(message + '\n');
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level: 'error', event: 'invalid_config', message }) + '\n');
  process.exit(EXIT_BAD_CONFIG);
}

function loadAuth(file: string): DigestAuth {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return fail(
      `invalid environment variable ZOOKEEPER_AUTH_FILE=${JSON.stringify(file)}: cannot read file (${reason}); allowed: ${ALLOWED.ZOOKEEPER_AUTH_FILE}`,
    );
  }
  const parsed = parseAuthFile(content);
  if (typeof parsed === 'string') {
    return fail(
      `invalid environment variable ZOOKEEPER_AUTH_FILE=${JSON.stringify(file)}: file ${parsed}; allowed: ${ALLOWED.ZOOKEEPER_AUTH_FILE}`,
    );
  }
  return parsed;
}

async function main(): Promise<void> {
  const parsed = parseEnv(process.env, os.hostname());
  if (!parsed.ok) fail(parsed.errors.map(formatEnvError).join('\n'));
  const env = parsed.env;
  const auth = env.authFile ? loadAuth(env.authFile) : null;
  const logger = createLogger({ replica: env.replicaId });
  logger.info('starting', {
    zookeeperConnect: env.zookeeperConnect,
    port: env.port,
    sessionTimeoutMs: env.sessionTimeoutMs,
    configZnode: env.configZnode,
    membersZnode: env.membersZnode,
    electionZnode: env.electionZnode,
    auth: auth ? `digest:${auth.user}` : 'none',
  });

  const app = await startApp({ ...env, auth, logger });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn('shutdown_forced', { signal });
      process.exit(1);
    }
    logger.info('signal_received', { signal });
    const watchdog = setTimeout(() => {
      logger.error('shutdown_timeout', {});
      process.exit(1);
    }, 10000);
    watchdog.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown_failed', errorFields(err));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stdout.write(
    JSON.stringify({ ts: new Date().toISOString(), level: 'error', event: 'fatal', ...errorFields(err) }) + '\n',
  );
  process.exit(1);
});
