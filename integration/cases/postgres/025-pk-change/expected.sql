ALTER TABLE "members" DROP CONSTRAINT "members_pkey";
-- hazard INDEX_BUILD: builds a unique index; writes block meanwhile
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE "members" ADD CONSTRAINT "members_pkey" PRIMARY KEY ("email");
