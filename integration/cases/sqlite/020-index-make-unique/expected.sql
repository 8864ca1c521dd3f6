DROP INDEX "idx_users_email";
-- hazard INDEX_BUILD: builds an index; the database is locked for writes meanwhile
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX "idx_users_email" ON "users" ("email");
