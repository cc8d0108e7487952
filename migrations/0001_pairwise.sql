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
CREATE UNIQUE INDEX `revisions_fingerprint_unique` ON `revisions` (`fingerprint`);