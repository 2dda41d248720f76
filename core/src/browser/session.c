/*
 * browser/session.c - one session: its run directory, its profile (and
 * the lock on it), its chromedriver, and the WebDriver session with the
 * Chromium flags that work on these machines (headless=new, no sandbox,
 * no /dev/shm, no GPU, no background traffic, fixed window size).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "browser/browser_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* Flags every session gets (integration-facts §4.3). */
static const char *const base_args[] = {"--headless=new",
                                        "--no-sandbox",
                                        "--disable-dev-shm-usage",
                                        "--disable-gpu",
                                        "--disable-background-networking",
                                        "--disable-component-update",
                                        "--disable-sync",
                                        "--disable-default-apps",
                                        "--disable-extensions",
                                        "--no-first-run",
                                        "--no-default-browser-check",
                                        "--password-store=basic",
                                        "--lang=en-US",
                                        NULL};

static void add_arg(json_object *args, const char *fmt, const char *v)
{
    char buf[PATH_MAX + 64];
    snprintf(buf, sizeof(buf), fmt, v);
    json_object_array_add(args, json_object_new_string(buf));
}

/* The capabilities of a new session as JSON text; caller hk_free()s. */
static char *capabilities(const struct hk_browser *b,
                          const struct hk_browser_session *s, const char *sdir,
                          const char *chromium)
{
    json_object *args = json_object_new_array();
    for (size_t i = 0; base_args[i] != NULL; i++)
        json_object_array_add(args, json_object_new_string(base_args[i]));
    char size[48];
    snprintf(size, sizeof(size), "%d,%d", b->window_width, b->window_height);
    add_arg(args, "--window-size=%s", size);
    add_arg(args, "--user-data-dir=%s", s->profile_dir);
    /* Marks every browser process with its session directory, so a sweep
     * after a crash finds exactly ours (Chromium ignores the switch). */
    add_arg(args, "--hawk-session=%s/", sdir);
    for (size_t i = 0; i < b->n_extra_args; i++)
        json_object_array_add(args, json_object_new_string(b->extra_args[i]));

    json_object *chrome = json_object_new_object();
    json_object_object_add(chrome, "binary", json_object_new_string(chromium));
    json_object_object_add(chrome, "args", args);
    json_object *prefs = json_object_new_object();
    json_object_object_add(prefs, "intl.accept_languages",
                           json_object_new_string("en-US,en"));
    json_object_object_add(prefs, "download.prompt_for_download",
                           json_object_new_boolean(0));
    json_object_object_add(chrome, "prefs", prefs);

    json_object *timeouts = json_object_new_object();
    json_object_object_add(timeouts, "implicit", json_object_new_int(0));
    json_object_object_add(timeouts, "pageLoad",
                           json_object_new_int64(b->page_load_timeout_ms));
    json_object_object_add(timeouts, "script",
                           json_object_new_int64(b->command_timeout_ms));

    json_object *always = json_object_new_object();
    json_object_object_add(always, "browserName",
                           json_object_new_string("chrome"));
    json_object_object_add(always, "pageLoadStrategy",
                           json_object_new_string("normal"));
    /* A stray alert must not block every later command. */
    json_object_object_add(always, "unhandledPromptBehavior",
                           json_object_new_string("dismiss"));
    json_object_object_add(always, "timeouts", timeouts);
    json_object_object_add(always, "goog:chromeOptions", chrome);
    json_object *caps = json_object_new_object();
    json_object_object_add(caps, "alwaysMatch", always);
    json_object *root = json_object_new_object();
    json_object_object_add(root, "capabilities", caps);
    char *text = hk_strdup(json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return text;
}

/* Takes the profile's lock and clears what a killed Chromium left in it
 * (its singleton files would make the next one hand over and exit). */
static int lock_profile(struct hk_browser *b, struct hk_browser_session *s,
                        struct hk_err *err)
{
    char lock[PATH_MAX + 8];
    snprintf(s->profile_dir, sizeof(s->profile_dir), "%s/%s-u%lld",
             b->profiles_dir, s->profile, (long long)s->user_id);
    snprintf(lock, sizeof(lock), "%s.lock", s->profile_dir);
    if (mkdir(s->profile_dir, 0700) < 0 && errno != EEXIST)
        return hk_err_set(err, HAWK_EIO, NULL, NULL,
                          "cannot create the browser profile %s: %s",
                          s->profile_dir, strerror(errno));
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot open %s: %s", lock,
                          strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return hk_err_set(err, HAWK_EUNAVAIL, "browser_busy", NULL,
                              "the browser profile '%s' of user %lld is in "
                              "use by another hawk process on this machine",
                              s->profile, (long long)s->user_id);
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot lock %s: %s", lock,
                          strerror(e));
    }
    s->lock_fd = fd;
    static const char *const singletons[] = {"SingletonLock", "SingletonSocket",
                                             "SingletonCookie", NULL};
    for (size_t i = 0; singletons[i] != NULL; i++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof(p), "%s/%s", s->profile_dir, singletons[i]);
        (void)unlink(p);
    }
    return 0;
}

