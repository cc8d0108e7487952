ALTER TABLE `batches` ADD `runner` text;--> statement-breakpoint
ALTER TABLE `batches` ADD `heartbeat_at` integer;