CREATE TABLE articles (id integer PRIMARY KEY, slug text, author text, published_at timestamptz);
CREATE INDEX idx_articles_author ON articles (author);
INSERT INTO articles VALUES (1, 'hello', 'ann', NULL);
