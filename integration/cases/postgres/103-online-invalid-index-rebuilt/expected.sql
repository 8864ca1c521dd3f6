DROP INDEX CONCURRENTLY "idx_users_email";
DROP INDEX CONCURRENTLY "users_name_ccnew";
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX CONCURRENTLY "idx_users_email" ON "users" ("email");
