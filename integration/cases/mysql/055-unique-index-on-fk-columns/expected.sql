-- hazard INDEX_BUILD: builds an index over every row, in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX `idx_profiles_user_id` ON `profiles` (`user_id`) ALGORITHM=INPLACE LOCK=NONE;
