-- Schema 14: the settings a compare column's answer was made under (its system prompt and
-- parameters, as JSON), so a vote cast after the column's settings were changed still counts
-- the settings that produced the answer.
ALTER TABLE messages ADD COLUMN settings_json TEXT;
