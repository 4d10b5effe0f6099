#include "otp/totp.h"

#include <liboath/oath.h>
#include <sodium.h>

#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>

namespace authd::otp {
namespace {

// liboath must be initialised once before use; a function-local static makes that thread-safe.
void ensure_oath() {
    static const int status = oath_init();
    if (status != OATH_OK) {
        throw std::runtime_error(std::string("oath_init failed: ") + oath_strerror(status));
    }
}

void check_parameters(const TotpParameters& parameters) {
    if (parameters.digits < 6 || parameters.digits > 8) {
        throw std::invalid_argument("TOTP codes have 6 to 8 digits");
    }
    if (parameters.step <= 0) throw std::invalid_argument("the TOTP time step must be positive");
}

bool is_code(std::string_view code, int digits) {
    if (code.size() != static_cast<std::size_t>(digits)) return false;
    for (const char c : code) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                                (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                                byte == '_' || byte == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0x0F];
        }
    }
    return out;
}

}  // namespace

std::int64_t time_step(std::int64_t now, const TotpParameters& parameters) {
    if (parameters.step <= 0) throw std::invalid_argument("the TOTP time step must be positive");
    const std::int64_t elapsed = now - parameters.t0;
    std::int64_t quotient = elapsed / parameters.step;
    if (elapsed % parameters.step != 0 && elapsed < 0) --quotient;  // floor, not truncation
    return quotient;
}

std::string totp_code(std::string_view secret, std::int64_t step,
                      const TotpParameters& parameters) {
    check_parameters(parameters);
    if (step < 0) throw std::invalid_argument("TOTP steps before t0 have no code");
    ensure_oath();
    // RFC 6238 TOTP is RFC 4226 HOTP with the time step as the moving factor.
    char output[OATH_HOTP_LENGTH(8, false) + 1] = {};
    const int status = oath_hotp_generate(
        secret.data(), secret.size(), static_cast<std::uint64_t>(step),
        static_cast<unsigned>(parameters.digits), false, OATH_HOTP_DYNAMIC_TRUNCATION, output);
    if (status != OATH_OK) {
        throw std::runtime_error(std::string("oath_hotp_generate failed: ") +
                                 oath_strerror(status));
    }
    return std::string(output, static_cast<std::size_t>(parameters.digits));
}

std::optional<std::int64_t> match_totp(std::string_view secret, std::string_view code,
                                       std::int64_t expected_step, int window,
                                       const TotpParameters& parameters) {
    check_parameters(parameters);
    if (window < 0 || !is_code(code, parameters.digits)) return std::nullopt;
    // Closest first: expected, expected - 1, expected + 1, expected - 2, ...
    for (int distance = 0; distance <= window; ++distance) {
        for (const int sign : {-1, 1}) {
            if (distance == 0 && sign == 1) continue;
            const std::int64_t step = expected_step + sign * distance;
            if (step < 0) continue;
            const std::string candidate = totp_code(secret, step, parameters);
            if (sodium_memcmp(candidate.data(), code.data(), candidate.size()) == 0) return step;
        }
    }
    return std::nullopt;
}

std::string base32_encode(std::string_view bytes) {
    if (bytes.empty()) return {};
    char* raw = nullptr;
    std::size_t length = 0;
    const int status = oath_base32_encode(bytes.data(), bytes.size(), &raw, &length);
    const std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
    if (status != OATH_OK || raw == nullptr) {
        throw std::runtime_error(std::string("oath_base32_encode failed: ") +
                                 oath_strerror(status));
    }
    std::string out(raw, length);
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string padded;
    for (char c : text)
        padded += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    while (!padded.empty() && padded.back() == '=')
        padded.pop_back();
    if (padded.empty()) return std::string();
    padded.append((8 - padded.size() % 8) % 8, '=');
    ensure_oath();
    char* raw = nullptr;
    std::size_t length = 0;
    const int status = oath_base32_decode(padded.data(), padded.size(), &raw, &length);
    const std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
    if (status != OATH_OK || raw == nullptr) return std::nullopt;
    return std::string(raw, length);
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret,
                        const TotpParameters& parameters) {
    check_parameters(parameters);
    std::string uri = "otpauth://totp/";
    uri += percent_encode(issuer);
    uri += ':';
    uri += percent_encode(account);
    uri += "?secret=";
    uri += base32_encode(secret);
    uri += "&issuer=";
    uri += percent_encode(issuer);
    uri += "&algorithm=SHA1&digits=";
    uri += std::to_string(parameters.digits);
    uri += "&period=";
    uri += std::to_string(parameters.step);
    return uri;
}

}  // namespace authd::otp
