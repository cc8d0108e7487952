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
	`tenant` text DEFAULT 'default' NOT NULL,
	`key_id` text,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`concurrency` integer NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `calibrations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`profile` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`tenant` text NOT NULL,
	`scopes` text NOT NULL,
	`key_hash` text NOT NULL,
	`rate_limit_rpm` integer,
	`daily_token_budget` integer,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `comparisons` (
	`id` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`better` text NOT NULL,
	`p_first` real,
	`rationale` text NOT NULL,
	`model` text NOT NULL,
	`prompt_version` text NOT NULL,
	`usage` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `comparisons_fingerprint_unique` ON `comparisons` (`fingerprint`);--> statement-breakpoint
CREATE TABLE `revisions` (
	`id` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`revision` text NOT NULL,
	`model` text NOT NULL,
	`prompt_version` text NOT NULL,
	`usage` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `revisions_fingerprint_unique` ON `revisions` (`fingerprint`);--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`key_id` text NOT NULL,
	`day` text NOT NULL,
	`model` text NOT NULL,
	`tenant` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`upstream_calls` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cache_hits` integer DEFAULT 0 NOT NULL,
	`tokens_saved` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`key_id`, `day`, `model`)
);
--> statement-breakpoint
CREATE TABLE `checklists` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text DEFAULT 'default' NOT NULL,
	`fingerprint` text NOT NULL,
	`content_hash` text NOT NULL,
	`instruction` text NOT NULL,
	`context` text,
	`items` text NOT NULL,
	`source` text NOT NULL,
	`model` text,
	`prompt_version` text,
	`usage` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checklists_tenant_fingerprint` ON `checklists` (`tenant`,`fingerprint`);--> statement-breakpoint
CREATE TABLE `evaluations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text DEFAULT 'default' NOT NULL,
	`fingerprint` text NOT NULL,
	`checklist_id` text NOT NULL,
	`instruction` text NOT NULL,
	`context` text,
	`response` text NOT NULL,
	`results` text NOT NULL,
	`signal` text NOT NULL,
	`model` text NOT NULL,
	`prompt_version` text NOT NULL,
	`usage` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	FOREIGN KEY (`checklist_id`) REFERENCES `checklists`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `evaluations_tenant_fingerprint` ON `evaluations` (`tenant`,`fingerprint`);