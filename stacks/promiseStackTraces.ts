/**
 * The Pulumi SDK records `new Error().stack` for every promise it creates, for
 * the report it prints if a promise is still pending at exit. Under ts-node
 * every stack is rewritten through source maps, and for the dev stack (32
 * resources, a few thousand promises) that was most of the program's time:
 * ~0.7 s of a ~0.8 s construction, on every `pulumi preview` and `up`.
 *
 * Those records are the only errors created without a message, so they keep
 * V8's plain frames, and every error a person reads (anything with a message)
 * is still mapped back to the TypeScript source.
 */
type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

export function keepSourceMapsForMessagesOnly(): void {
    const mapped = Error.prepareStackTrace as PrepareStackTrace | undefined;
    if (mapped === undefined || (mapped as { messagesOnly?: boolean }).messagesOnly) {
        return;
    }
    const prepare: PrepareStackTrace & { messagesOnly?: boolean } = (error, frames) =>
        error.message === "" && error.name === "Error"
            ? `Error${frames.map((frame) => `\n    at ${frame.toString()}`).join("")}`
            : mapped(error, frames);
    prepare.messagesOnly = true;
    Error.prepareStackTrace = prepare;
}
