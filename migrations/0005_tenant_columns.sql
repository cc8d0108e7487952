-- Comparisons and revisions belong to a cache tenant (the caller's, or "*" under a global cache
-- scope) as a column, keyed by (tenant, fingerprint), as every other tenant-owned table is. Their
-- rows from before named the tenant only inside a sha256 fingerprint, which SQL cannot read back:
-- they cannot be given to anyone, so they go (a cache of upstream answers; the next identical
-- request asks the upstream again). Every other table already had its tenant column.
DROP TABLE `comparisons`;--> statement-breakpoint
CREATE TABLE `comparisons` (
	`tenant` text NOT NULL,
	`fingerprint` text NOT NULL,
	`better` text NOT NULL,
	`p_first` real,
	`rationale` text NOT NULL,
	`model` text NOT NULL,
	`prompt_version` text NOT NULL,
	`usage` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`tenant`, `fingerprint`)
);--> statement-breakpoint
DROP TABLE `revisions`;--> statement-breakpoint
CREATE TABLE `revisions` (
	`tenant` text NOT NULL,
	`fingerprint` text NOT NULL,
	`revision` text NOT NULL,
	`model` text NOT NULL,
	`prompt_version` text NOT NULL,
	`usage` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	PRIMARY KEY(`tenant`, `fingerprint`)
);
