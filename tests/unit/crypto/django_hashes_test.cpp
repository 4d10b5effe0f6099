#include "crypto/django_hashes.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/password_hasher.h"

namespace authd::crypto {
namespace {

using namespace std::string_literals;
using django::Outcome;

struct Vector {
    const char* label;
    std::string password;
    std::string encoded;
    bool costly = false;  // Django's default costs (~0.1-0.3 s a check): checked less often
};

// Made with Debian 12's python3-django 3.2 (argon2-cffi 21.1, pyca/bcrypt 3.2):
// django.contrib.auth.hashers' make_password(), or its hashers' encode() with a chosen salt and
// iterations, or for other Argon2 varieties and versions "argon2" + argon2.low_level.hash_secret()
// (what Django's encode() returns); each was checked with Django's check_password() before use.
// The scrypt ones (Django 4.0 and later, not in Debian 12) are hashlib.scrypt(password, salt, n,
// r, p, dklen=64) written as Django writes them: "scrypt$%d$%s$%d$%d$%s" % (n, salt, r, p,
// base64.b64encode(digest)).
const std::vector<Vector>& vectors() {
    static const std::vector<Vector> kVectors = {
        {"pbkdf2_sha256 1 iteration", "correct horse battery staple",
         "pbkdf2_sha256$1$x7ZpQ2mN9aLk$0Uz6Pra6Iq9UlMSRWdKeJrQh4LmXQLwJnwSYNb0+gjc="},
        {"pbkdf2_sha256 12345 iterations", "correct horse battery staple",
         "pbkdf2_sha256$12345$saltySALT123$yO3cd0YiN0uLNV/eYZvKu3oRxypJT0UlekDzeVXS7S4="},
        {"pbkdf2_sha256 Django 3.2 default", "correct horse battery staple",
         "pbkdf2_sha256$260000$lLUnLm4Jbm1mlL8xLLOHle$CueqBHWhSTZnvs8Tu78m+sYiJ66ZsX6JE/"
         "JbQLSzvhw=",
         true},
        {"pbkdf2_sha256 UTF-8 password", "pässwörd ✓ 密码",
         "pbkdf2_sha256$1000$Qm4vR8sT1uWx$9lVsERTg9Yz7gHk7vOdu99fWhtX/JgWw+Q58ALtU4gs="},
        {"pbkdf2_sha256 empty password", "",
         "pbkdf2_sha256$1000$emptysalt000$kVrVAw0VrXlkmIpUn2ZxN4hD6AFvV3f884wWnwnmziI="},
        {"pbkdf2_sha1 1000 iterations", "correct horse battery staple",
         "pbkdf2_sha1$1000$sha1salt0001$vA3TWGy0OEhj29V0kx2lwCPjpOQ="},
        {"pbkdf2_sha1 Django 3.2 default", "correct horse battery staple",
         "pbkdf2_sha1$260000$tDlXpBY64hpU3FFzAUcnSx$xVbbmBv4xmADnTS6PGg8hCB2rOo=", true},
        {"argon2id Django default t=2 m=102400 p=8", "correct horse battery staple",
         "argon2$argon2id$v=19$m=102400,t=2,p=8$TE51Nm1SVG16TlZsQXhBQTQ5Qk55UA$i5sIDACnmp+"
         "ni8zZZr7OkQ",
         true},
        {"argon2id t=3 m=1024 p=2", "correct horse battery staple",
         "argon2$argon2id$v=19$m=1024,t=3,p=2$YXJnb24yc2FsdEFCQ0RFRg$VQ2XpZJnE8X3LI+6bJ/mKw"},
        {"argon2id t=1 m=4096 p=4", "correct horse battery staple",
         "argon2$argon2id$v=19$m=4096,t=1,p=4$YXJnb24yc2FsdEFCQ0RFRg$JA8FD+YwIByEt2gzGLMVRg"},
        {"argon2id t=2 m=256 p=1", "correct horse battery staple",
         "argon2$argon2id$v=19$m=256,t=2,p=1$YXJnb24yc2FsdEFCQ0RFRg$XFjkS3HOsJAf7yqUqBJYpg"},
        {"argon2i t=2 m=512 p=2 (Django 1.10's variety)", "correct horse battery staple",
         "argon2$argon2i$v=19$m=512,t=2,p=2$YXJnb24yc2FsdEFCQ0RFRg$lDWFJwawpmxdh/"
         "jRqvOJ8oE35EkJfn+K8uDiFPLN98Q"},
        {"argon2d t=1 m=64 p=1", "correct horse battery staple",
         "argon2$argon2d$v=19$m=64,t=1,p=1$YXJnb24yc2FsdEFCQ0RFRg$"
         "QzOT23eHvT8F8DnUPkusFWOXp31EJAURxuhJE40kTQw"},
        {"argon2i version 1.0 (v=16)", "correct horse battery staple",
         "argon2$argon2i$v=16$m=512,t=2,p=2$dmVyc2lvbnNhbHQx$"
         "z3AvphWdtmxJde0pguVUCMhSNpDsDeiKvlugt1d5nss"},
        {"argon2i version 1.0 written without v=", "correct horse battery staple",
         "argon2$argon2i$m=512,t=2,p=2$dmVyc2lvbnNhbHQx$"
         "z3AvphWdtmxJde0pguVUCMhSNpDsDeiKvlugt1d5nss"},
        {"argon2id UTF-8 password", "pässwörd ✓ 密码",
         "argon2$argon2id$v=19$m=128,t=1,p=2$YXJnb24yc2FsdEFCQ0RFRg$okAKrJfGqDI5ZlIDC18rYw"},
        {"bcrypt_sha256 cost 4", "correct horse battery staple",
         "bcrypt_sha256$$2b$04$KrgcEtL2AeHIYOlxeZ/wmOVtG5QZ6kDyWhitewdjLYtPwWpW7JK5a"},
        {"bcrypt_sha256 cost 5", "correct horse battery staple",
         "bcrypt_sha256$$2b$05$S4XLMnxXCVZHnztBl/aK0emmSOAYw0HYgF/uzO9ZhRdUEcblSQH9m"},
        {"bcrypt_sha256 cost 12", "correct horse battery staple",
         "bcrypt_sha256$$2b$12$QAtFIVrrsFzB/U2cZK1jueP4VeW.7Jrkn.U8i4BLhJKkiaal8In2W", true},
        {"bcrypt_sha256 $2a$", "correct horse battery staple",
         "bcrypt_sha256$$2a$04$4yT5qNW26zvK4lmYQw5D7.wVedwuXGMVRHzul0g7orDSYmn1X8r/S"},
        {"bcrypt_sha256 $2y$", "correct horse battery staple",
         "bcrypt_sha256$$2y$04$nwSQp4C9CcAEgQsiBeLWbOhZKPdZAvyqzvFY29NUVGA/3qly.E8Qm"},
        {"bcrypt_sha256 long password",
         "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL-the tail is past "
         "bcrypt's 72 bytes",
         "bcrypt_sha256$$2b$04$1Yilfq.OrBfSvatSW3PGcuJonNkCGywQ4tzWYiU/cpigT3zYNqcGi"},
        {"bcrypt cost 4", "correct horse battery staple",
         "bcrypt$$2b$04$E1ftSYC8KmiKCvklxzOCqerqkXUClS8gVxco4rfqHA6uHmcMCwbfW"},
        {"bcrypt cost 10", "correct horse battery staple",
         "bcrypt$$2b$10$PdzEn/B5f0aCbjc00zDzzuQ2JkH/qRGMZoGdKJB61elOC2J01MrF.", true},
        {"bcrypt long password (cut at 72 bytes)",
         "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL-the tail is past "
         "bcrypt's 72 bytes",
         "bcrypt$$2b$04$0foH7eDpT0sf5n7/WWymKONKUb4nW3SvAMyUfpvv0IBfDIwFs6ocu"},
        {"bcrypt UTF-8 password", "pässwörd ✓ 密码",
         "bcrypt$$2b$04$5MSm8XTUzyMf9ES.INTbSub0svLj6Sva2CSCQMbd.ZptFrenlg0dy"},
        {"scrypt Django 4 default N=2^14 r=8 p=1", "correct horse battery staple",
         "scrypt$16384$scryptSALT01$8$1$raiCgsamGpOChq0oTCZTIwClwR5WB+TUJr+"
         "4MZVgT4pFUEIESXwRmdnBTIKODUqlQzxAIIUwoLdwfbQpHdCtXA==",
         true},
        {"scrypt N=1024 r=4 p=2", "correct horse battery staple",
         "scrypt$1024$scryptSALT01$4$2$Ghfou8BRQZxiZHMxkB+ITWitYXqbj/"
         "2HkuqNHjCyJBKK8DZLJctn5gG1RCowzW1UvSWvoq7q7xSaefSeHzaZDg=="},
        {"scrypt UTF-8 password", "pässwörd ✓ 密码",
         "scrypt$16$scryptSALT01$1$1$XWF7lfXCj1cXJKIm/5DEgIgbK/VoMv1LYwBUTsyHVexLzCDnrfqo6LzGP+/"
         "5f26A+MkfGZo8IELwkcJgOTatJw=="},
    };
    return kVectors;
}

const std::string kPassword = "correct horse battery staple";
const std::string kLongPassword = std::string(70, 'L') + "-the tail is past bcrypt's 72 bytes";

const Vector& vector_named(std::string_view label) {
    for (const Vector& v : vectors())
        if (v.label == label) return v;
    throw std::logic_error("no vector " + std::string(label));
}

TEST(DjangoHashes, EveryVectorMatchesItsPassword) {
    for (const Vector& v : vectors()) {
        EXPECT_TRUE(django::is_checkable(v.encoded)) << v.label;
        EXPECT_EQ(django::check(v.encoded, v.password), Outcome::match) << v.label;
    }
}

TEST(DjangoHashes, WrongPasswordsDoNotMatch) {
    for (const Vector& v : vectors()) {
        std::vector<std::string> wrong = {v.password + "x", "x" + v.password,
                                          v.password.empty() ? "x"s : v.password.substr(1)};
        if (!v.password.empty()) {
            std::string other_case = v.password;
            other_case[0] = static_cast<char>(other_case[0] ^ 0x20);
            wrong.push_back(other_case);
            wrong.push_back("");
        }
        if (std::string_view(v.label) == "bcrypt long password (cut at 72 bytes)")
            wrong.erase(wrong.begin());  // bcrypt never sees what follows byte 72 (below)
        if (v.costly) wrong.resize(1);
        for (const std::string& password : wrong)
            EXPECT_EQ(django::check(v.encoded, password), Outcome::mismatch)
                << v.label << " / " << password;
    }
}

TEST(DjangoHashes, PlainBcryptUsesTheFirst72BytesAndBcryptSha256AllOfThem) {
    const std::string other_tail = kLongPassword.substr(0, 72) + "another tail";
    EXPECT_EQ(
        django::check(vector_named("bcrypt long password (cut at 72 bytes)").encoded, other_tail),
        Outcome::match);
    EXPECT_EQ(django::check(vector_named("bcrypt_sha256 long password").encoded, other_tail),
              Outcome::mismatch);
    EXPECT_EQ(django::check(vector_named("bcrypt_sha256 long password").encoded,
                            kLongPassword.substr(0, 72)),
              Outcome::mismatch);
}

TEST(DjangoHashes, NulBytesInThePasswordAreNotCutOff) {
    const std::string with_nul = kPassword + "\0tail"s;
    // pyca/bcrypt refuses such a password, so Django never matches it; a C string would.
    EXPECT_EQ(django::check(vector_named("bcrypt cost 4").encoded, with_nul), Outcome::mismatch);
    EXPECT_EQ(django::check(vector_named("pbkdf2_sha256 1 iteration").encoded, with_nul),
              Outcome::mismatch);
    EXPECT_EQ(django::check(vector_named("argon2id t=2 m=256 p=1").encoded, with_nul),
              Outcome::mismatch);
    EXPECT_EQ(django::check(vector_named("bcrypt_sha256 cost 4").encoded, with_nul),
              Outcome::mismatch);
}

TEST(DjangoHashes, TamperedOrCutHashesNeverMatch) {
    for (const Vector& v : vectors()) {
        if (v.costly) continue;
        for (std::size_t cut = 1; cut <= 6; ++cut)
            EXPECT_NE(django::check(v.encoded.substr(0, v.encoded.size() - cut), v.password),
                      Outcome::match)
                << v.label << " cut " << cut;
        std::string flipped = v.encoded;
        char& last = flipped[flipped.size() - (flipped.ends_with("=") ? 3 : 1)];
        last = last == 'A' ? 'B' : 'A';
        EXPECT_NE(django::check(flipped, v.password), Outcome::match) << v.label;
        // A change of any parameter changes the result.
        for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
                 {"$1$", "$2$"},
                 {"$12345$", "$12346$"},
                 {"t=2,", "t=3,"},
                 {"p=2$", "p=1$"},
                 {"p=8$", "p=4$"},
                 {"m=1024,", "m=2048,"},
                 {"$argon2id$", "$argon2i$"},
                 {"$04$", "$05$"},
                 {"$8$1$", "$8$2$"},
                 {"pbkdf2_sha256$", "pbkdf2_sha1$"},
                 {"bcrypt_sha256$", "bcrypt$"},
             }) {
            const std::size_t at = v.encoded.find(from);
            if (at == std::string::npos) continue;
            std::string changed = v.encoded;
            changed.replace(at, from.size(), to);
            EXPECT_NE(django::check(changed, v.password), Outcome::match)
                << v.label << ": " << changed;
        }
    }
}

