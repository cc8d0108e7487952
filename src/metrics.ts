type Labels = Record<string, string>;

const labelKey = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`)
    .join(",");

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i]!++;
    });
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

/** The service's Prometheus metrics, kept in memory per process (per isolate on Workers). */
export class Metrics {
  readonly requests = new Counter("tickbox_http_requests_total", "HTTP requests by route, method and status.");
  readonly cache = new Counter("tickbox_cache_lookups_total", "Result cache lookups by kind and outcome (hit, miss, shared).");
  readonly upstreamCalls = new Counter("tickbox_upstream_calls_total", "Upstream model calls by kind and outcome.");
  readonly upstreamTokens = new Counter("tickbox_upstream_tokens_total", "Upstream tokens by type (prompt, completion).");
  readonly upstreamLatency = new Histogram(
    "tickbox_upstream_latency_seconds",
    "Latency of upstream model calls, successful or not.",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );

  render(): string {
    return (
      [this.requests, this.cache, this.upstreamCalls, this.upstreamTokens, this.upstreamLatency]
        .map((m) => m.render())
        .join("\n") + "\n"
    );
  }
}
