ALTER TABLE "users" RENAME COLUMN "mail" TO "email";
ALTER TABLE "users" RENAME COLUMN "org" TO "organization";
ALTER TABLE "users" ALTER COLUMN "email" TYPE character varying(255);
ALTER TABLE "users" ALTER COLUMN "organization" SET DEFAULT 0;
