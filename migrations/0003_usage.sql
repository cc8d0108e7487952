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
