CREATE TABLE mixed (a varchar(20), b varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, c enum('x','y') CHARACTER SET utf8 COLLATE utf8_general_ci) DEFAULT CHARSET=latin1;
