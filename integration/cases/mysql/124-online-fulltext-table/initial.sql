CREATE TABLE docs (
  id int PRIMARY KEY,
  title varchar(20),
  body text,
  gone int,
  FULLTEXT KEY body_ft (body)
);
INSERT INTO docs VALUES (1, 't', 'hello world', 1);
