/**
 * Structured logging: one JSON object per line on stdout.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Serialises an error (including node-zookeeper-client Exceptions) into plain JSON fields. */
export function errorFields(err: unknown): LogFields {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; message?: unknown; code?: unknown };
    const out: LogFields = {};
    if (typeof e.name === 'string') out.errorName = e.name;
    if (typeof e.message === 'string' && e.message !== '') out.error = e.message;
    if (typeof e.code === 'number' || typeof e.code === 'string') out.errorCode = e.code;
    if (out.error === undefined) out.error = String(err);
    return out;
  }
  return { error: String(err) };
}

/** Builds one log line (without the trailing newline). Exported for tests. */
export function formatLogLine(
  level: LogLevel,
  event: string,
  base: LogFields,
  fields: LogFields | undefined,
  now: Date = new Date(),
): string {
  return JSON.stringify({ ts: now.toISOString(), level, event, ...base, ...(fields ?? {}) });
}

export function createLogger(
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const emit = (level: LogLevel) => (event: string, fields?: LogFields) =>
    write(formatLogLine(level, event, base, fields));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
