#pragma once
// Opening one libpq connection: the store's pool and the Django import's source both do it.
#include <libpq-fe.h>

#include <memory>
#include <string>

namespace authd::store {

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// A libpq message on one line (libpq ends its messages in a newline and may span lines).
std::string one_line(const char* message);

// Whether libpq can read `url`. libpq's own message is never shown: for a malformed URL it
// may quote a part of it, password included ("invalid percent-encoded token: ...").
bool readable_postgres_url(const std::string& url);

// Connects to the libpq URL `url` with `connect_timeout_seconds` (a timeout in the URL wins),
// notices silenced. nullptr on failure, with `error` set to libpq's message on one line: it
// names host and port, never the password (a URL libpq cannot read gets a message of ours).
PGconn* connect_postgres(const std::string& url, int connect_timeout_seconds, std::string& error);

}  // namespace authd::store
