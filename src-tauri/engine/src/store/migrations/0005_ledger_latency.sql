-- Schema 5: time to first token per day and model as a histogram, kept by triggers beside the
-- daily rollup, so the dashboard's p50/p95 read hundreds of rows rather than millions. Buckets
-- are 10 ms wide under 1 s, 100 ms under 10 s and 1 s above (a percentile is within 10% of the
-- exact one). `late` counts answers that came after a failed attempt (a retry or a fallover).
-- Every attempt that got its first token counts (ok, streaming, interrupted, cancelled, error).
CREATE TABLE ledger_latency (
    day    TEXT    NOT NULL,
    model  TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    n      INTEGER NOT NULL DEFAULT 0,
    late   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, model, bucket)
) WITHOUT ROWID;

INSERT INTO ledger_latency (day, model, bucket, n, late)
SELECT strftime('%Y-%m-%d', started_at / 1000, 'unixepoch'), COALESCE(model_answered, model_requested),
       CASE WHEN ttft_ms < 1000 THEN ttft_ms / 10 * 10 WHEN ttft_ms < 10000 THEN ttft_ms / 100 * 100 ELSE ttft_ms / 1000 * 1000 END AS b,
       COUNT(*), SUM(attempt > 1)
FROM ledger WHERE ttft_ms IS NOT NULL AND outcome != 'failed'
GROUP BY 1, 2, 3;

CREATE TRIGGER ledger_latency_insert AFTER INSERT ON ledger
WHEN new.ttft_ms IS NOT NULL AND new.outcome != 'failed' BEGIN
    INSERT INTO ledger_latency (day, model, bucket, n, late)
    VALUES (strftime('%Y-%m-%d', new.started_at / 1000, 'unixepoch'), COALESCE(new.model_answered, new.model_requested),
            CASE WHEN new.ttft_ms < 1000 THEN new.ttft_ms / 10 * 10 WHEN new.ttft_ms < 10000 THEN new.ttft_ms / 100 * 100
                 ELSE new.ttft_ms / 1000 * 1000 END,
            1, new.attempt > 1)
    ON CONFLICT (day, model, bucket) DO UPDATE SET n = n + 1, late = late + excluded.late;
END;

CREATE TRIGGER ledger_latency_delete AFTER DELETE ON ledger
WHEN old.ttft_ms IS NOT NULL AND old.outcome != 'failed' BEGIN
    UPDATE ledger_latency SET n = n - 1, late = late - (old.attempt > 1)
    WHERE day = strftime('%Y-%m-%d', old.started_at / 1000, 'unixepoch')
      AND model = COALESCE(old.model_answered, old.model_requested)
      AND bucket = CASE WHEN old.ttft_ms < 1000 THEN old.ttft_ms / 10 * 10 WHEN old.ttft_ms < 10000 THEN old.ttft_ms / 100 * 100
                        ELSE old.ttft_ms / 1000 * 1000 END;
END;

CREATE TRIGGER ledger_latency_update_old AFTER UPDATE OF ttft_ms, outcome, model_answered, model_requested, started_at, attempt ON ledger
WHEN old.ttft_ms IS NOT NULL AND old.outcome != 'failed' BEGIN
    UPDATE ledger_latency SET n = n - 1, late = late - (old.attempt > 1)
    WHERE day = strftime('%Y-%m-%d', old.started_at / 1000, 'unixepoch')
      AND model = COALESCE(old.model_answered, old.model_requested)
      AND bucket = CASE WHEN old.ttft_ms < 1000 THEN old.ttft_ms / 10 * 10 WHEN old.ttft_ms < 10000 THEN old.ttft_ms / 100 * 100
                        ELSE old.ttft_ms / 1000 * 1000 END;
END;

CREATE TRIGGER ledger_latency_update_new AFTER UPDATE OF ttft_ms, outcome, model_answered, model_requested, started_at, attempt ON ledger
WHEN new.ttft_ms IS NOT NULL AND new.outcome != 'failed' BEGIN
    INSERT INTO ledger_latency (day, model, bucket, n, late)
    VALUES (strftime('%Y-%m-%d', new.started_at / 1000, 'unixepoch'), COALESCE(new.model_answered, new.model_requested),
            CASE WHEN new.ttft_ms < 1000 THEN new.ttft_ms / 10 * 10 WHEN new.ttft_ms < 10000 THEN new.ttft_ms / 100 * 100
                 ELSE new.ttft_ms / 1000 * 1000 END,
            1, new.attempt > 1)
    ON CONFLICT (day, model, bucket) DO UPDATE SET n = n + 1, late = late + excluded.late;
END;
