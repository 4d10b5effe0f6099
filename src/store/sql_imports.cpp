// The import_records table.
#include <string>

#include "store/imports.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kSelectImportRecord =
    "SELECT source, source_id, target_id, fingerprint, imported_at FROM import_records "
    "WHERE source = $1 AND source_id = $2";
constexpr std::string_view kSaveImportRecord =
    "INSERT INTO import_records (source, source_id, target_id, fingerprint, imported_at) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source, source_id) DO UPDATE SET "
    "target_id = excluded.target_id, fingerprint = excluded.fingerprint, "
    "imported_at = excluded.imported_at";

class ImportRecordReader {
  public:
    explicit ImportRecordReader(const Result& result) : ImportRecordReader(ColumnFinder(result)) {}

    ImportRecord operator()(const Row& row) const {
        return ImportRecord{row.text(source_), row.text(source_id_), row.text(target_id_),
                            row.text(fingerprint_), row.integer(imported_at_)};
    }

  private:
    explicit ImportRecordReader(ColumnFinder find)
        : source_(find("source")),
          source_id_(find("source_id")),
          target_id_(find("target_id")),
          fingerprint_(find("fingerprint")),
          imported_at_(find("imported_at")) {}

    Column source_, source_id_, target_id_, fingerprint_, imported_at_;
};

}  // namespace

std::optional<ImportRecord> Imports::find(const std::string& source, const std::string& source_id) {
    return read_first<ImportRecordReader>(db_.execute(kSelectImportRecord, {source, source_id}));
}

void Imports::save(const ImportRecord& r) {
    db_.execute(kSaveImportRecord,
                {r.source, r.source_id, r.target_id, r.fingerprint, r.imported_at});
}

}  // namespace authd::store
