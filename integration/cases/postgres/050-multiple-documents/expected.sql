-- hazard DELETES_DATA: drops table public.gamma and all its rows (0 rows)
DROP TABLE "gamma";
CREATE TABLE "beta" (
  "id" integer NOT NULL,
  "alpha_id" integer,
  PRIMARY KEY ("id")
);
ALTER TABLE "alpha" ADD COLUMN "b" integer;
ALTER TABLE "beta" ADD CONSTRAINT "beta_alpha_id_fkey" FOREIGN KEY ("alpha_id") REFERENCES "alpha" ("id");
