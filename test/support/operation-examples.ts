// A valid request for every operation of the API, written against one tenant's objects: the
// security suite sends each with every kind of key and with another tenant's ids in their place.
// An operation added without an example here fails the suite, as one without a declaration does.
import { fresh, type Objects } from "./tenants";

export interface Example {
  path(ids: Objects): string;
  body?(ids: Objects): unknown;
  /** Bodies naming the objects `body` does not (a cascade's examples, say), by the pointer they exercise. */
  variants?: Record<string, (ids: Objects) => unknown>;
}

const signals = (n: number) => Array.from({ length: n }, (_, i) => ({ p: ((i * 37) % 100) / 100, label: (i * 37) % 100 > 40 ? 1 : 0 }));

export const EXAMPLES: Record<string, Example> = {
  "POST /v1/checklists": { path: () => "/v1/checklists", body: () => ({ instruction: fresh("Summarise the email.") }) },
  "GET /v1/checklists/{id}": { path: (o) => `/v1/checklists/${o.checklist}` },
  "GET /v1/checklists": { path: () => "/v1/checklists?limit=5" },
  "POST /v1/evaluations": {
    path: () => "/v1/evaluations",
    body: (o) => ({ instruction: "Reply.", response: fresh("Dear customer"), checklist_id: o.checklist, calibration_id: o.calibration }),
  },
  "GET /v1/evaluations/{id}": { path: (o) => `/v1/evaluations/${o.evaluation}` },
  "GET /v1/evaluations": { path: () => "/v1/evaluations?limit=5" },
  "POST /v1/selections": {
    path: () => "/v1/selections",
    body: (o) => ({ instruction: "Reply.", candidates: [fresh("One"), fresh("Two")], checklist_id: o.checklist }),
  },
  "POST /v1/comparisons": {
    path: () => "/v1/comparisons",
    body: (o) => ({ instruction: "Reply.", a: fresh("A"), b: fresh("B"), checklist_id: o.checklist, method: "both", calibration_id: o.pairwiseCalibration }),
  },
  "POST /v1/refinements": {
    path: () => "/v1/refinements",
    body: (o) => ({ instruction: "Reply.", response: fresh("Draft"), checklist_id: o.checklist, max_rounds: 1 }),
  },
  "POST /v1/calibrations": {
    path: () => "/v1/calibrations",
    body: (o) => ({ name: fresh("profile"), kind: "pointwise", examples: [{ evaluation_id: o.evaluation, label: 1 }, ...signals(59)] }),
    variants: {
      "/judges/*/examples/*/evaluation_id": (o) => ({
        name: fresh("cascade"),
        kind: "pointwise",
        judges: [
          { model: "judge-test", examples: [{ evaluation_id: o.evaluation, label: 1 }, ...signals(59)] },
          { model: "judge-big", examples: [{ p: 0.95, label: 1 }, ...signals(59)] },
        ],
      }),
    },
  },
  "GET /v1/calibrations/{id}": { path: (o) => `/v1/calibrations/${o.calibration}` },
  "GET /v1/calibrations": { path: () => "/v1/calibrations?limit=5" },
  "GET /v1/calibrations/{id}/reliability.svg": { path: (o) => `/v1/calibrations/${o.calibration}/reliability.svg` },
  "POST /v1/confidence": {
    path: () => "/v1/confidence",
    body: (o) => ({ calibration_id: o.calibration, evaluation_id: o.evaluation }),
    variants: {
      "/checklist_id": (o) => ({ calibration_id: o.calibration, instruction: "Reply.", response: fresh("Graded for confidence"), checklist_id: o.checklist }),
      "/response": (o) => ({ calibration_id: o.calibration, instruction: "Reply.", response: fresh("Graded for confidence"), checklist_id: o.checklist }),
    },
  },
  "POST /v1/batches": {
    path: () => "/v1/batches",
    body: (o) => [{ instruction: "Reply.", response: fresh("Batched"), checklist_id: o.checklist }],
  },
  "GET /v1/batches/{id}": { path: (o) => `/v1/batches/${o.batch}` },
  "GET /v1/batches": { path: () => "/v1/batches?limit=5" },
  "GET /v1/batches/{id}/results": { path: (o) => `/v1/batches/${o.batch}/results` },
  "GET /v1/batches/{id}/items": { path: (o) => `/v1/batches/${o.batch}/items` },
  "GET /v1/batches/{id}/report": { path: (o) => `/v1/batches/${o.batch}/report` },
  "GET /v1/batches/{id}/events": { path: (o) => `/v1/batches/${o.batch}/events` },
  "POST /v1/batches/{id}/cancel": { path: (o) => `/v1/batches/${o.batch}/cancel` },
  "POST /v1/batches/{id}/retry": { path: (o) => `/v1/batches/${o.batch}/retry` },
  "POST /v1/integrations/promptfoo": {
    path: () => "/v1/integrations/promptfoo",
    body: () => ({ output: fresh("Thanks for writing"), context: { prompt: "Reply to the customer.", vars: { checklist: "Does it thank them?" } } }),
  },
  "POST /v1/keys": { path: () => "/v1/keys", body: () => ({ name: fresh("made"), scopes: ["evaluate"] }) },
  "GET /v1/keys": { path: () => "/v1/keys" },
  "DELETE /v1/keys/{id}": { path: (o) => `/v1/keys/${o.key}` },
  "GET /v1/usage": { path: () => "/v1/usage" },
};