TEST(DjangoHashes, UnusableUnknownAndMalformedHashesAreNotChecked) {
    const std::string pbkdf2 = vector_named("pbkdf2_sha256 12345 iterations").encoded;
    const std::string argon2 = vector_named("argon2id t=2 m=256 p=1").encoded;
    const std::string bcrypt = vector_named("bcrypt cost 4").encoded;
    for (const std::string& encoded : {
             // Django's unusable passwords: "!" alone (old Django) and "!" + 40 characters.
             "!"s,
             "!Kz0vJ3qTe8bWn6mRy2xHc5LaPd9fUs1gNo4iQk7B"s,
             "!" + pbkdf2,
             // Unknown or unsupported algorithms.
             ""s,
             "$"s,
             "garbage"s,
             "md5$salt$0fd3b4e4e0c3f5f4e3e2d1c0b9a8f7e6"s,
             "sha1$salt$0fd3b4e4e0c3f5f4e3e2d1c0b9a8f7e6d5c4b3a2"s,
             "crypt$$ab1iBAtSDt7ki"s,
             "5f4dcc3b5aa765d61d8327deb882cf99"s,
             "pbkdf2_sha512$1000$salt$aGFzaA=="s,
             "PBKDF2_SHA256" + pbkdf2.substr(13),
             argon2.substr(6),  // libsodium's own "$argon2id$..." is not a Django hash
             bcrypt.substr(7),  // nor is a bare "$2b$..."
             // PBKDF2: numbers as Python's "%d" would never write them, empty parts.
             "pbkdf2_sha256$012345" + pbkdf2.substr(19),
             "pbkdf2_sha256$+12345" + pbkdf2.substr(19),
             "pbkdf2_sha256$ 12345" + pbkdf2.substr(19),
             "pbkdf2_sha256$0$saltySALT123" + pbkdf2.substr(32),
             "pbkdf2_sha256$$saltySALT123" + pbkdf2.substr(32),
             "pbkdf2_sha256$12345$" + pbkdf2.substr(33),
             "pbkdf2_sha256$12345$saltySALT123$"s,
             pbkdf2 + "$",
             pbkdf2.substr(0, pbkdf2.size() - 1),
             // Argon2: padding, leading zeros, missing or extra parts, unknown varieties.
             "argon2$argon2x" + argon2.substr(15),
             "argon2$argon2" + argon2.substr(15),
             "argon2$argon2id$v=19$m=0256,t=2,p=1" + argon2.substr(34),
             "argon2$argon2id$v=019$m=256,t=2,p=1" + argon2.substr(34),
             "argon2$argon2id$v=18$m=256,t=2,p=1" + argon2.substr(34),
             "argon2$argon2id$v=19$m=256,t=2" + argon2.substr(34),
             "argon2$argon2id$v=19$m=256,t=0,p=1" + argon2.substr(34),
             "argon2$argon2id$v=19$m=256,t=2,p=0" + argon2.substr(34),
             "argon2$argon2id$v=19$m=7,t=2,p=1" + argon2.substr(34),     // below 8 KiB per lane
             "argon2$argon2id$v=19$m=256,t=2,p=33" + argon2.substr(34),  // idem
             "argon2$argon2id$v=19$m=256,t=2,p=1$YXJnb24yc2FsdEFCQ0RFRg==$XFjkS3HOsJAf7yqUqBJYpg"s,
             "argon2$argon2id$v=19$m=256,t=2,p=1$YXJnb24yc2FsdEFCQ0RFRg$XFjkS3HOsJAf7yqUqBJYpg=="s,
             "argon2$argon2id$v=19$m=256,t=2,p=1$YXJnb24yc2FsdEFCQ0RFRg$XFjkS3HOsJAf7yqUqBJYph"s,
             "argon2$argon2id$v=19$m=256,t=2,p=1$c2hvcnQ$XFjkS3HOsJAf7yqUqBJYpg"s,  // salt < 8
             "argon2$argon2id$v=19$m=256,t=2,p=1$YXJnb24yc2FsdEFCQ0RFRg$"s,
             argon2 + "$",
             argon2 + "x",
             // bcrypt: variants and shapes pyca/bcrypt refuses.
             "bcrypt$$2x" + bcrypt.substr(10),
             "bcrypt$$2" + bcrypt.substr(10),
             "bcrypt$$2b$4" + bcrypt.substr(13),
             "bcrypt$$2b$03" + bcrypt.substr(13),
             "bcrypt$" + bcrypt.substr(8),
             bcrypt + "x",
             bcrypt.substr(0, bcrypt.size() - 1) + "!",
             // NUL bytes inside.
             pbkdf2 + "\0"s,
             "bcrypt$$2b$04$\0"s + bcrypt.substr(15),
         }) {
        EXPECT_FALSE(django::is_checkable(encoded)) << encoded;
        EXPECT_EQ(django::check(encoded, kPassword), Outcome::not_checked) << encoded;
    }
}

