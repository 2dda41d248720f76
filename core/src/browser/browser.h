/*
 * browser/browser.h - the browser service: a pool of headless Chromium
 * sessions driven through chromedriver with the W3C WebDriver protocol,
 * over the host's libcurl client.
 *
 * Every session is one chromedriver process (started on a loopback port it
 * picks itself) with its Chromium, all in one process group of their own,
 * so ending a session ends every process it started.  Sessions belong to
 * a user and a profile name: a profile keeps a persistent Chromium user
 * data directory under <data_dir>/browser/profiles/ so that logins
 * survive; a session without a profile gets a throw-away directory.  At
 * most one session per (user, profile) exists at a time, on this machine
 * (an flock on the profile) and in this process (the pool).
 *
 * Limits: browser.max_sessions in all; per user, what the limits callback
 * answers (the plan's max_concurrent_sessions).  A caller waits up to
 * acquire_timeout for a slot; idle sessions of others are closed to make
 * room.  A released session may be kept idle for idle_timeout and handed
 * to the next acquire for the same user and profile.
 *
 * Reaping: a reaper thread closes idle sessions past idle_timeout, kills
 * sessions whose lease ran out (the job that took them timed out) or
 * whose processes died, and hk_browser_free() ends every session.  State
 * left by a process that died without cleaning up (its run directory
 * under <data_dir>/browser/run/ names its pid) is swept by the next
 * hk_browser_start() on the machine: its process groups are killed,
 * checked by their command lines so nothing else is touched.
 *
 * Thread-safety: the pool is thread-safe; one session is used by one
 * thread at a time (the one that acquired it).
 */
#ifndef HK_BROWSER_H
#define HK_BROWSER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct hk_browser;
struct hk_browser_session;

/* The service's configuration (the app fills it from browser.* keys).
 * Strings are copied by hk_browser_new(). */
struct hk_browser_cfg {
    const char *chromedriver;   /* path or name; NULL/"": chromedriver on
                                 PATH, then /usr/bin/chromedriver */
    const char *chromium;       /* path or name; NULL/"": chromium on PATH,
                                 then /usr/bin/chromium */
    const char *data_dir;       /* required: state goes to <data_dir>/browser */
    int max_sessions;           /* in all; 0: 4 */
    int64_t acquire_timeout_ms; /* wait for a free slot; 0: 60 s */
    int64_t start_timeout_ms;   /* chromedriver up + session made; 0: 30 s */
    int64_t command_timeout_ms; /* one WebDriver command; 0: 30 s */
    int64_t page_load_timeout_ms;  /* navigation; 0: 30 s */
    int64_t idle_timeout_ms;       /* keep a released session; 0: close */
    int64_t max_lifetime_ms;       /* recycle older sessions; 0: 1 h */
    int window_width;              /* 0: 1280 */
    int window_height;             /* 0: 900 */
    const char *const *extra_args; /* more Chromium switches; may be NULL */
    size_t n_extra_args;
    size_t max_response_bytes; /* largest WebDriver answer; 0: 32 MiB */
};

/* Per-user limit, supplied by the composition root (the plan's
 * max_concurrent_sessions).  Returns 0 with *max (0 or less: none
 * allowed) or a negative HAWK_E* with err filled.  NULL callback: a user
 * may hold max_sessions. */
struct hk_browser_limits {
    void *opaque;
    int (*user_max_sessions)(void *opaque, int64_t user_id, int *max,
                             struct hk_err *err);
};

/* Creates the service (no process is started yet).  cfg is copied;
 * limits may be NULL and is copied.  Returns 0 with *out (free with
 * hk_browser_free) or HAWK_EINVAL / HAWK_EIO with err naming the
 * problem. */
int hk_browser_new(const struct hk_browser_cfg *cfg,
                   const struct hk_browser_limits *limits,
                   struct hk_browser **out, struct hk_err *err);

/* Sweeps what a dead process left under <data_dir>/browser/run, creates
 * this process's run directory, and starts the reaper thread.  Call once
 * before the first acquire (acquire calls it when it was not).  0 or
 * HAWK_EIO with err. */
int hk_browser_start(struct hk_browser *b, struct hk_err *err);

/* Ends every session (graceful quit, then the process groups are
 * killed), stops the reaper, removes the run directory and frees b.
 * Sessions still acquired are ended too; their holders must not use them
 * afterwards (call only when no other thread uses the service).  Accepts
 * NULL. */
void hk_browser_free(struct hk_browser *b);

/* Whether chromedriver and Chromium can be found: 0, or HAWK_EUNAVAIL
 * with err naming the missing program and the Debian package to
 * install. */
int hk_browser_check_programs(const struct hk_browser *b, struct hk_err *err);

/* ---- sessions ------------------------------------------------------ */

struct hk_browser_lease {
    int64_t user_id;     /* 0: a system session (documents) */
    const char *profile; /* [a-z0-9_-]{1,32}; NULL: a throw-away profile */
    int64_t lease_ms;    /* how long it may be held; 0: max_lifetime */
    const atomic_bool *cancel; /* may be NULL: stops the wait for a slot */
};

/* Hands out a session for the user and profile: an idle one that still
 * answers, else a new one.  Waits for a slot up to acquire_timeout.
 * Returns 0 with *out (give it back with hk_browser_release), or:
 * HAWK_EINVAL (bad profile name), HAWK_EQUOTA (the user may hold no
 * session at all), HAWK_EUNAVAIL (no slot in time, a program missing, the
 * browser did not start; retryable unless a program is missing),
 * HAWK_ECANCELED, HAWK_ETIMEDOUT; err says which. */
