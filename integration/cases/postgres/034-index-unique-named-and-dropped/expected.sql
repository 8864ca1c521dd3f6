ALTER TABLE "accounts" DROP CONSTRAINT "accounts_legacy_code_key";
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX "accounts_handle_uniq" ON "accounts" ("handle");
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX "idx_accounts_email" ON "accounts" ("email");
