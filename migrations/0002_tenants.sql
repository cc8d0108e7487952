DROP INDEX `checklists_fingerprint_unique`;--> statement-breakpoint
ALTER TABLE `checklists` ADD `tenant` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `checklists_tenant_fingerprint` ON `checklists` (`tenant`,`fingerprint`);--> statement-breakpoint
DROP INDEX `evaluations_fingerprint_unique`;--> statement-breakpoint
ALTER TABLE `evaluations` ADD `tenant` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `evaluations_tenant_fingerprint` ON `evaluations` (`tenant`,`fingerprint`);