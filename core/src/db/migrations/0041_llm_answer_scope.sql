-- Answers carry a scope (llm/answers.c): an email address or a notice
-- period holds for every application ('global'), a "why us" answer only
-- for one company ('company', scope_key = the company name in lower
-- case), an answer about the job itself only for that job ('job',
-- scope_key = the job id).  A cached answer is also tied to the field's
-- options (options_key = md5 of the options' JSON, '' without options),
-- so an answer for one company or one option list is never reused for
-- another.
ALTER TABLE llm_answers ADD COLUMN scope text NOT NULL DEFAULT 'global';
ALTER TABLE llm_answers ADD COLUMN scope_key text NOT NULL DEFAULT '';
ALTER TABLE llm_answers ADD COLUMN options_key text NOT NULL DEFAULT '';
ALTER TABLE llm_answers ADD COLUMN slot text;
ALTER TABLE llm_answers ADD CONSTRAINT llm_answers_scope
    CHECK (scope IN ('global', 'company', 'job'));
ALTER TABLE llm_answers ADD CONSTRAINT llm_answers_scope_key
    CHECK ((scope = 'global') = (scope_key = '') AND length(scope_key) <= 300);
ALTER TABLE llm_answers DROP CONSTRAINT llm_answers_key_uniq;
ALTER TABLE llm_answers ADD CONSTRAINT llm_answers_key_uniq
    UNIQUE (user_id, question_key, scope, scope_key, options_key);
