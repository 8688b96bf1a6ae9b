import { createLogger, errorFields, formatLogLine } from '../src/log';

describe('log', () => {
  it('writes one JSON object per line with ts, level, event and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ replica: 'r1' }, (l) => lines.push(l));
    log.warn('zk_disconnected', { generation: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const obj = JSON.parse(lines[0]);
    expect(obj).toMatchObject({ level: 'warn', event: 'zk_disconnected', replica: 'r1', generation: 2 });
    expect(new Date(obj.ts).toISOString()).toBe(obj.ts);
  });

  it('formatLogLine uses the given clock', () => {
    const line = formatLogLine('info', 'e', {}, undefined, new Date(0));
    expect(JSON.parse(line)).toEqual({ ts: '1970-01-01T00:00:00.000Z', level: 'info', event: 'e' });
  });

  it('errorFields keeps name, message and code', () => {
    const e = Object.assign(new Error('lost'), { code: -4 });
    expect(errorFields(e)).toEqual({ errorName: 'Error', error: 'lost', errorCode: -4 });
    expect(errorFields('plain')).toEqual({ error: 'plain' });
  });
});
