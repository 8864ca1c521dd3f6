CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE FUNCTION forbid_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'negative balance';
END
$$;
CREATE TABLE wallets (id integer PRIMARY KEY, balance integer NOT NULL DEFAULT 0, updated_at timestamptz);
INSERT INTO wallets (id, balance) VALUES (1, 10);
CREATE FUNCTION log_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$;
-- already present and matching the spec: must be left alone
CREATE TRIGGER wallets_log_delete AFTER DELETE ON wallets FOR EACH ROW EXECUTE FUNCTION log_delete();
