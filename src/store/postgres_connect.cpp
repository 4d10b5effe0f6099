#include "store/postgres_connect.h"

namespace authd::store {

std::string one_line(const char* message) {
    std::string text = message ? message : "";
    for (char& c : text)
        if (c == '\n' || c == '\t') c = ' ';
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

bool readable_postgres_url(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    PQfreemem(error);
    if (options == nullptr) return false;
    PQconninfoFree(options);
    return true;
}

PGconn* connect_postgres(const std::string& url, int connect_timeout_seconds, std::string& error) {
    if (!readable_postgres_url(url)) {
        error = "not a valid PostgreSQL connection URL";
        return nullptr;
    }
    // connect_timeout first: a value in the URL, expanded from `dbname`, overrides it.
    const std::string timeout = std::to_string(connect_timeout_seconds);
    const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* const values[] = {timeout.c_str(), url.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (conn == nullptr) {
        error = "out of memory";
        return nullptr;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        error = one_line(PQerrorMessage(conn));
        PQfinish(conn);
        return nullptr;
    }
    // Notices ("relation already exists, skipping") would go to stderr otherwise.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    return conn;
}

}  // namespace authd::store
