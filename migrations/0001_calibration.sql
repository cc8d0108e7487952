CREATE TABLE `calibrations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`profile` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
