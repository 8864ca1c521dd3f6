-- an existing table with rows: its indexes are built and dropped CONCURRENTLY, outside the
-- transaction; the indexes of a table created in the same plan stay plain, inside it
CREATE TABLE events (id integer PRIMARY KEY, kind text, at timestamptz, code text);
CREATE INDEX idx_events_at ON events (at);
INSERT INTO events SELECT g, 'k' || (g % 3), NULL, 'c' || g FROM generate_series(1, 6) g;
