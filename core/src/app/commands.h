/*
 * app/commands.h - the hawk subcommands implemented by the app layer.
 * Each returns a process exit code: 0 success, 1 failure, 2 usage or
 * configuration error.
 */
#ifndef HK_APP_COMMANDS_H
#define HK_APP_COMMANDS_H

int hk_cmd_serve(const char *config_path);
int hk_cmd_migrate(const char *config_path);
int hk_cmd_routes(const char *config_path);
int hk_cmd_plugins(const char *config_path, int argc, char **argv);
int hk_cmd_user(const char *config_path, int argc, char **argv);
int hk_cmd_worker(const char *config_path, int argc, char **argv);
int hk_cmd_workflow(const char *config_path, int argc, char **argv);
int hk_cmd_llm(const char *config_path, int argc, char **argv);
int hk_cmd_mail(const char *config_path, int argc, char **argv);
int hk_cmd_backup(const char *config_path, int argc, char **argv);

#endif
