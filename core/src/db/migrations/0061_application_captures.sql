-- What a job board plugin's browser showed when an application could not
-- go on (a security check, a field it does not know, an error): a
-- screenshot and the page's HTML, kept with the application so the user
-- can see what happened and finish by hand.
CREATE TABLE application_captures (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    reason         text NOT NULL,
    screenshot     bytea,
    html           bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT application_captures_reason CHECK (reason ~ '^[a-z0-9_]{1,48}$')
);
CREATE INDEX application_captures_app_idx ON application_captures (application_id, id);
