-- a plan stopped after adding a key NOT VALID (its validation timed out): the next plan
-- validates the key, neither keeping it unvalidated nor dropping and adding it again
CREATE TABLE teams (id integer PRIMARY KEY);
CREATE TABLE members (id integer PRIMARY KEY, team_id integer);
INSERT INTO teams VALUES (1);
INSERT INTO members VALUES (1, 1), (2, NULL);
ALTER TABLE members ADD CONSTRAINT members_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) NOT VALID;
