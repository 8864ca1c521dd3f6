CREATE TABLE users (id int PRIMARY KEY, email varchar(255) NOT NULL, name varchar(64), active tinyint(1) NOT NULL DEFAULT 1);
INSERT INTO users VALUES (1, 'a@example.com', 'Ann', 1), (2, 'b@example.com', 'Bob', 0);
-- The query changes: replaced.
CREATE VIEW emails AS SELECT id, email FROM users;
-- The same query written differently (case, quoting, qualification): nothing to do.
CREATE VIEW actives AS select `users`.`id` AS `id` from users where users.active = 1;
