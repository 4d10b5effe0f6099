# Writes OUT, a C++ file holding the common-password list IN (one password a line).
file(READ ${IN} text)
set(content "// Generated from resources/common-passwords.txt by cmake/embed_passwords.cmake.\n")
string(APPEND content "#include <string_view>\n\nnamespace authd::auth {\n")
string(APPEND content "extern const std::string_view kCommonPasswordsText;\n")
string(APPEND content "const std::string_view kCommonPasswordsText = R\"authd_pw(${text})authd_pw\";\n")
string(APPEND content "}  // namespace authd::auth\n")
file(WRITE ${OUT} "${content}")
