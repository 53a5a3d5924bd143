# embed.cmake: writes the bytes of IN as a C array (gw_openapi_json, NUL
# terminated, and its length) into OUT. Run with cmake -P at build time.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake; do not edit. */\n#include <stddef.h>\n"
     "const char gw_openapi_json[] = {${hex}0x00};\nconst size_t gw_openapi_json_len = ${n};\n")
