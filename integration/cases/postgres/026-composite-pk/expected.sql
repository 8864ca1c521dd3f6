CREATE TABLE "enrollments" (
  "student_id" integer NOT NULL,
  "course_id" integer NOT NULL,
  "enrolled_at" timestamp with time zone DEFAULT now(),
  PRIMARY KEY ("student_id", "course_id")
);