TEST(DjangoHashes, CostBeyondTheBoundsIsRefusedWithoutComputing) {
    const std::string digest32 = "yO3cd0YiN0uLNV/eYZvKu3oRxypJT0UlekDzeVXS7S4=";
    const std::string digest64 =
        "raiCgsamGpOChq0oTCZTIwClwR5WB+TUJr+4MZVgT4pFUEIESXwRmdnBTIKODUqlQzxAIIUwoLdwfbQpHdCtXA==";
    const std::string argon2_tail = "$YXJnb24yc2FsdEFCQ0RFRg$XFjkS3HOsJAf7yqUqBJYpg";
    const std::string bcrypt_tail = "$E1ftSYC8KmiKCvklxzOCqerqkXUClS8gVxco4rfqHA6uHmcMCwbfW";
    for (const std::string& encoded : {
             "pbkdf2_sha256$10000001$salt$" + digest32,
             "pbkdf2_sha256$4294967297$salt$" + digest32,
             "pbkdf2_sha256$99999999999999999999999$salt$" + digest32,
             "argon2$argon2id$v=19$m=1048577,t=1,p=1" + argon2_tail,  // > 1 GiB
             "argon2$argon2id$v=19$m=4294967295,t=1,p=1" + argon2_tail,
             "argon2$argon2id$v=19$m=4294967296,t=1,p=1" + argon2_tail,  // not even 32 bits
             "argon2$argon2id$v=19$m=1048576,t=5,p=1" + argon2_tail,     // 5 GiB passes > 4
             "argon2$argon2id$v=19$m=65536,t=65537,p=1" + argon2_tail,
             "bcrypt$$2b$17" + bcrypt_tail,
             "bcrypt_sha256$$2b$31" + bcrypt_tail,
             "bcrypt$$2b$99" + bcrypt_tail,
             "scrypt$16777216$salt$1$1$" + digest64,  // N·r·p = 2^24
             "scrypt$1048576$salt$8$1$" + digest64,   // 2^23 but 1 GiB and more of memory
             "scrypt$16384$salt$8$65$" + digest64,
             "scrypt$16383$salt$8$1$" + digest64,  // N not a power of two
             "scrypt$1$salt$8$1$" + digest64,
             "scrypt$16384$salt$0$1$" + digest64,
             "scrypt$16384$$8$1$" + digest64,
             "scrypt$16384$salt$8$1$" + digest32,
             "x" + std::string(django::kMaxEncodedLength, 'x'),
             "pbkdf2_sha256$1$" + std::string(django::kMaxEncodedLength, 's') + "$" + digest32,
         }) {
        EXPECT_FALSE(django::is_checkable(encoded)) << encoded;
        EXPECT_EQ(django::check(encoded, kPassword), Outcome::not_checked) << encoded;
    }
    // Just within: checked (and, with a digest made up, no match).
    EXPECT_EQ(django::check("argon2$argon2id$v=19$m=8,t=1,p=1" + argon2_tail, kPassword),
              Outcome::mismatch);
    EXPECT_TRUE(django::is_checkable("argon2$argon2id$v=19$m=1048576,t=4,p=1" + argon2_tail));
    EXPECT_TRUE(django::is_checkable("pbkdf2_sha256$10000000$salt$" + digest32));
    EXPECT_TRUE(django::is_checkable("bcrypt$$2b$16" + bcrypt_tail));
    EXPECT_TRUE(django::is_checkable("scrypt$524288$salt$8$2$" + digest64));
}

