import { keepSourceMapsForMessagesOnly } from "../../stacks/promiseStackTraces";

describe("keepSourceMapsForMessagesOnly", () => {
    const original = Error.prepareStackTrace;
    afterEach(() => {
        Error.prepareStackTrace = original;
    });

    it("sends errors with a message through the installed formatter and formats message-less ones itself", () => {
        const seen: string[] = [];
        Error.prepareStackTrace = (error: Error) => {
            seen.push(error.message);
            return `mapped: ${error.message}`;
        };
        keepSourceMapsForMessagesOnly();

        expect(new Error("bad config").stack).toBe("mapped: bad config");
        const anonymous = new Error().stack ?? "";
        expect(anonymous.split("\n")[0]).toBe("Error");
        expect(anonymous).toMatch(/\n {4}at .*promiseStackTraces\.test\.ts:\d+:\d+/);
        // Subclasses such as TypeError keep the mapped formatter even without a message.
        expect(new TypeError().stack).toBe("mapped: ");
        expect(seen).toEqual(["bad config", ""]);
    });

    it("wraps only once and leaves the default alone when nothing is installed", () => {
        const mapped = jest.fn((error: Error) => `mapped: ${error.message}`);
        Error.prepareStackTrace = mapped;
        keepSourceMapsForMessagesOnly();
        const wrapped = Error.prepareStackTrace;
        keepSourceMapsForMessagesOnly();
        expect(Error.prepareStackTrace).toBe(wrapped);
        void new Error("once").stack;
        expect(mapped).toHaveBeenCalledTimes(1);

        (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
        keepSourceMapsForMessagesOnly();
        expect(Error.prepareStackTrace).toBeUndefined();
    });
});
