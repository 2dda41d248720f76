-- 0010_platform: plans and subscriptions, resumes, job search
-- configurations, jobs and scores, applications with their history,
-- notes, questions and generated documents.

-- ---------------------------------------------------------------- plans
CREATE TABLE plans (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    price_cents      bigint NOT NULL DEFAULT 0,
    currency         text NOT NULL DEFAULT 'usd',
    billing_interval text NOT NULL DEFAULT 'month',
    -- limits and feature flags by name; the C side knows the names and
    -- their types (platform/plans.c), so a new limit needs no migration
    features         jsonb NOT NULL DEFAULT '{}',
    is_active        boolean NOT NULL DEFAULT true,
    stripe_price_id  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plans_name_uniq UNIQUE (name),
    CONSTRAINT plans_name_len CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT plans_price CHECK (price_cents >= 0),
    CONSTRAINT plans_currency CHECK (currency ~ '^[a-z]{3}$'),
    CONSTRAINT plans_interval CHECK (billing_interval IN ('month', 'year', 'once')),
    CONSTRAINT plans_features_object CHECK (jsonb_typeof(features) = 'object')
);

INSERT INTO plans (name, description, price_cents, currency, billing_interval, features) VALUES
('Free Trial', 'Try hawk with one resume and one search', 0, 'usd', 'month',
 '{"applications_per_day":5,"resumes":1,"job_configs":1,"custom_resume":false,"workflows":1,"min_schedule_interval_minutes":1440,"llm_monthly_budget_usd":1}'),
('Job Seeker', 'Steady searching with tailored resumes', 1900, 'usd', 'month',
 '{"applications_per_day":25,"resumes":3,"job_configs":3,"custom_resume":true,"workflows":3,"min_schedule_interval_minutes":60,"llm_monthly_budget_usd":10}'),
('Career Pro', 'High volume searching across many profiles', 4900, 'usd', 'month',
 '{"applications_per_day":50,"resumes":10,"job_configs":10,"custom_resume":true,"workflows":10,"min_schedule_interval_minutes":15,"llm_monthly_budget_usd":50}');

-- A user without a row here is on the Free Trial plan, counted from
-- users.created_at (plans.trial_days in the configuration).
CREATE TABLE subscriptions (
    id                     bigserial PRIMARY KEY,
    user_id                bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id                bigint NOT NULL REFERENCES plans (id),
    status                 text NOT NULL DEFAULT 'active',
    trial_ends_at          timestamptz,
    current_period_end     timestamptz,
    cancel_at_period_end   boolean NOT NULL DEFAULT false,
    stripe_customer_id     text,
    stripe_subscription_id text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_user_uniq UNIQUE (user_id),
    CONSTRAINT subscriptions_stripe_uniq UNIQUE (stripe_subscription_id),
    CONSTRAINT subscriptions_status CHECK (status IN ('trialing', 'active',
        'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired',
        'paused'))
);

-- Metered usage that is not a row count (LLM spend, generations), one row
-- per user, counter and period.
CREATE TABLE usage_counters (
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    period_start date NOT NULL,
    amount       numeric NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, name, period_start)
);

-- -------------------------------------------------------------- resumes
CREATE TABLE resumes (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    is_default   boolean NOT NULL DEFAULT false,
    structured   jsonb,
    file         bytea,
    file_name    text,
    content_type text,
    size         bigint NOT NULL DEFAULT 0,
    sha256       text,
    parsed_text  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resumes_has_content CHECK (structured IS NOT NULL OR file IS NOT NULL),
    CONSTRAINT resumes_name_len CHECK (length(name) BETWEEN 1 AND 200)
);
-- Keep the (possibly MiB-sized) file out of the main heap page.
ALTER TABLE resumes ALTER COLUMN file SET STORAGE EXTERNAL;
CREATE INDEX resumes_user_idx ON resumes (user_id, created_at DESC, id DESC);
-- Exactly one default per user is enforced here, not by check-then-set.
CREATE UNIQUE INDEX resumes_one_default ON resumes (user_id) WHERE is_default;

