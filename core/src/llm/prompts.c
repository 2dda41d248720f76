/*
 * llm/prompts.c - the prompt templates under etc/prompts/, loaded once at
 * start-up so an admin can edit them without recompiling, and checked
 * then so a typo fails the start instead of a user's request.
 *
 * Syntax: plain text with {{name}} placeholders (spaces inside the braces
 * allowed).  Each template has a fixed set of names it may use and a few
 * it must use (a scoring prompt without the resume cannot work).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "llm/llm_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define PROMPT_MAX_BYTES ((size_t)64 << 10)
#define PROMPT_MAX_NAME 32

struct prompt_spec {
    const char *file;
    const char *const *allowed;
    const char *const *required;
};

#define JOB_VARS "job_title", "job_company", "job_location", "job_description"

static const char *const none[] = {NULL};
static const char *const v_score_user[] = {"resume", JOB_VARS, NULL};
static const char *const r_doc_user[] = {"resume", "job_description", NULL};
static const char *const v_letter_sys[] = {"tone", "language", "max_words",
                                           NULL};
static const char *const r_letter_sys[] = {"language", NULL};
static const char *const v_letter_user[] = {
    "resume", JOB_VARS, "tone", "language", "max_words", "extra", NULL};
static const char *const v_answer_sys[] = {"facts", NULL};
static const char *const v_answer_user[] = {
    "question", "input_type", "options", "facts", "resume", JOB_VARS, NULL};
static const char *const r_answer_user[] = {"question", NULL};

static const struct prompt_spec specs[HK_PROMPT_COUNT] = {
    [HK_PROMPT_SCORE_SYSTEM] = {"score_system.txt", none, none},
    [HK_PROMPT_SCORE_USER] = {"score_user.txt", v_score_user, r_doc_user},
    [HK_PROMPT_LETTER_SYSTEM] = {"cover_letter_system.txt", v_letter_sys,
                                 r_letter_sys},
    [HK_PROMPT_LETTER_USER] = {"cover_letter_user.txt", v_letter_user,
                               r_doc_user},
    [HK_PROMPT_TAILOR_SYSTEM] = {"tailor_system.txt", none, none},
    [HK_PROMPT_TAILOR_USER] = {"tailor_user.txt", v_score_user, r_doc_user},
    [HK_PROMPT_ANSWER_SYSTEM] = {"answer_system.txt", v_answer_sys, none},
    [HK_PROMPT_ANSWER_USER] = {"answer_user.txt", v_answer_user, r_answer_user},
};

/* Immutable between hk_prompts_load() and hk_prompts_free(), which run
 * before worker threads start and after they stop. */
static char *texts[HK_PROMPT_COUNT];

static bool in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], name) == 0)
            return true;
    }
    return false;
}

static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Finds the next placeholder at or after p: *start at "{{", *name_out
 * filled, *end after "}}".  Returns 1 found, 0 none, -1 malformed (why
 * filled; *start at the problem). */
static int next_placeholder(const char *p, const char **start, char *name_out,
                            const char **end, char *why, size_t why_size)
{
    const char *o = strstr(p, "{{");
    if (o == NULL)
        return 0;
    *start = o;
    const char *c = strstr(o + 2, "}}");
    const char *nl = strchr(o + 2, '\n');
    if (c == NULL || (nl != NULL && nl < c)) {
        snprintf(why, why_size,
                 "unterminated placeholder '{{' (close it "
                 "with '}}' on the same line)");
        return -1;
    }
    const char *a = o + 2, *b = c;
    while (a < b && *a == ' ')
        a++;
    while (b > a && b[-1] == ' ')
        b--;
    size_t n = (size_t)(b - a);
    bool ok = n > 0 && n < PROMPT_MAX_NAME;
    for (size_t i = 0; ok && i < n; i++)
        ok = (a[i] >= 'a' && a[i] <= 'z') || a[i] == '_' ||
             (a[i] >= '0' && a[i] <= '9');
    if (!ok) {
        snprintf(why, why_size, "malformed placeholder '%.*s'",
                 (int)((c + 2 - o) < 48 ? (c + 2 - o) : 48), o);
        return -1;
    }
    memcpy(name_out, a, n);
    name_out[n] = '\0';
    *end = c + 2;
    return 1;
}

static void list_names(const char *const *list, char *out, size_t n)
{
    struct hk_buf b;
    hk_buf_init(&b, n > 1 ? n - 1 : 1);
    for (size_t i = 0; list[i] != NULL; i++)
        (void)hk_buf_printf(&b, "%s%s", i ? ", " : "", list[i]);
    hk_strlcpy(out, b.len ? hk_buf_str(&b) : "none", n);
    hk_buf_release(&b);
}

/* See llm_int.h. */
int hk_prompt_check(enum hk_prompt_id id, const char *text, char *why,
                    size_t why_size)
{
    const struct prompt_spec *s = &specs[id];
    const char *p = text, *start = NULL, *end = NULL;
    char name[PROMPT_MAX_NAME];
    char msg[200], known[200];
    bool seen[16] = {false};

    if (text[0] == '\0') {
        snprintf(why, why_size, "the template is empty");
        return HAWK_EINVAL;
    }
    for (;;) {
        int r = next_placeholder(p, &start, name, &end, msg, sizeof(msg));
        if (r == 0)
            break;
        if (r < 0) {
            snprintf(why, why_size, "line %d: %s", line_of(text, start), msg);
            return HAWK_EINVAL;
        }
        if (!in_list(s->allowed, name)) {
            list_names(s->allowed, known, sizeof(known));
            snprintf(why, why_size,
                     "line %d: unknown placeholder {{%s}} (this template "
                     "may use: %s)",
                     line_of(text, start), name, known);
            return HAWK_EINVAL;
        }
        for (size_t i = 0; s->required[i] != NULL && i < 16; i++)
            seen[i] = seen[i] || strcmp(s->required[i], name) == 0;
        p = end;
    }
    for (size_t i = 0; s->required[i] != NULL && i < 16; i++) {
        if (!seen[i]) {
            snprintf(why, why_size, "the template must use {{%s}}",
                     s->required[i]);
            return HAWK_EINVAL;
        }
    }
    return 0;
}

