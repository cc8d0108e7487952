import type { D1Migration } from "cloudflare:test";
import type { ChecklistRow, EvaluationRow } from "../../src/store/store";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/worker");
    }
    interface Env {
      DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    nodeSeededRows: { checklists: ChecklistRow[]; evaluations: EvaluationRow[] };
  }
}
