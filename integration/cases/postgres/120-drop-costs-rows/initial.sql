CREATE TABLE accounts (id integer PRIMARY KEY, name text, legacy text);
INSERT INTO accounts VALUES (1, 'a', 'x'), (2, 'b', NULL);
CREATE TABLE audit_log (id integer PRIMARY KEY, note text);
INSERT INTO audit_log SELECT g, 'note ' || g FROM generate_series(1, 9999) g;
-- Analyzed, so reltuples is an estimate (9999) below the threshold: the rows are still counted.
ANALYZE audit_log;
CREATE TABLE empty_t (id integer PRIMARY KEY);
