# Writes OUT, a C++ file defining `const std::string_view NAMESPACE::SYMBOL` with the text of
# IN (a file of resources/), so that a deployment is one binary.
file(READ ${IN} text)
string(FIND "${text}" ")authd_text\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )authd_text\"")
endif()
file(RELATIVE_PATH source ${ROOT} ${IN})
set(content "// Generated from ${source} by cmake/embed_text.cmake.\n")
string(APPEND content "#include <string_view>\n\nnamespace ${NAMESPACE} {\n")
string(APPEND content "extern const std::string_view ${SYMBOL};\n")
string(APPEND content "const std::string_view ${SYMBOL} = R\"authd_text(${text})authd_text\";\n")
string(APPEND content "}  // namespace ${NAMESPACE}\n")
file(WRITE ${OUT} "${content}")
