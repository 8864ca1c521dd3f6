-- hazard MAY_FAIL: fails if existing rows reference missing keys; the constraint then stays NOT VALID and the next plan validates it again
ALTER TABLE "members" VALIDATE CONSTRAINT "members_team_id_fkey";
