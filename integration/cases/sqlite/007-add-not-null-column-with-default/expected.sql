ALTER TABLE "users" ADD COLUMN "status" text NOT NULL DEFAULT 'active';
ALTER TABLE "users" ADD COLUMN "score" integer NOT NULL DEFAULT 0;
