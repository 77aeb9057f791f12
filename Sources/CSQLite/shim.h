#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call. Memory statistics make every allocation SQLite does take
/// a global mutex; nothing reads them. Effective only before SQLite initializes (SQLITE_MISUSE after: harmless).
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
