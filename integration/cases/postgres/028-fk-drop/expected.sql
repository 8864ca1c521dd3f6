ALTER TABLE "teams" DROP CONSTRAINT "teams_org_id_fkey";
