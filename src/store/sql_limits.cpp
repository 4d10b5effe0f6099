// The rate_events table.
#include <algorithm>
#include <string>

#include "store/limits.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kCountRateEvents =
    "SELECT count(*) AS total FROM rate_events WHERE bucket = $1 AND at > $2";
constexpr std::string_view kOldestRateEvent =
    "SELECT min(at) AS oldest FROM rate_events WHERE bucket = $1 AND at > $2";
constexpr std::string_view kNewestRateEvent =
    "SELECT max(at) AS newest FROM rate_events WHERE bucket = $1 AND at > $2";
constexpr std::string_view kDeleteRateEvents = "DELETE FROM rate_events WHERE bucket = $1";
// One row of several equal ones: by SQLite's rowid, by PostgreSQL's ctid.
constexpr std::string_view kDeleteOneRateEventSqlite =
    "DELETE FROM rate_events WHERE rowid = (SELECT rowid FROM rate_events "
    "WHERE bucket = $1 AND at = $2 LIMIT 1)";
constexpr std::string_view kDeleteOneRateEventPostgres =
    "DELETE FROM rate_events WHERE ctid = (SELECT ctid FROM rate_events "
    "WHERE bucket = $1 AND at = $2 LIMIT 1)";
// Held until the transaction ends. Buckets are hashes, so hashtextextended spreads them well.
constexpr std::string_view kLockRateBucketPostgres =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
constexpr std::string_view kInsertRateEvent =
    "INSERT INTO rate_events (bucket, at) VALUES ($1, $2)";
constexpr std::string_view kPruneRateEvents = "DELETE FROM rate_events WHERE at <= $1";

std::optional<std::int64_t> single_optional_integer(const Result& result, std::string_view column) {
    return result.rows.at(0).optional_integer(result.column(column));
}

}  // namespace

std::int64_t Limits::count(const std::string& bucket, std::int64_t since) {
    return single_integer(db_.execute(kCountRateEvents, {bucket, since}), "total");
}

std::optional<std::int64_t> Limits::oldest(const std::string& bucket, std::int64_t since) {
    return single_optional_integer(db_.execute(kOldestRateEvent, {bucket, since}), "oldest");
}

std::optional<std::int64_t> Limits::newest(const std::string& bucket, std::int64_t since) {
    return single_optional_integer(db_.execute(kNewestRateEvent, {bucket, since}), "newest");
}

void Limits::insert(const std::string& bucket, std::int64_t at) {
    db_.execute(kInsertRateEvent, {bucket, at});
}

void Limits::delete_one(const std::string& bucket, std::int64_t at) {
    db_.execute(db_.dialect() == Dialect::postgres ? kDeleteOneRateEventPostgres
                                                   : kDeleteOneRateEventSqlite,
                {bucket, at});
}

void Limits::delete_all(const std::string& bucket) {
    db_.execute(kDeleteRateEvents, {bucket});
}

void Limits::lock_buckets(std::vector<std::string> buckets) {
    if (db_.dialect() != Dialect::postgres) return;  // SQLite: BEGIN IMMEDIATE, one writer
    // Always in the same order, so two transactions locking overlapping sets cannot deadlock.
    std::sort(buckets.begin(), buckets.end());
    buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
    for (const std::string& bucket : buckets)
        db_.execute(kLockRateBucketPostgres, {bucket});
}

void Limits::prune(std::int64_t before) {
    db_.execute(kPruneRateEvents, {before});
}

}  // namespace authd::store