// ---------------------------------------------------------------------------------------------
// Through authd's hasher: the one verifier every password check uses.

constexpr Argon2Params kFastParams{.memory_kib = 8, .iterations = 1};

TEST(DjangoHashesThroughTheHasher, VerifiedAndAlwaysRehashed) {
    Argon2idHasher hasher(kFastParams);
    for (const Vector& v : vectors()) {
        EXPECT_TRUE(hasher.can_verify(v.encoded)) << v.label;
        EXPECT_TRUE(hasher.verify(v.encoded, v.password, {})) << v.label;
        if (!v.costly) {
            EXPECT_FALSE(hasher.verify(v.encoded, "x" + v.password, {})) << v.label;
        }
        // Whatever its parameters, a Django hash is replaced by authd's own at the next login.
        EXPECT_TRUE(hasher.needs_rehash(v.encoded)) << v.label;
    }
    const std::string own = hasher.hash(kPassword, {});
    EXPECT_TRUE(hasher.can_verify(own));
    EXPECT_FALSE(hasher.needs_rehash(own));
}

TEST(DjangoHashesThroughTheHasher, WhatCannotMatchIsSaidBeforehandAndCostsNothing) {
    Argon2idHasher hasher(kFastParams);
    for (const std::string& encoded :
         {"!"s, "!Kz0vJ3qTe8bWn6mRy2xHc5LaPd9fUs1gNo4iQk7B"s, ""s, "md5$salt$hash"s,
          "pbkdf2_sha256$10000001$salt$yO3cd0YiN0uLNV/eYZvKu3oRxypJT0UlekDzeVXS7S4="s}) {
        EXPECT_FALSE(hasher.can_verify(encoded)) << encoded;
        EXPECT_FALSE(hasher.verify(encoded, kPassword, {})) << encoded;
    }
    EXPECT_EQ(hasher.computations(), 0u);
    // A Django check is a computation, right or wrong.
    const std::string pbkdf2 = vector_named("pbkdf2_sha1 1000 iterations").encoded;
    EXPECT_TRUE(hasher.verify(pbkdf2, kPassword, {}));
    EXPECT_FALSE(hasher.verify(pbkdf2, "wrong", {}));
    EXPECT_EQ(hasher.computations(), 2u);
}

TEST(DjangoHashesThroughTheHasher, ChecksRunOnThePool) {
    auto inner = std::make_shared<Argon2idHasher>(kFastParams);
    PooledHasher pool(inner, 2, 4);
    const Vector& argon2 = vector_named("argon2id t=1 m=4096 p=4");
    EXPECT_TRUE(pool.can_verify(argon2.encoded));
    EXPECT_TRUE(pool.verify(argon2.encoded, argon2.password, {}));
    EXPECT_FALSE(pool.verify(argon2.encoded, "wrong", {}));
    EXPECT_FALSE(pool.can_verify("!"));
    EXPECT_TRUE(pool.needs_rehash(argon2.encoded));
    EXPECT_EQ(pool.completed(), 2u);
    EXPECT_EQ(inner->computations(), 2u);
}

}  // namespace
}  // namespace authd::crypto
