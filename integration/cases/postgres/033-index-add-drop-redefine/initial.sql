CREATE TABLE articles (id integer PRIMARY KEY, slug text, author text, published_at timestamptz, email text, body jsonb);
CREATE INDEX idx_articles_author ON articles (author);
-- same name as the spec's default, but unique: must become non-unique
CREATE UNIQUE INDEX idx_articles_email ON articles (email);
-- same name and columns as the spec's, but btree: must become gin
CREATE INDEX idx_articles_body ON articles (body);
INSERT INTO articles VALUES (1, 'hello', 'ann', NULL, 'ann@example.com', '{"k": 1}');
