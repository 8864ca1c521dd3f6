CREATE TABLE "enrollments" (
  "student_id" integer NOT NULL,
  "course_id" integer NOT NULL,
  "enrolled_at" timestamp with time zone DEFAULT now(),
  PRIMARY KEY ("student_id", "course_id")
);
CREATE TABLE "grades" (
  "id" integer NOT NULL,
  "student_id" integer NOT NULL,
  "course_id" integer NOT NULL,
  "grade" character(1),
  PRIMARY KEY ("id")
);
ALTER TABLE "grades" ADD CONSTRAINT "grades_student_id_course_id_fkey" FOREIGN KEY ("student_id", "course_id") REFERENCES "enrollments" ("student_id", "course_id") ON DELETE RESTRICT;