/* Reads sessionId and browserVersion from POST /session's value. */
static int read_session(struct hk_browser_session *s, const char *value,
                        struct hk_err *err)
{
    json_object *v = json_tokener_parse(value);
    json_object *id = NULL, *caps = NULL, *ver = NULL;
    int rc = 0;
    if (v == NULL || !json_object_object_get_ex(v, "sessionId", &id) ||
        !json_object_is_type(id, json_type_string) ||
        json_object_get_string_len(id) == 0 ||
        (size_t)json_object_get_string_len(id) >= sizeof(s->id)) {
        rc = hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                        "chromedriver answered POST /session without a "
                        "session id");
        goto out;
    }
    const char *sid = json_object_get_string(id);
    for (const char *c = sid; *c != '\0'; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
            rc = hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                            "chromedriver gave an unusable session id");
            goto out;
        }
    }
    hk_strlcpy(s->id, sid, sizeof(s->id));
    if (json_object_object_get_ex(v, "capabilities", &caps) &&
        json_object_object_get_ex(caps, "browserVersion", &ver) &&
        json_object_is_type(ver, json_type_string))
        hk_strlcpy(s->version, json_object_get_string(ver), sizeof(s->version));
out:
    json_object_put(v);
    return rc;
}

/* See browser_int.h. */
int hk_bsess_open(struct hk_browser *b, struct hk_browser_session *s,
                  const char *driver, const char *chromium, struct hk_err *err)
{
    char sdir[PATH_MAX];
    struct hk_buf value;
    int rc;

    s->lock_fd = -1;
    s->proc.pid = -1;
    pthread_mutex_lock(&b->lock);
    uint64_t seq = ++b->seq;
    pthread_mutex_unlock(&b->lock);
    if ((size_t)snprintf(sdir, sizeof(sdir), "%s/s%llu", b->run_dir,
                         (unsigned long long)seq) >= sizeof(sdir) - 64)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "browser.data_dir is too long a path");
    if (mkdir(sdir, 0700) < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot create %s: %s",
                          sdir, strerror(errno));
    hk_strlcpy(s->proc.dir, sdir, sizeof(s->proc.dir));
    if (s->profile[0] != '\0') {
        rc = lock_profile(b, s, err);
    } else {
        s->temp_profile = true;
        rc = (size_t)snprintf(s->profile_dir, sizeof(s->profile_dir),
                              "%s/profile", sdir) >= sizeof(s->profile_dir) ||
                     mkdir(s->profile_dir, 0700) < 0
                 ? hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot create %s: %s",
                              s->profile_dir, strerror(errno))
                 : 0;
    }
    if (rc < 0)
        goto fail;

    int64_t t0 = hk_mono_ms();
    rc = hk_bproc_start(driver, sdir, b->start_timeout_ms, &s->proc, err);
    if (rc < 0)
        goto fail;
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->proc.port);

    char *caps = capabilities(b, s, sdir, chromium);
    hk_buf_init(&value, 1 << 20);
    int64_t left = b->start_timeout_ms - (hk_mono_ms() - t0);
    rc = hk_wd_request(b, s->base, "POST", "/session", caps, &value,
                       left > 1000 ? left : 1000, NULL, err);
    hk_free(caps);
    if (rc == 0)
        rc = read_session(s, hk_buf_str(&value), err);
    hk_buf_release(&value);
    if (rc < 0) {
        hk_err_prefix(err, "cannot start chromium (%s)", chromium);
        goto fail;
    }
    s->created_ms = hk_mono_ms();
    hk_log(HAWK_LOG_DEBUG,
           "browser: session started for user %lld (profile %s, chromium "
           "%s, %lld ms)",
           (long long)s->user_id, s->profile[0] ? s->profile : "temporary",
           s->version, (long long)(s->created_ms - t0));
    return 0;
fail:
    hk_bproc_stop(&s->proc, 500);
    if (s->lock_fd >= 0) {
        close(s->lock_fd);
        s->lock_fd = -1;
    }
    hk_browser_rmtree(sdir);
    return rc;
}

/* See browser_int.h. */
void hk_bsess_close(struct hk_browser_session *s)
{
    struct hk_browser *b = s->pool;
    if (s->id[0] != '\0' && !atomic_load(&s->dead) &&
        hk_bproc_alive(&s->proc)) {
        /* Quitting lets Chromium write its cookies and profile to disk. */
        char path[160];
        struct hk_err e = HK_ERR_INIT;
        snprintf(path, sizeof(path), "/session/%s", s->id);
        (void)hk_wd_request(b, s->base, "DELETE", path, NULL, NULL, 5000, NULL,
                            &e);
    }
    hk_bproc_stop(&s->proc, 2000);
    atomic_store(&s->dead, true);
    if (s->lock_fd >= 0) {
        close(s->lock_fd);
        s->lock_fd = -1;
    }
    hk_browser_rmtree(s->proc.dir);
}

/* See browser_int.h. */
bool hk_bsess_responds(struct hk_browser_session *s)
{
    char path[160];
    struct hk_err e = HK_ERR_INIT;
    if (atomic_load(&s->dead) || !hk_bproc_alive(&s->proc))
        return false;
    snprintf(path, sizeof(path), "/session/%s/url", s->id);
    return hk_wd_request(s->pool, s->base, "GET", path, NULL, NULL, 3000, NULL,
                         &e) == 0;
}
