type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

const renderLabels = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(",");

/** Counts per label set. `inc` is on every request's path: it only concatenates; sorting and escaping wait for `render`. */
class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  private static key(labels: Labels): string {
    let key = "";
    for (const k in labels) key += `${k}\u0001${labels[k]}\u0002`;
    return key;
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = Counter.key(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: { ...labels }, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(Counter.key(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) {
      const rendered = renderLabels(labels);
      lines.push(`${this.name}${rendered ? `{${rendered}}` : ""} ${value}`);
    }
    return lines.join("\n");
  }
}

/** One of a fixed set of states, exported as one series per state with the current one at 1. */
class StateGauge<S extends string> {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly states: readonly S[],
    private current: S,
  ) {}
  set(state: S): void {
    this.current = state;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const s of this.states) lines.push(`${this.name}{state="${s}"} ${s === this.current ? 1 : 0}`);
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
    this.buckets.forEach((le, i) => {
      lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

/** What a rendering of the metrics covers, when less than the deployment: a comment, and the labels of a series. */
export interface MetricsScope {
  note: string;
  labels: Labels;
}

/** The service's Prometheus metrics, kept in memory per process (per isolate on Workers). */
export class Metrics {
  /**
   * `scope`: what the counts cover when it is less than the whole deployment (one isolate of a
   * Worker), said at the top of every rendering, as a comment and as a series.
   */
  constructor(private readonly scope?: MetricsScope) {}

  readonly requests = new Counter("tickbox_http_requests_total", "HTTP requests by route, method and status.");
  readonly cache = new Counter("tickbox_cache_lookups_total", "Result cache lookups by kind and outcome (hit, miss, shared).");
  readonly upstreamCalls = new Counter("tickbox_upstream_calls_total", "Upstream model calls by kind and outcome.");
  readonly upstreamTokens = new Counter("tickbox_upstream_tokens_total", "Upstream tokens by type (prompt, completion).");
  readonly upstreamLatency = new Histogram(
    "tickbox_upstream_latency_seconds",
    "Latency of upstream model calls, successful or not.",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );

  readonly breakerState = new StateGauge(
    "tickbox_upstream_circuit",
    "State of the circuit breaker in front of the upstream model.",
    ["closed", "open", "half_open"] as const,
    "closed",
  );

  render(): string {
    const { scope } = this;
    const header = scope
      ? `# ${scope.note}\n# HELP tickbox_metrics_scope What these counts cover.\n# TYPE tickbox_metrics_scope gauge\ntickbox_metrics_scope{${renderLabels(scope.labels)}} 1\n`
      : "";
    return (
      header +
      [this.requests, this.cache, this.upstreamCalls, this.upstreamTokens, this.upstreamLatency, this.breakerState].map((m) => m.render()).join("\n") +
      "\n"
    );
  }
}
