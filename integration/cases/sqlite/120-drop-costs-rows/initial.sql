CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, legacy TEXT);
INSERT INTO accounts VALUES (1, 'a', 'x'), (2, 'b', NULL);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, note TEXT);
INSERT INTO audit_log VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE INDEX audit_note ON audit_log (note);
-- sqlite_stat1 exists and says 3 rows: below the threshold, the rows are counted.
ANALYZE;
CREATE TABLE empty_t (id INTEGER PRIMARY KEY);
