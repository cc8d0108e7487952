import type { D1Migration } from "cloudflare:test";
import type { ChecklistRow, EvaluationRow } from "../../src/store/store";
import type { BatchGate, KeyLimits } from "../../src/worker";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/worker");
    }
    interface Env {
      DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
      BATCH_QUEUE: Queue<unknown>;
      BATCH_GATES: DurableObjectNamespace<BatchGate>;
      KEY_LIMITS: DurableObjectNamespace<KeyLimits>;
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    nodeSeededRows: { checklists: ChecklistRow[]; evaluations: EvaluationRow[] };
    nodeBatchRun: import("../contract/settle").NodeBatchRun;
  }
}
