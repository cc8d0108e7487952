CREATE TABLE `checklists` (
	`id` text PRIMARY KEY NOT NULL,
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
CREATE UNIQUE INDEX `checklists_fingerprint_unique` ON `checklists` (`fingerprint`);--> statement-breakpoint
CREATE TABLE `evaluations` (
	`id` text PRIMARY KEY NOT NULL,
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
CREATE UNIQUE INDEX `evaluations_fingerprint_unique` ON `evaluations` (`fingerprint`);