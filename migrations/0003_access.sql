ALTER TABLE `api_keys` ADD `created_by` text;--> statement-breakpoint
UPDATE `api_keys` SET `created_by` = CASE WHEN EXISTS (SELECT 1 FROM `usage_daily` WHERE `usage_daily`.`key_id` = 'open' AND `usage_daily`.`day` = date(`api_keys`.`created_at`, 'unixepoch')) THEN 'open' ELSE 'unrecorded' END;--> statement-breakpoint
CREATE INDEX `api_keys_by_tenant` ON `api_keys` (`tenant`);--> statement-breakpoint
ALTER TABLE `batches` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `paused_until` integer;
