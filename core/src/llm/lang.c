/*
 * llm/lang.c - the language a text is written in, by libexttextcat's
 * n-gram models (Debian's libexttextcat-data): the posting's language is
 * the default for a cover letter, and a letter in another language than
 * asked for is rewritten.
 *
 * The classifier is loaded once, on first use; textcat_Classify writes
 * into the handle, so calls are serialized by a mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <textcat.h>

#include "llm/llm_int.h"
#include "log/log.h"
#include "util/str.h"

#define TEXTCAT_DIR "/usr/share/libexttextcat/"
#define LANG_MAX_BYTES 4000 /* enough for a verdict, bounded work */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *handle;
static bool tried;

static const struct {
    const char *code;
    const char *name;
} names[] = {
    {"en", "English"},    {"de", "German"},    {"fr", "French"},
    {"es", "Spanish"},    {"it", "Italian"},   {"nl", "Dutch"},
    {"pt", "Portuguese"}, {"pl", "Polish"},    {"sv", "Swedish"},
    {"da", "Danish"},     {"nb", "Norwegian"}, {"nn", "Norwegian"},
    {"fi", "Finnish"},    {"cs", "Czech"},     {"sk", "Slovak"},
    {"ro", "Romanian"},   {"hu", "Hungarian"}, {"el", "Greek"},
    {"tr", "Turkish"},    {"ru", "Russian"},   {"uk", "Ukrainian"},
    {"ja", "Japanese"},   {"zh", "Chinese"},   {"ko", "Korean"},
    {"ca", "Catalan"},    {"hr", "Croatian"},  {"sl", "Slovenian"},
    {"et", "Estonian"},   {"lv", "Latvian"},   {"lt", "Lithuanian"},
};

/* The language name of a textcat category ("de--utf8", "zh-CN-utf8");
 * NULL for one hawk does not name. */
static const char *category_name(const char *cat, size_t n)
{
    char code[8];
    size_t i = 0;
    while (i < n && i + 1 < sizeof(code) && cat[i] != '-')
        code[i] = cat[i], i++;
    code[i] = '\0';
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (strcmp(names[k].code, code) == 0)
            return names[k].name;
    }
    return NULL;
}

/* See llm_int.h. */
const char *hk_llm_language_of(const char *text)
{
    const char *out = NULL;
    if (text == NULL || text[0] == '\0')
        return NULL;
    size_t n = strlen(text);
    if (n > LANG_MAX_BYTES)
        n = LANG_MAX_BYTES;
    pthread_mutex_lock(&lock);
    if (!tried) {
        tried = true;
        handle = special_textcat_Init(TEXTCAT_DIR "fpdb.conf", TEXTCAT_DIR);
        if (handle == NULL)
            hk_log(HAWK_LOG_WARN,
                   "language detection is off: cannot load %sfpdb.conf "
                   "(install libexttextcat-data)",
                   TEXTCAT_DIR);
    }
    if (handle != NULL) {
        /* "[de--utf8][nl--utf8]" best first, or "SHORT", "UNKNOWN". */
        const char *r = textcat_Classify(handle, text, n);
        if (r != NULL && r[0] == '[') {
            const char *end = strchr(r, ']');
            if (end != NULL)
                out = category_name(r + 1, (size_t)(end - r - 1));
        }
    }
    pthread_mutex_unlock(&lock);
    return out;
}

/* See llm_int.h. */
const char *hk_llm_detect_language(const char *text)
{
    const char *l = hk_llm_language_of(text);
    return l != NULL ? l : "English";
}

/* See llm_int.h. */
void hk_llm_language_shutdown(void)
{
    pthread_mutex_lock(&lock);
    if (handle != NULL)
        textcat_Done(handle);
    handle = NULL;
    tried = false;
    pthread_mutex_unlock(&lock);
}
