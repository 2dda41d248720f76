/*
 * plugin/cli.c - `hawk plugins list [--json]`.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "log/log.h"
#include "plugin/internal.h"
#include "util/buf.h"

#define NCOLS 6

static const char *const headers[NCOLS] = {"NAME", "KIND", "VERSION",
                                           "ABI",  "PATH", "STATUS"};

/* The cells of one row; strings borrowed from e or written to abi/status. */
static void row_cells(const struct hk_plugin_entry *e, const char *cells[],
                      char *abi, size_t abilen, char *status, size_t statuslen)
{
    const struct hawk_plugin *d = e->desc;
    if (d != NULL)
        snprintf(abi, abilen, "%u.%u", d->abi_major, d->min_host_minor);
    else
        snprintf(abi, abilen, "-");
    switch (e->status) {
    case HK_PLUGIN_LOADED:
        snprintf(status, statuslen, "loaded");
        break;
    case HK_PLUGIN_DISABLED:
        snprintf(status, statuslen, "disabled");
        break;
    case HK_PLUGIN_FAILED:
        snprintf(status, statuslen, "failed: %s", e->reason);
        break;
    }
    cells[0] = e->name;
    cells[1] = d != NULL ? hk_plugin_kind_name(d->kind) : "-";
    cells[2] = d != NULL ? d->version : "-";
    cells[3] = abi;
    cells[4] = e->path != NULL ? e->path : "-";
    cells[5] = status;
}

static void print_table(const struct hk_plugins *p, FILE *out)
{
    size_t width[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        width[c] = strlen(headers[c]);
    char abi[32], status[sizeof(((struct hk_plugin_entry *)0)->reason) + 16];
    const char *cells[NCOLS];
    for (size_t i = 0; i < hk_plugins_count(p); i++) {
        row_cells(hk_plugins_at(p, i), cells, abi, sizeof(abi), status,
                  sizeof(status));
        for (int c = 0; c < NCOLS - 1; c++) {
            size_t n = strlen(cells[c]);
            width[c] = n > width[c] ? n : width[c];
        }
    }
    for (int c = 0; c < NCOLS - 1; c++)
        fprintf(out, "%-*s  ", (int)width[c], headers[c]);
    fprintf(out, "%s\n", headers[NCOLS - 1]);
    for (size_t i = 0; i < hk_plugins_count(p); i++) {
        const struct hk_plugin_entry *e = hk_plugins_at(p, i);
        row_cells(e, cells, abi, sizeof(abi), status, sizeof(status));
        for (int c = 0; c < NCOLS - 1; c++)
            fprintf(out, "%-*s  ", (int)width[c], cells[c]);
        fprintf(out, "%s\n", cells[NCOLS - 1]);
        if (e->options != NULL && e->options->n > 0) {
            struct hk_buf b;
            hk_buf_init(&b, 64 * 1024);
            hk_plugin_options_render(e->options, &b, false);
            if (b.len > 0)
                fprintf(out, "    options: %s\n", hk_buf_str(&b));
            hk_buf_release(&b);
        }
    }
}

static void print_json(const struct hk_plugins *p, FILE *out)
{
    struct hk_buf b;
    hk_buf_init(&b, 1 << 20);
    hk_buf_putc(&b, '[');
    char abi[32], status[sizeof(((struct hk_plugin_entry *)0)->reason) + 16];
    const char *cells[NCOLS];
    for (size_t i = 0; i < hk_plugins_count(p); i++) {
        const struct hk_plugin_entry *e = hk_plugins_at(p, i);
        row_cells(e, cells, abi, sizeof(abi), status, sizeof(status));
        static const char *const keys[NCOLS] = {"name", "kind", "version",
                                                "abi",  "path", "status"};
        hk_buf_puts(&b, i > 0 ? ",{" : "{");
        for (int c = 0; c < NCOLS; c++) {
            /* status holds only the word; the reason has its own key */
            const char *v =
                c == 5 ? (e->status == HK_PLUGIN_LOADED     ? "loaded"
                          : e->status == HK_PLUGIN_DISABLED ? "disabled"
                                                            : "failed")
                       : cells[c];
            hk_buf_printf(&b, "%s\"%s\":", c > 0 ? "," : "", keys[c]);
            hk_buf_json_str(&b, v, strlen(v));
        }
        hk_buf_puts(&b, ",\"reason\":");
        hk_buf_json_str(&b, e->reason, strlen(e->reason));
        hk_buf_printf(&b, ",\"required\":%s,\"options\":",
                      e->required ? "true" : "false");
        hk_plugin_options_render(e->options, &b, true);
        hk_buf_putc(&b, '}');
    }
    hk_buf_puts(&b, "]\n");
    fputs(hk_buf_str(&b), out);
    hk_buf_release(&b);
}

/* See plugins.h. */
int hk_plugins_cli_list_to(const struct hk_config *cfg, FILE *out, bool json)
{
    /* The table carries each plugin's outcome; the per-plugin log lines
     * would only interleave with it. */
    int level = hk_log_get_level();
    hk_log_set_level(HAWK_LOG_CRIT);
    struct hk_plugins *p = NULL;
    char err[1024];
    int rc =
        hk_plugins_load(cfg, NULL, HK_PLUGINS_KEEP_GOING, &p, err, sizeof(err));
    if (json)
        print_json(p, out);
    else
        print_table(p, out);
    fflush(out);
    hk_plugins_unload(p);
    hk_log_set_level(level);
    if (rc < 0) {
        fprintf(stderr, "hawk: %s\n", err);
        return 1;
    }
    return 0;
}

/* See plugins.h. */
int hk_plugins_cli_list(const struct hk_config *cfg)
{
    return hk_plugins_cli_list_to(cfg, stdout, false);
}
