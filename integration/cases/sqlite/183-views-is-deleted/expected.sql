-- hazard MAY_FAIL: isDeleted; views and triggers that read it fail from then on
DROP VIEW "old_emails";
