-- hazard DELETES_DATA: drops column old_col and its data (1 row)
ALTER TABLE "app"."children" DROP COLUMN "old_col";
ALTER TABLE "app"."children" ALTER COLUMN "size" TYPE character varying(20);
ALTER TABLE "app"."children" ADD COLUMN "added" boolean NOT NULL DEFAULT false;
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_children_parent_id" ON "app"."children" ("parent_id");
ALTER TABLE "app"."children" ADD CONSTRAINT "children_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "app"."parents" ("id") NOT VALID;
-- hazard MAY_FAIL: fails if existing rows reference missing keys; the constraint then stays NOT VALID and the next plan validates it again
ALTER TABLE "app"."children" VALIDATE CONSTRAINT "children_parent_id_fkey";
