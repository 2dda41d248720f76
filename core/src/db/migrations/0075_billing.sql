-- 0075_billing: what the payment provider tells hawk (billing/).
--
-- Every webhook event is stored by its provider id before it is applied,
-- so a repeated delivery is recognised and acknowledged without being
-- applied twice.  A subscription row remembers the provider time of the
-- state it holds (state_at), so an event that arrives after a newer one
-- is kept but does not overwrite what the newer one said.

ALTER TABLE subscriptions
    ADD COLUMN stripe_price_id      text,
    ADD COLUMN current_period_start timestamptz,
    ADD COLUMN canceled_at          timestamptz,
    ADD COLUMN ended_at             timestamptz,
    ADD COLUMN past_due_since       timestamptz,
    -- provider time (unix seconds) of the event whose state this row
    -- holds; 0 for rows written by hand (admin, support)
    ADD COLUMN state_at             bigint NOT NULL DEFAULT 0;

CREATE INDEX subscriptions_status_idx ON subscriptions (status, plan_id);

-- The provider's customer of a user: made at the first checkout, kept
-- when a subscription ends so the next one bills the same customer.
CREATE TABLE billing_customers (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    customer_id text NOT NULL,
    email       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT billing_customers_customer_uniq UNIQUE (customer_id),
    CONSTRAINT billing_customers_customer_len
        CHECK (length(customer_id) BETWEEN 1 AND 255)
);

-- Each verified webhook event, by the provider's id.  status says what
-- became of it: applied, ignored (a type hawk does not act on), stale
-- (older than the state already held), unmatched (no hawk user for it:
-- reported, kept for a later look), failed (could not be applied).
CREATE TABLE payment_events (
    id            text PRIMARY KEY,
    type          text NOT NULL,
    provider_type text NOT NULL,
    created       bigint NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'received',
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    note          text NOT NULL DEFAULT '',
    payload       jsonb NOT NULL,
    CONSTRAINT payment_events_id_len CHECK (length(id) BETWEEN 1 AND 255),
    CONSTRAINT payment_events_status CHECK (status IN ('received', 'applied',
        'ignored', 'stale', 'unmatched', 'failed'))
);

CREATE INDEX payment_events_status_idx ON payment_events (status, received_at);

-- Every change of a user's plan or subscription status, whoever made it.
CREATE TABLE subscription_history (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL,
    event_id    text,
    old_plan_id bigint,
    new_plan_id bigint,
    old_status  text,
    new_status  text NOT NULL,
    CONSTRAINT subscription_history_source CHECK (source IN ('webhook',
        'user', 'admin', 'scheduler'))
);

CREATE INDEX subscription_history_user_idx
    ON subscription_history (user_id, at DESC, id DESC);
CREATE INDEX subscription_history_at_idx ON subscription_history (at);

-- Invoices as the provider reported them (revenue metrics read the paid
-- ones; the user's list is read from the provider itself).
CREATE TABLE invoices (
    id              text PRIMARY KEY,
    user_id         bigint REFERENCES users (id) ON DELETE CASCADE,
    customer_id     text,
    subscription_id text,
    plan_id         bigint REFERENCES plans (id),
    status          text NOT NULL,
    amount_due      bigint NOT NULL DEFAULT 0,
    amount_paid     bigint NOT NULL DEFAULT 0,
    currency        text NOT NULL DEFAULT 'usd',
    created_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    period_start    timestamptz,
    period_end      timestamptz,
    hosted_url      text,
    pdf_url         text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX invoices_paid_idx ON invoices (paid_at, plan_id)
    WHERE status = 'paid';
CREATE INDEX invoices_user_idx ON invoices (user_id, created_at DESC);

-- Paid revenue per month, plan and currency, added to in the transaction
-- that first sees an invoice paid, so revenue metrics read a few rows
-- rather than every invoice.  plan_id 0: the invoice matched no plan.
CREATE TABLE revenue_monthly (
    month    date NOT NULL,
    plan_id  bigint NOT NULL DEFAULT 0,
    currency text NOT NULL,
    amount   bigint NOT NULL DEFAULT 0,
    invoices bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (month, plan_id, currency)
);
