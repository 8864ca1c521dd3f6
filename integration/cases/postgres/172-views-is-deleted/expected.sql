-- hazard MAY_FAIL: isDeleted; fails if another view depends on it (Postgres refuses to drop it)
DROP VIEW "public"."old_emails";
