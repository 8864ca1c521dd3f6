CREATE TABLE "memberships" (
  "org_id" integer NOT NULL,
  "user_id" integer NOT NULL,
  "role" text DEFAULT 'member',
  PRIMARY KEY ("org_id", "user_id")
);
