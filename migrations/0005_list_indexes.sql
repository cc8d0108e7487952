CREATE INDEX `evaluations_by_tenant_created` ON `evaluations` (`tenant`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `evaluations_by_tenant_checklist` ON `evaluations` (`tenant`,`checklist_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `checklists_by_tenant_created` ON `checklists` (`tenant`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `calibrations_by_tenant_created` ON `calibrations` (`tenant`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `batches_by_tenant_created` ON `batches` (`tenant`,`created_at`,`id`);
