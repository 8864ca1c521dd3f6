CREATE TABLE notes (id integer PRIMARY KEY, body text, author text, tags text);
COMMENT ON TABLE notes IS 'old table comment';
COMMENT ON COLUMN notes.body IS 'old body';
COMMENT ON COLUMN notes.author IS 'set by hand';
COMMENT ON COLUMN notes.tags IS 'goes away';
