CREATE TABLE "employees" (
  "id" integer NOT NULL,
  "manager_id" integer,
  "name" text,
  PRIMARY KEY ("id")
);
ALTER TABLE "employees" ADD CONSTRAINT "employees_manager_id_fkey" FOREIGN KEY ("manager_id") REFERENCES "employees" ("id") ON DELETE SET NULL;