/* Reads a whole text file of at most max bytes.  Returns 0 with *out
 * (hk_free) or a negative code with why filled. */
static int read_text(const char *path, size_t max, char **out, char *why,
                     size_t why_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, why_size, "cannot open: %s", strerror(errno));
        return HAWK_ENOTFOUND;
    }
    struct hk_buf b;
    hk_buf_init(&b, max);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = hk_buf_append(&b, chunk, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (rc < 0 || failed) {
        hk_buf_release(&b);
        if (rc < 0)
            snprintf(why, why_size, "larger than %zu bytes", max);
        else
            snprintf(why, why_size, "read error");
        return rc < 0 ? rc : HAWK_EIO;
    }
    if (!hk_utf8_valid(hk_buf_str(&b), b.len)) {
        hk_buf_release(&b);
        snprintf(why, why_size, "not valid UTF-8 text");
        return HAWK_EINVAL;
    }
    *out = hk_buf_steal(&b, NULL);
    if (*out == NULL)
        *out = hk_strdup("");
    return 0;
}

/* See llm_int.h. */
void hk_prompts_free(void)
{
    for (size_t i = 0; i < HK_PROMPT_COUNT; i++) {
        hk_free(texts[i]);
        texts[i] = NULL;
    }
}

/* See llm_int.h. */
bool hk_prompts_loaded(void)
{
    return texts[0] != NULL;
}

/* See llm_int.h. */
int hk_prompts_load(const char *dir, char *err, size_t errlen)
{
    char *loaded[HK_PROMPT_COUNT] = {NULL};
    char why[300];

    for (size_t i = 0; i < HK_PROMPT_COUNT; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, specs[i].file);
        int rc =
            read_text(path, PROMPT_MAX_BYTES, &loaded[i], why, sizeof(why));
        if (rc == 0)
            rc = hk_prompt_check((enum hk_prompt_id)i, loaded[i], why,
                                 sizeof(why));
        if (rc < 0) {
            snprintf(err, errlen, "prompt template %s: %s", path, why);
            for (size_t j = 0; j <= i; j++)
                hk_free(loaded[j]);
            return HAWK_ECONFIG;
        }
    }
    hk_prompts_free();
    memcpy(texts, loaded, sizeof(texts));
    return 0;
}

static const char *var_value(const struct hk_prompt_var *vars, size_t n,
                             const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(vars[i].name, name) == 0)
            return vars[i].value != NULL ? vars[i].value : "";
    }
    return "";
}

/* See llm_int.h. */
char *hk_prompt_render(enum hk_prompt_id id, const struct hk_prompt_var *vars,
                       size_t n)
{
    const char *text = texts[id];
    const char *p = text, *start = NULL, *end = NULL;
    char name[PROMPT_MAX_NAME], why[120];
    struct hk_buf b;

    if (text == NULL)
        return NULL;
    hk_buf_init(&b, 0);
    for (;;) {
        int r = next_placeholder(p, &start, name, &end, why, sizeof(why));
        if (r <= 0) {
            /* Templates were checked at load: r < 0 cannot happen. */
            (void)hk_buf_puts(&b, p);
            break;
        }
        (void)hk_buf_append(&b, p, (size_t)(start - p));
        (void)hk_buf_puts(&b, var_value(vars, n, name));
        p = end;
    }
    /* Added here, not in the templates, so that an edited template never
     * loses it: the prompts carry job postings as fenced data. */
    if (id == HK_PROMPT_SCORE_SYSTEM || id == HK_PROMPT_LETTER_SYSTEM ||
        id == HK_PROMPT_TAILOR_SYSTEM || id == HK_PROMPT_ANSWER_SYSTEM)
        (void)hk_buf_puts(&b, hk_llm_fence_rule());
    char *out = hk_buf_steal(&b, NULL);
    return out != NULL ? out : hk_strdup("");
}

/* ---- the resume HTML template --------------------------------------- */

static char *resume_tpl;

/* See llm_int.h. */
const char *hk_llm_resume_template(void)
{
    return resume_tpl;
}

/* See llm_int.h. */
int hk_llm_templates_load(const char *dir, char *err, size_t errlen)
{
    char path[1024], why[300];
    char *text = NULL;

    snprintf(path, sizeof(path), "%s/resume.html", dir);
    int rc = read_text(path, (size_t)256 << 10, &text, why, sizeof(why));
    if (rc == 0 && text[0] == '\0') {
        snprintf(why, sizeof(why), "the template is empty");
        rc = HAWK_EINVAL;
    }
    if (rc == 0)
        rc = hk_tpl_check(text, why, sizeof(why));
    if (rc < 0) {
        snprintf(err, errlen, "resume template %s: %s", path, why);
        hk_free(text);
        return HAWK_ECONFIG;
    }
    hk_free(resume_tpl);
    resume_tpl = text;
    return 0;
}

/* See llm_int.h. */
void hk_llm_templates_free(void)
{
    hk_free(resume_tpl);
    resume_tpl = NULL;
}

/* See llm_int.h. */
bool hk_llm_is_dir(const char *path)
{
    struct stat st;
    return path != NULL && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
