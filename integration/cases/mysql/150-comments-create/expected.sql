CREATE TABLE `notes` (
  `id` int NOT NULL COMMENT 'the note''s id',
  `body` text,
  `author` text,
  PRIMARY KEY (`id`)
) COMMENT='Notes users write; it''s "free text" \\ anything';
