CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TABLE wallets (id integer PRIMARY KEY, updated_at timestamptz);
CREATE TRIGGER wallets_touch BEFORE INSERT OR UPDATE ON wallets FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER wallets_old BEFORE DELETE ON wallets FOR EACH ROW EXECUTE FUNCTION set_updated_at();
