ALTER TABLE "accounts" DROP CONSTRAINT "accounts_legacy_code_key";
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX CONCURRENTLY "accounts_handle_uniq" ON "accounts" ("handle");
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX CONCURRENTLY "idx_accounts_email" ON "accounts" ("email");
