-- hazard LONG_LOCK: validates every existing row while holding a lock
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE "teams" ADD CONSTRAINT "teams_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs" ("id");
