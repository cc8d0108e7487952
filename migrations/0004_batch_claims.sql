ALTER TABLE `batch_items` ADD `claim` text;
