-- hazard MAY_FAIL: fails unless the server has an update path from 1.5 to 1.6
ALTER EXTENSION "citext" UPDATE TO '1.6';
ALTER EXTENSION "citext" SET SCHEMA "extensions";
