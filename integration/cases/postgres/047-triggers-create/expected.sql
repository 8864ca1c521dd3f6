CREATE TRIGGER "wallets_touch" BEFORE insert OR update ON "wallets" FOR EACH ROW EXECUTE PROCEDURE set_updated_at();
CREATE TRIGGER "wallets_no_negative" BEFORE update ON "wallets" FOR EACH ROW WHEN (NEW.balance < 0) EXECUTE PROCEDURE forbid_negative();