int hk_browser_acquire(struct hk_browser *b, const struct hk_browser_lease *l,
                       struct hk_browser_session **out, struct hk_err *err);

/* Gives a session back.  reusable: keep it idle for idle_timeout (when
 * configured and the session is healthy); false ends it now (after a
 * failure, or when the page state must not leak to the next use).
 * Accepts NULL. */
void hk_browser_release(struct hk_browser_session *s, bool reusable);

/* Whether the session's processes died or it was killed (lease ran out);
 * every command on it then fails with HAWK_EUNAVAIL. */
bool hk_browser_session_dead(const struct hk_browser_session *s);

/* The session's browser version ("156.0.8078.114"); borrowed. */
const char *hk_browser_session_version(const struct hk_browser_session *s);

/* Process group id of the session (for tests and metrics). */
int hk_browser_session_pgid(const struct hk_browser_session *s);

/* ---- commands -------------------------------------------------------- */

/*
 * One WebDriver command on the session: method ("GET", "POST",
 * "DELETE"), path relative to the session ("/url", "/element",
 * "/element/<ref>/click"; "" for the session itself), body a JSON text or
 * NULL (POST sends "{}").  On success value_json (may be NULL) receives
 * the JSON text of the answer's "value" member.  timeout_ms 0: the
 * configured command timeout.  cancel may be NULL.
 *
 * Errors (WebDriver error codes mapped, the driver's message kept):
 * HAWK_ENOTFOUND (no such element, stale element, no such alert...),
 * HAWK_ECONFLICT (element not interactable, click intercepted, alert
 * open), HAWK_EINVAL (invalid argument or selector), HAWK_ETIMEDOUT,
 * HAWK_EUNAVAIL (the session or browser is gone: marked dead),
 * HAWK_EPROTO (an answer that is not WebDriver's), HAWK_ECANCELED.
 */
int hk_browser_cmd(struct hk_browser_session *s, const char *method,
                   const char *path, const char *body,
                   struct hk_buf *value_json, int64_t timeout_ms,
                   const atomic_bool *cancel, struct hk_err *err);

/* Navigates to url and waits for the load (pageLoad timeout). */
int hk_browser_navigate(struct hk_browser_session *s, const char *url,
                        const atomic_bool *cancel, struct hk_err *err);

/* The current URL into out (NUL-terminated, truncated). */
int hk_browser_current_url(struct hk_browser_session *s, char *out,
                           size_t outlen, struct hk_err *err);

/* A PNG screenshot of the viewport into png (bytes, not base64). */
int hk_browser_screenshot(struct hk_browser_session *s, struct hk_buf *png,
                          struct hk_err *err);

/* The current page's HTML (document.documentElement.outerHTML, so what
 * scripts changed is included) into html. */
int hk_browser_page_html(struct hk_browser_session *s, struct hk_buf *html,
                         struct hk_err *err);

/* WebDriver Print: page size and margins in centimetres (0: A4 / 1 cm),
 * backgrounds printed.  The PDF bytes go to pdf. */
struct hk_browser_pdf_opts {
    double page_width_cm;  /* 0: 21.0 */
    double page_height_cm; /* 0: 29.7 */
    double margin_cm;      /* < 0: none; 0: 1.0 */
    bool landscape;
};
int hk_browser_print_pdf(struct hk_browser_session *s,
                         const struct hk_browser_pdf_opts *o,
                         struct hk_buf *pdf, struct hk_err *err);

/*
 * Renders an HTML document to PDF on a system session: the HTML is
 * written to a private file, opened, printed, and the file removed.
 * External resources are not fetched (the document should be
 * self-contained).  o may be NULL.  html must be UTF-8 of at most 8 MiB
 * (HAWK_ETOOBIG).  Returns 0 with the PDF in pdf, or the acquire and
 * command errors above.
 */
int hk_browser_html_to_pdf(struct hk_browser *b, const char *html, size_t len,
                           const struct hk_browser_pdf_opts *o,
                           const atomic_bool *cancel, struct hk_buf *pdf,
                           struct hk_err *err);

/* ---- lending sessions to plugins ------------------------------------ */

struct hk_call_services;
/* Fills the browser half of svc (browser_ctx and the browser_* members)
 * so the call's plugin reaches sessions of b through the host API.  b
 * NULL leaves the call without a browser.  b must outlive the call. */
void hk_browser_lend(struct hk_browser *b, struct hk_call_services *svc);

/* ---- statistics ------------------------------------------------------- */

struct hk_browser_stats {
    int sessions; /* alive now, busy or idle */
    int busy;
    int64_t started;  /* sessions started since hk_browser_new */
    int64_t reused;   /* acquires served by an idle session */
    int64_t killed;   /* sessions ended by the reaper (lease, crash, age) */
    int64_t failures; /* sessions that failed to start */
};
void hk_browser_get_stats(struct hk_browser *b, struct hk_browser_stats *out);

/* Decodes standard base64 (RFC 4648, with or without padding, white
 * space ignored) appending the bytes to out.  0, HAWK_EPROTO on invalid
 * input, or HAWK_ETOOBIG. */
int hk_browser_b64_decode(const char *in, size_t len, struct hk_buf *out);

#endif
