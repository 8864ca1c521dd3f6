ALTER TABLE "notes" ALTER COLUMN "body" TYPE text;
ALTER TABLE "notes" ALTER COLUMN "title" TYPE text;
