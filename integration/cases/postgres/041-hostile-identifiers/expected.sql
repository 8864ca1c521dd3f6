CREATE TABLE "My ""Table"" ünï" (
  "Id" integer NOT NULL,
  "order_select" integer,
  "from" text NOT NULL,
  PRIMARY KEY ("Id")
);
CREATE TABLE "My App"."Child" (
  "id" integer NOT NULL,
  "parent_id" integer,
  PRIMARY KEY ("id")
);
ALTER TABLE "order" ADD COLUMN "café" text DEFAULT 'crème brûlée';
ALTER TABLE "order" ADD COLUMN "with space" integer;
ALTER TABLE "order" ADD COLUMN "has ""quotes""" text;
ALTER TABLE "order" ADD COLUMN "user" text;
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_order_MixedCase_café" ON "order" ("MixedCase", "café");
CREATE UNIQUE INDEX "idx_My ""Table"" ünï_from" ON "My ""Table"" ünï" ("from");
CREATE INDEX "child parent idx" ON "My App"."Child" ("parent_id");
ALTER TABLE "My ""Table"" ünï" ADD CONSTRAINT "My ""Table"" ünï_order_select_fkey" FOREIGN KEY ("order_select") REFERENCES "order" ("select");
ALTER TABLE "My App"."Child" ADD CONSTRAINT "Child_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "My App"."Parent" ("id");
