/*
 * no_symbol - fixture: a shared object that exports no hawk descriptor
 * (what any random library in the plugin directory looks like).
 */
const char *no_symbol_marker(void);

const char *no_symbol_marker(void)
{
    return "not a plugin";
}
