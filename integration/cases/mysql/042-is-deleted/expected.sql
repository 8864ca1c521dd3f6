-- hazard DELETES_DATA: drops table old_stuff and all its rows
DROP TABLE `old_stuff`;
