CREATE TABLE mixed (a varchar(20), b varchar(20), c text, d varchar(20) CHARACTER SET latin1);
