CREATE TABLE `batch_items` (
	`batch_id` text NOT NULL,
	`idx` integer NOT NULL,
	`status` text NOT NULL,
	`passed` integer,
	`weighted` real,
	`cached` integer,
	`upstream_calls` integer,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`finished_at` integer,
	`custom_id` text,
	`request` text NOT NULL,
	`result` text,
	`problem` text,
	PRIMARY KEY(`batch_id`, `idx`)
);
--> statement-breakpoint
CREATE INDEX `batch_items_by_status` ON `batch_items` (`batch_id`,`status`,`idx`);--> statement-breakpoint
CREATE TABLE `batches` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`concurrency` integer NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
