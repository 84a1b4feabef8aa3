-- Schema 6: the daily rollup also keyed by the gateway's client, so spend per client (the
-- dashboard, `usage --by client`) reads the rollup like every other grouping instead of every
-- ledger row. The table is rebuilt from the ledger and its triggers made again with the client.
DROP TRIGGER ledger_daily_insert;
DROP TRIGGER ledger_daily_delete;
DROP TRIGGER ledger_daily_update;
DROP TABLE ledger_daily;

CREATE TABLE ledger_daily (
    day                TEXT    NOT NULL,
    provider           TEXT    NOT NULL,
    model              TEXT    NOT NULL,
    client             TEXT    NOT NULL,
    requests           INTEGER NOT NULL DEFAULT 0,
    errors             INTEGER NOT NULL DEFAULT 0,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_micros        INTEGER NOT NULL DEFAULT 0,
    estimated          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, provider, model, client)
) WITHOUT ROWID;

INSERT INTO ledger_daily (day, provider, model, client, requests, errors, input_tokens, output_tokens, cache_read_tokens,
                          cache_write_tokens, reasoning_tokens, cost_micros, estimated)
SELECT strftime('%Y-%m-%d', started_at / 1000, 'unixepoch'), provider, COALESCE(model_answered, model_requested),
       COALESCE(client, '(local)'), COUNT(*), SUM(outcome = 'failed'), SUM(input_tokens), SUM(output_tokens),
       SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(cost_micros), SUM(estimated)
FROM ledger GROUP BY 1, 2, 3, 4;

CREATE TRIGGER ledger_daily_insert AFTER INSERT ON ledger BEGIN
    INSERT INTO ledger_daily (day, provider, model, client, requests, errors, input_tokens, output_tokens, cache_read_tokens,
                              cache_write_tokens, reasoning_tokens, cost_micros, estimated)
    VALUES (strftime('%Y-%m-%d', new.started_at / 1000, 'unixepoch'), new.provider, COALESCE(new.model_answered, new.model_requested), COALESCE(new.client, '(local)'),
            1, new.outcome = 'failed', new.input_tokens, new.output_tokens, new.cache_read_tokens, new.cache_write_tokens,
            new.reasoning_tokens, new.cost_micros, new.estimated)
    ON CONFLICT (day, provider, model, client) DO UPDATE SET
        requests = requests + 1, errors = errors + excluded.errors, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens, cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_micros = cost_micros + excluded.cost_micros, estimated = estimated + excluded.estimated;
END;

CREATE TRIGGER ledger_daily_delete AFTER DELETE ON ledger BEGIN
    UPDATE ledger_daily SET
        requests = requests - 1, errors = errors - (old.outcome = 'failed'), input_tokens = input_tokens - old.input_tokens,
        output_tokens = output_tokens - old.output_tokens, cache_read_tokens = cache_read_tokens - old.cache_read_tokens,
        cache_write_tokens = cache_write_tokens - old.cache_write_tokens, reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
        cost_micros = cost_micros - old.cost_micros, estimated = estimated - old.estimated
    WHERE day = strftime('%Y-%m-%d', old.started_at / 1000, 'unixepoch') AND provider = old.provider
      AND model = COALESCE(old.model_answered, old.model_requested) AND client = COALESCE(old.client, '(local)');
END;

CREATE TRIGGER ledger_daily_update AFTER UPDATE ON ledger BEGIN
    UPDATE ledger_daily SET
        requests = requests - 1, errors = errors - (old.outcome = 'failed'), input_tokens = input_tokens - old.input_tokens,
        output_tokens = output_tokens - old.output_tokens, cache_read_tokens = cache_read_tokens - old.cache_read_tokens,
        cache_write_tokens = cache_write_tokens - old.cache_write_tokens, reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
        cost_micros = cost_micros - old.cost_micros, estimated = estimated - old.estimated
    WHERE day = strftime('%Y-%m-%d', old.started_at / 1000, 'unixepoch') AND provider = old.provider
      AND model = COALESCE(old.model_answered, old.model_requested) AND client = COALESCE(old.client, '(local)');
    INSERT INTO ledger_daily (day, provider, model, client, requests, errors, input_tokens, output_tokens, cache_read_tokens,
                              cache_write_tokens, reasoning_tokens, cost_micros, estimated)
    VALUES (strftime('%Y-%m-%d', new.started_at / 1000, 'unixepoch'), new.provider, COALESCE(new.model_answered, new.model_requested), COALESCE(new.client, '(local)'),
            1, new.outcome = 'failed', new.input_tokens, new.output_tokens, new.cache_read_tokens, new.cache_write_tokens,
            new.reasoning_tokens, new.cost_micros, new.estimated)
    ON CONFLICT (day, provider, model, client) DO UPDATE SET
        requests = requests + 1, errors = errors + excluded.errors, input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens, cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_micros = cost_micros + excluded.cost_micros, estimated = estimated + excluded.estimated;
END;
