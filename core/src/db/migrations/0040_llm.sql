-- 0040_llm: usage and cost of the llm features per user and day, and the
-- answers to application questions (cache and user overrides).

-- One row per user, UTC day, plugin instance, model and purpose; calls
-- add to it.  Failed calls that the server billed are counted too.
CREATE TABLE llm_usage (
    user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day               date NOT NULL,
    plugin            text NOT NULL,
    model             text NOT NULL,
    purpose           text NOT NULL,
    calls             bigint NOT NULL DEFAULT 0,
    failures          bigint NOT NULL DEFAULT 0,
    prompt_tokens     bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cost_usd          numeric(14, 6) NOT NULL DEFAULT 0,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, day, plugin, model, purpose),
    CONSTRAINT llm_usage_counts CHECK (calls >= 0 AND failures >= 0 AND
        prompt_tokens >= 0 AND completion_tokens >= 0 AND cost_usd >= 0)
);
CREATE INDEX llm_usage_user_day_idx ON llm_usage (user_id, day DESC);

-- Answers by normalized question (question_key), one per user.  source:
-- 'profile' (computed from the resume), 'llm' (asked once, then served
-- from here) or 'user' (an override, which always wins).  answer is JSON:
-- a string, a number, or an array of strings for multiple choice.
CREATE TABLE llm_answers (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    question_key text NOT NULL,
    question     text NOT NULL,
    input_type   text NOT NULL DEFAULT 'text',
    options      jsonb,
    answer       jsonb NOT NULL,
    source       text NOT NULL,
    hits         bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT llm_answers_key_uniq UNIQUE (user_id, question_key),
    CONSTRAINT llm_answers_source CHECK (source IN ('profile', 'llm', 'user')),
    CONSTRAINT llm_answers_type CHECK (input_type IN ('text', 'textarea',
        'number', 'single_choice', 'multiple_choice', 'yes_no', 'date')),
    CONSTRAINT llm_answers_key_len CHECK (length(question_key) BETWEEN 1 AND 1000),
    CONSTRAINT llm_answers_question_len CHECK (length(question) BETWEEN 1 AND 2000)
);
CREATE INDEX llm_answers_user_idx ON llm_answers (user_id, updated_at DESC, id DESC);
