import { SerialRunner } from '../src/serial';

const tick = () => new Promise((r) => setImmediate(r));

describe('SerialRunner', () => {
  it('never overlaps runs and coalesces triggers that arrive during a run into one re-run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates: Array<() => void> = [];
    const runner = new SerialRunner(async () => {
      runs += 1;
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((r) => gates.push(r));
      active -= 1;
    });
    runner.trigger();
    await tick();
    runner.trigger();
    runner.trigger();
    runner.trigger();
    expect(runs).toBe(1);
    gates.shift()!();
    await tick();
    expect(runs).toBe(2); // the three triggers became one re-run
    gates.shift()!();
    await runner.idle();
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
    expect(runner.busy).toBe(false);
  });

  it('a throwing task does not break later triggers', async () => {
    let n = 0;
    const runner = new SerialRunner(async () => {
      n += 1;
      if (n === 1) throw new Error('boom');
    });
    runner.trigger();
    await runner.idle();
    runner.trigger();
    await runner.idle();
    expect(n).toBe(2);
  });
});
