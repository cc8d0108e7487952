import { afterAll, beforeAll, beforeEach } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream";

/** The admin key the access tests configure, and a bearer header for any key. */
export const ADMIN_KEY = "admin-secret-0123456789";
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * A fake upstream for one test file: started before its tests, reset before each, closed after.
 * The returned object stands for the running fake (it forwards to it), so a file can write
 * `const fake = useFakeUpstream()` at the top and use it in every test.
 */
export function useFakeUpstream(): FakeUpstream {
  let running: FakeUpstream | undefined;
  beforeAll(async () => {
    running = await startFakeUpstream();
  });
  beforeEach(() => running?.reset());
  afterAll(() => running?.close());
  const current = () => {
    if (!running) throw new Error("the fake upstream is used outside a test");
    return running;
  };
  return new Proxy({} as FakeUpstream, {
    get: (_, key) => {
      const value = Reflect.get(current(), key);
      return typeof value === "function" ? value.bind(current()) : value;
    },
    set: (_, key, value) => Reflect.set(current(), key, value),
  });
}
