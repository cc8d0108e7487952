// A numeric setting out of range stops start-up with the range it must lie in, and that range is
// the truth: its ends are accepted, one past either end is refused with the same words. The
// numeric settings are found by what a non-number gets, so none is left out.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, configSchema, parseConfig } from "../../src/config";

/** The message a variable gets for a value, or null when the value is accepted. */
function complaint(name: string, value: string): string | null {
  try {
    parseConfig({ [name]: value });
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const line = (error as Error).message.split("\n").find((l) => l.trim().startsWith(`${name}:`));
    expect(line, (error as Error).message).toBeDefined();
    return line!
      .trim()
      .slice(name.length + 1)
      .trim();
  }
}

const numeric = Object.keys(configSchema.shape).filter((name) => /in decimal/.test(complaint(name, "lots") ?? ""));

describe("numeric settings", () => {
  it("are found: every limit, timeout and count", () => {
    expect(numeric).toEqual(
      expect.arrayContaining(["PORT", "TICKBOX_BREAKER_FAILURES", "TICKBOX_MAX_TEXT_CHARS", "TICKBOX_PASS_THRESHOLD", "TICKBOX_BATCH_LEASE_MS"]),
    );
  });

  it.each(numeric)("%s out of range states the range it must lie in, and the range is exact", (name) => {
    const message = complaint(name, "100000000000000");
    const range = /^must be between (-?[\d.]+) and (-?[\d.]+)$/.exec(message ?? "");
    expect(range, `${name}: ${message}`).not.toBeNull();
    const [min, max] = [Number(range![1]), Number(range![2])];
    expect(complaint(name, String(min))).toBeNull();
    expect(complaint(name, String(max))).toBeNull();
    expect(complaint(name, String(max + 1))).toBe(message);
    expect(complaint(name, String(min - 1))).toBe(message);
    const whole = Number.isInteger(min) && Number.isInteger(max) && /whole/.test(complaint(name, "lots")!);
    fc.assert(
      fc.property(fc.integer({ min: min - 1000, max: max + 1000 }), (value) => {
        expect(complaint(name, String(value))).toBe(value >= min && value <= max ? null : message);
      }),
      { numRuns: 30 },
    );
    if (whole && max > min) expect(complaint(name, `${min}.5`)).toBe("must be a whole number in decimal");
  });
});
