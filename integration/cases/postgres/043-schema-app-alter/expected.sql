-- hazard DELETES_DATA: drops column old_col and its data (1 row)
ALTER TABLE "app"."children" DROP COLUMN "old_col";
ALTER TABLE "app"."children" ALTER COLUMN "size" TYPE character varying(20);
ALTER TABLE "app"."children" ADD COLUMN "added" boolean NOT NULL DEFAULT false;
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_children_parent_id" ON "app"."children" ("parent_id");
-- hazard LONG_LOCK: validates every existing row while holding a lock
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE "app"."children" ADD CONSTRAINT "children_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "app"."parents" ("id");
