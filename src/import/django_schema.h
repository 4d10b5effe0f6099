#pragma once
// The Django service's data as read from its tables: its custom user model, django-otp's TOTP
// devices (otp_totp_totpdevice) and its microservice accounts (a model with `serviceName` and a
// hashed `password`). Values stay raw text here; the importer checks and converts them, so a
// broken record is reported where it is met.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "import/source_tables.h"

namespace authd::import {

struct SourceUser {
    std::string key;  // the primary key as text; a dump without one: the natural key ["name"]
    Value username, email, password, date_joined, last_login, is_active, two_fa_enabled, lang;
};

struct SourceTotpDevice {
    std::string key;
    Value user;  // the user's primary key, or a natural key ["name"]
    Value name, hex_key, step, t0, digits, drift, last_t, confirmed;
};

struct SourceServiceAccount {
    std::string key;
    Value name, password;
};

struct SourceData {
    std::string description;  // what was read
    std::string user_table;
    std::string device_table;       // empty: none in the source
    std::string service_table;      // empty: none in the source
    std::vector<SourceUser> users;  // by primary key (numerically when the keys are numbers)
    std::vector<SourceTotpDevice> devices;
    std::vector<SourceServiceAccount> services;
};

struct SchemaOptions {
    std::string user_table;     // empty: the one table with username, password and email
    std::string service_table;  // empty: the one table with serviceName and password, if any
};

// Finds the tables and reads them. Throws SourceError when a table cannot be found or lacks a
// column that its records need.
SourceData read_django_data(TableReader& reader, const SchemaOptions& options = {});

// Conversions of Django's values, each nullopt when the text is not one.
// "2024-05-01 12:30:00[.123456][+00[:00]|Z]" (also with a "T"), with no offset taken as UTC →
// Unix seconds.
std::optional<std::int64_t> parse_django_datetime(std::string_view text);
// 1/0, t/f, true/false (any case).
std::optional<bool> parse_django_bool(std::string_view text);
std::optional<std::int64_t> parse_integer(std::string_view text);
// Pairs of hex digits (any case) → bytes.
std::optional<std::string> decode_hex(std::string_view text);

}  // namespace authd::import
