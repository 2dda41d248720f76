/*
 * main.c - the hawk executable: subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "version") == 0) {
        printf("hawk %s\n", HAWK_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: hawk <command>\n");
    return 2;
}
