-- Schema 8: who is writing a streaming answer ("pid:start", the process id and its start time),
-- so that opening the database recovers only rows whose writer is gone, never a live answer
-- another process is still streaming. NULL (rows from before) counts as gone.
ALTER TABLE messages ADD COLUMN writer TEXT;
ALTER TABLE ledger ADD COLUMN writer TEXT;
