-- an index a failed CREATE INDEX CONCURRENTLY left INVALID is not counted as present: it is
-- dropped (concurrently) and built again. A failed build is simulated here by marking the
-- catalog as the failure leaves it (integration/tests/postgres_online_ddl.rs fails real builds);
-- an invalid index the spec does not want is dropped too
CREATE TABLE users (id integer PRIMARY KEY, email text, name text);
INSERT INTO users VALUES (1, 'a@example.com', 'ann'), (2, 'b@example.com', 'bob');
CREATE UNIQUE INDEX idx_users_email ON users (email);
CREATE INDEX users_name_ccnew ON users (name);
UPDATE pg_index SET indisvalid = false WHERE indexrelid IN ('idx_users_email'::regclass, 'users_name_ccnew'::regclass);
