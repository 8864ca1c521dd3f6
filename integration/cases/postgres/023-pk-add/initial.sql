CREATE TABLE skus (code text, label text);
INSERT INTO skus VALUES ('A1', 'first'), ('B2', 'second');
