import { ConnectionManagerPrototype, hardenConnectionManager, libraryConnectionManager } from '../src/framing';

interface FakeManager {
  pendingBuffer: Buffer | null;
  socket: { destroy: jest.Mock } | null;
  seenOnConnect: Buffer | null;
  connectTimeout: number;
}

function fakePrototype(parse: (buffer: Buffer) => void): ConnectionManagerPrototype {
  return {
    onSocketConnected(this: FakeManager) {
      this.seenOnConnect = this.pendingBuffer;
      return 'connected';
    },
    onSocketData(this: FakeManager, buffer: Buffer) {
      parse(buffer);
      return 'parsed';
    },
  } as unknown as ConnectionManagerPrototype;
}

function manager(prototype: ConnectionManagerPrototype): FakeManager & ConnectionManagerPrototype {
  const m = Object.create(prototype) as FakeManager & ConnectionManagerPrototype;
  m.pendingBuffer = Buffer.from([0, 0, 0]);
  m.socket = { destroy: jest.fn() };
  m.seenOnConnect = null;
  m.connectTimeout = 2666;
  return m;
}

describe('hardenConnectionManager', () => {
  it('starts every connection without the bytes left over from the previous one', () => {
    const prototype = fakePrototype(() => undefined);
    hardenConnectionManager(prototype);
    const m = manager(prototype);
    expect(m.onSocketConnected()).toBe('connected');
    expect(m.seenOnConnect).toBeNull();
  });

  it('turns a reply the library cannot parse into a dropped connection instead of a crash', () => {
    const prototype = fakePrototype(() => {
      throw new Error('Unknown code: -1803223040');
    });
    const unhardened = manager(prototype);
    expect(() => unhardened.onSocketData(Buffer.alloc(4))).toThrow('Unknown code');

    hardenConnectionManager(prototype);
    const m = manager(prototype);
    expect(() => m.onSocketData(Buffer.alloc(4))).not.toThrow();
    expect(m.socket?.destroy).toHaveBeenCalledTimes(1);
    expect(m.pendingBuffer).toBeNull();
  });

  it('passes parsed replies through and wraps a prototype only once', () => {
    const parse = jest.fn();
    const prototype = fakePrototype(parse);
    hardenConnectionManager(prototype);
    const once = prototype.onSocketData;
    hardenConnectionManager(prototype);
    expect(prototype.onSocketData).toBe(once);
    const m = manager(prototype);
    expect(m.onSocketData(Buffer.from([1]))).toBe('parsed');
    expect(parse).toHaveBeenCalledTimes(1);
    expect(m.socket?.destroy).not.toHaveBeenCalled();
  });

  it('finds the pinned library version with the methods it wraps, and refuses another shape', () => {
    const prototype = libraryConnectionManager(require);
    expect(typeof prototype.onSocketData).toBe('function');
    expect(() => libraryConnectionManager(() => ({ prototype: {} }))).toThrow('check the pinned version');
  });

  describe('the handshake', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    function connected(): FakeManager & ConnectionManagerPrototype {
      const prototype = fakePrototype(() => undefined);
      hardenConnectionManager(prototype);
      const m = manager(prototype);
      m.onSocketConnected();
      return m;
    }

    it('drops a connection whose server never answers, after the connect timeout', () => {
      const m = connected();
      const socket = m.socket!;
      jest.advanceTimersByTime(2665);
      expect(socket.destroy).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(socket.destroy).toHaveBeenCalledTimes(1);
    });

    it('keeps a connection whose server answered in time', () => {
      const m = connected();
      const socket = m.socket!;
      jest.advanceTimersByTime(2000);
      m.onSocketData(Buffer.from([1]));
      jest.advanceTimersByTime(10000);
      expect(socket.destroy).not.toHaveBeenCalled();
    });

    it('never drops the next connection with the timer of the previous one', () => {
      const m = connected();
      const first = m.socket!;
      jest.advanceTimersByTime(1000);
      const second = { destroy: jest.fn() };
      m.socket = second;
      jest.advanceTimersByTime(5000);
      expect(first.destroy).not.toHaveBeenCalled();
      expect(second.destroy).not.toHaveBeenCalled();
    });
  });
});
