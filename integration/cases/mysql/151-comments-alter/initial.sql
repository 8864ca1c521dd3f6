CREATE TABLE notes (
  id int PRIMARY KEY,
  body text COMMENT 'old body',
  author text COMMENT 'set by hand',
  tags text COMMENT 'goes away'
) COMMENT = 'old table comment';
