/*
 * app/app.c - the process-wide context pointer.
 */
#include "app/app.h"

struct hk_app *hk_app_current;
