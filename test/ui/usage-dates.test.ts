// The usage page takes its `from` and `to` by the API's one date rule: a day that does not exist
// is not passed on to /v1/usage (which refuses it) but replaced by the default range.
import { describe, expect, it } from "vitest";
import { makeApp } from "../support/harness";

describe("/ui/usage dates", () => {
  it("charts the default range for days that do not exist, and the days asked for otherwise", async () => {
    const t = makeApp();
    // The page's content, as its script asks for it.
    const content = (query: string) => t.send("GET", `/ui/usage?${query}`, undefined, { "x-tickbox-partial": "1" });
    for (const query of ["to=2026-02-30", "from=0000-00-00&to=2026-99-99", "from=2026-02-30"]) {
      const res = await content(query);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-tickbox-problem"), `${query}: ${res.text.slice(0, 300)}`).toBeNull();
    }
    const asked = await content("from=2024-02-27&to=2024-03-01");
    expect(asked.headers.get("x-tickbox-problem")).toBeNull();
    expect(asked.text).toContain("2024-02-29");
    t.close();
  });
});
