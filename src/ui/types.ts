// The API's answers as the pages read them: the types of the route declarations themselves.
import type { z } from "@hono/zod-openapi";
import type { BatchItemRow } from "../routes/batches/items";
import type { BatchReport } from "../routes/batches/report";
import type { Batch } from "../routes/batches/shapes";
import type { Calibration, ConfidenceResponse } from "../routes/calibrations/schemas";
import type { CalibrationSummary } from "../routes/calibrations/list";
import type { ChecklistSummary } from "../routes/checklists/list";
import type { EvaluationSummary } from "../routes/evaluations/list";
import type { StoredEvaluation } from "../routes/evaluations/get";
import type { Checklist } from "../routes/schemas";
import type { DayUsage } from "../usage/report";

export type BatchJson = z.infer<typeof Batch>;
export type BatchReportJson = z.infer<typeof BatchReport>;
export type BatchItemJson = z.infer<typeof BatchItemRow>;
export type EvaluationJson = z.infer<typeof StoredEvaluation>;
export type EvaluationSummaryJson = z.infer<typeof EvaluationSummary>;
export type ChecklistJson = z.infer<typeof Checklist>;
export type ChecklistSummaryJson = z.infer<typeof ChecklistSummary>;
export type CalibrationJson = z.infer<typeof Calibration>;
export type CalibrationSummaryJson = z.infer<typeof CalibrationSummary>;
export type ConfidenceJson = z.infer<typeof ConfidenceResponse>;
export type DayUsageJson = DayUsage;
