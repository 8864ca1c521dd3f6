ALTER TABLE "logs" DROP CONSTRAINT "logs_pkey";