-- --------------------------------------------------------- job configs
CREATE TABLE job_configs (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    is_active  boolean NOT NULL DEFAULT true,
    is_default boolean NOT NULL DEFAULT false,
    -- everything else, validated field by field in platform/jobconfigs.c
    settings   jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_configs_name_len CHECK (length(name) BETWEEN 1 AND 100)
);
CREATE INDEX job_configs_user_idx ON job_configs (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX job_configs_one_default ON job_configs (user_id) WHERE is_default;

-- ----------------------------------------------------------------- jobs
-- Normalized postings from any board, shared between users; what a user
-- sees is scoped through user_jobs.
CREATE TABLE jobs (
    id          bigserial PRIMARY KEY,
    board       text NOT NULL,
    external_id text NOT NULL,
    title       text NOT NULL,
    company     text NOT NULL DEFAULT '',
    location    text NOT NULL DEFAULT '',
    workplace   text NOT NULL DEFAULT 'any',
    salary      text,
    applicants  integer,
    posted_at   timestamptz,
    description text,
    url         text,
    easy_apply  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    search      tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(company, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
    ) STORED,
    CONSTRAINT jobs_board_external_uniq UNIQUE (board, external_id),
    CONSTRAINT jobs_workplace CHECK (workplace IN ('any', 'onsite', 'remote', 'hybrid')),
    CONSTRAINT jobs_applicants CHECK (applicants IS NULL OR applicants >= 0)
);
CREATE INDEX jobs_search_idx ON jobs USING gin (search);

CREATE TABLE user_jobs (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id      bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    found_at    timestamptz NOT NULL DEFAULT now(),
    search_term text,
    PRIMARY KEY (user_id, job_id)
);
CREATE INDEX user_jobs_found_idx ON user_jobs (user_id, found_at DESC, job_id DESC);

CREATE TABLE job_scores (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id         bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    score          numeric(5, 2) NOT NULL,
    reasons        jsonb NOT NULL DEFAULT '[]',
    missing_skills jsonb NOT NULL DEFAULT '[]',
    scored_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_scores_uniq UNIQUE (user_id, job_id),
    CONSTRAINT job_scores_range CHECK (score >= 0 AND score <= 100)
);

-- --------------------------------------------------------- applications
-- A lookup instead of a CHECK so modules can add statuses with an INSERT.
-- user_settable: accepted by PUT /job-applications/{id}/status.
CREATE TABLE application_statuses (
    name          text PRIMARY KEY,
    user_settable boolean NOT NULL DEFAULT true,
    responded     boolean NOT NULL DEFAULT false
);
INSERT INTO application_statuses (name, user_settable, responded) VALUES
    ('queued', true, false), ('applied', true, false), ('failed', true, false),
    ('skipped', true, false), ('needs_attention', true, false),
    ('viewed', true, false), ('interviewing', true, true),
    ('offered', true, true), ('rejected', true, true), ('accepted', true, true),
    ('withdrawn', true, false), ('awaiting_review', false, false),
    ('approved', false, false);

CREATE TABLE applications (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id        bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    status        text NOT NULL DEFAULT 'queued' REFERENCES application_statuses (name),
    search_term   text,
    -- copied from the job (cut to 200/200/100 characters) so the list
    -- page is one index-only scan with no join; the job keeps the full text
    company       text NOT NULL DEFAULT '',
    title         text NOT NULL DEFAULT '',
    location      text NOT NULL DEFAULT '',
    board         text NOT NULL DEFAULT '',
    resume_id     bigint REFERENCES resumes (id) ON DELETE SET NULL,
    job_config_id bigint REFERENCES job_configs (id) ON DELETE SET NULL,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    applied_at    timestamptz,
    CONSTRAINT applications_user_job_uniq UNIQUE (user_id, job_id)
);
-- Covers the first page of the list: with the visibility map set
-- (autovacuum), the page and its total are index-only scans.
CREATE INDEX applications_user_created_idx ON applications
    (user_id, created_at DESC, id DESC)
    INCLUDE (job_id, status, search_term, company, title, location, board,
             updated_at, applied_at);
CREATE INDEX applications_user_status_idx ON applications (user_id, status);
CREATE INDEX applications_user_company_idx ON applications (user_id, company);

CREATE TABLE application_status_history (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    from_status    text,
    to_status      text NOT NULL,
    note           text,
    actor          text NOT NULL,
    at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX application_status_history_app_idx ON application_status_history (application_id, id);

CREATE TABLE application_notes (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    content        text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT application_notes_len CHECK (length(content) BETWEEN 1 AND 10000)
);
CREATE INDEX application_notes_app_idx ON application_notes (application_id, id);

CREATE TABLE application_questions (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    question       text NOT NULL,
    type           text NOT NULL DEFAULT 'text',
    answer         text,
    source         text NOT NULL DEFAULT 'llm',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_questions_app_idx ON application_questions (application_id, id);

CREATE TABLE generated_documents (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    content        text NOT NULL,
    format         text NOT NULL DEFAULT 'text',
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT generated_documents_kind CHECK (kind IN ('cover_letter', 'tailored_resume')),
    CONSTRAINT generated_documents_format CHECK (format IN ('text', 'markdown', 'html', 'json'))
);
CREATE INDEX generated_documents_app_idx ON generated_documents (application_id, id);
