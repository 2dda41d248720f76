-- A user's kill switch per job board: while a row exists, no application
-- of that user is sent to that board (POST/DELETE
-- /api/v1/boards/{board}/pause).
CREATE TABLE board_pauses (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    board     text NOT NULL,
    paused_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, board),
    CONSTRAINT board_pauses_board CHECK (board ~ '^[a-z0-9_-]{1,32}$')
);
