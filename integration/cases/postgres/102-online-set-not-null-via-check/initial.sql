-- SET NOT NULL on an existing table goes through a validated temporary check; a column of a
-- primary key the plan adds is set NOT NULL plainly (the key scans the table anyway)
CREATE TABLE accounts (id integer PRIMARY KEY, email text, plan text, "Region Code" text);
INSERT INTO accounts VALUES (1, 'a@example.com', 'free', 'eu'), (2, 'b@example.com', 'pro', 'us');
CREATE TABLE skus (code text, label text);
INSERT INTO skus VALUES ('a', 'A');
