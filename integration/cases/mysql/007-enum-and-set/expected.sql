CREATE TABLE `moods` (
  `mood` enum('happy','sad','it''s') NOT NULL DEFAULT 'happy',
  `perms` set('r','w','x') DEFAULT 'r,w'
);
