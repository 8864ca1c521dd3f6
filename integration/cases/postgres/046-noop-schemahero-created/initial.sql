CREATE TABLE "projects" (
  "id" integer NOT NULL,
  "name" text NOT NULL,
  PRIMARY KEY ("id")
);
CREATE TABLE "tasks" (
  "id" integer NOT NULL,
  "project_id" integer,
  "title" character varying(200),
  "done" boolean DEFAULT false,
  "created_at" timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("id")
);
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON DELETE CASCADE;
CREATE INDEX "idx_tasks_project_id" ON "tasks" ("project_id");
CREATE UNIQUE INDEX "idx_tasks_project_id_title" ON "tasks" ("project_id", "title");
