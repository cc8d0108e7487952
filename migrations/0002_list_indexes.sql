CREATE INDEX IF NOT EXISTS `evaluations_by_tenant_created` ON `evaluations` (`tenant`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `evaluations_by_tenant_checklist` ON `evaluations` (`tenant`,`checklist_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `checklists_by_tenant_created` ON `checklists` (`tenant`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `calibrations_by_tenant_created` ON `calibrations` (`tenant`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `batches_by_tenant_created` ON `batches` (`tenant`,`created_at`,`id`);
