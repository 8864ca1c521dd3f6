CREATE TABLE audit_log (id INTEGER PRIMARY KEY, msg TEXT);
CREATE INDEX idx_audit_msg ON audit_log (msg);
CREATE VIEW v_audit AS SELECT msg FROM audit_log;
INSERT INTO audit_log VALUES (1, 'hello');
CREATE TABLE users (id INTEGER PRIMARY KEY);
INSERT INTO users VALUES (7);
