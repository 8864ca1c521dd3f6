-- hazard DELETES_DATA: drops table old_stuff and all its rows (1 row)
DROP TABLE `old_stuff`;
