ALTER TABLE "codes" ALTER COLUMN "code" TYPE character varying(50);
