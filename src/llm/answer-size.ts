/**
 * The most bytes of one upstream answer the service reads. A larger answer is not read on: its
 * connection is dropped and the call fails (a 502), so that a misbehaving upstream cannot fill the
 * server's memory (TICKBOX_MAX_ANSWER_BYTES).
 */
export class AnswerTooLarge extends Error {
  override name = "AnswerTooLarge";
  constructor(readonly limit: number) {
    super(`the upstream's answer is larger than ${limit} bytes (TICKBOX_MAX_ANSWER_BYTES)`);
  }
}

/**
 * The member of a fetch's `init` that tells a transport which reads the body itself (the Node one,
 * src/llm/node-fetch.ts) how much of the answer it may read. Other fetches ignore it, as they do
 * any member a RequestInit does not define.
 */
export interface CappedInit extends RequestInit {
  maxAnswerBytes?: number;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Cancelling the body of an unfinished answer closes its connection.
      void reader.cancel().catch(() => {});
      throw new AnswerTooLarge(limit);
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.byteLength;
  }
  return whole;
}

/**
 * A fetch that reads every answer in full, up to `limit` bytes, before handing it on: an answer
 * declaring more, or sending more, rejects with AnswerTooLarge and its connection is dropped. The
 * body is read inside the call, so the client's timeout covers it as well as the headers.
 */
export function capAnswers(inner: typeof fetch, limit: number): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, { ...init, maxAnswerBytes: limit } as CappedInit);
    if (Number(response.headers.get("content-length")) > limit) {
      void response.body?.cancel().catch(() => {});
      throw new AnswerTooLarge(limit);
    }
    // No stream: the transport has read the body itself, within the same limit.
    if (!response.body) return response;
    const bytes = await readAtMost(response.body, limit);
    const { status, statusText, headers } = response;
    return new Response(NULL_BODY_STATUS.has(status) ? null : bytes, { status, statusText, headers });
  };
}
