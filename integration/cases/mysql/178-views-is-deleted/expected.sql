-- hazard MAY_FAIL: isDeleted; views that read it fail from then on
DROP VIEW `old_emails`;
