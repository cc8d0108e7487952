/** The settings that point the service at a fake upstream: the same vars on Node and in workerd. */
export function upstreamVars(baseUrl: string): Record<string, string> {
  return {
    OPENAI_BASE_URL: baseUrl,
    OPENAI_API_KEY: "test-key",
    TICKBOX_JUDGE_MODEL: "judge-test",
    TICKBOX_UPSTREAM_RETRIES: "0",
    TICKBOX_UPSTREAM_TIMEOUT_MS: "5000",
  };
}
