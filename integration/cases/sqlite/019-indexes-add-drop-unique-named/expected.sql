DROP INDEX "idx_users_name";
DROP INDEX "old_city";
-- hazard INDEX_BUILD: builds an index; the database is locked for writes meanwhile
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX "idx_users_email" ON "users" ("email");
-- hazard INDEX_BUILD: builds an index; the database is locked for writes meanwhile
CREATE INDEX "users_by_city_name" ON "users" ("city", "name");
-- hazard INDEX_BUILD: builds an index; the database is locked for writes meanwhile
CREATE INDEX "new_city" ON "users" ("city");
