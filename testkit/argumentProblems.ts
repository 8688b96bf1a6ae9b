/** What the components' argument checks report, for tests that construct components directly. */
import { ComponentArgumentsError } from "../index";

/** The problems a constructor refuses its arguments with; fails if it does not throw a ComponentArgumentsError. */
export function argumentProblems(construct: () => unknown): string[] {
    try {
        construct();
    } catch (e) {
        if (e instanceof ComponentArgumentsError) {
            return e.problems;
        }
        throw e;
    }
    throw new Error("expected the arguments to be refused");
}
