# Helpers shared by the services' build files.

# crm_embed_sql(TARGET COMPONENT DIR): compiles every DIR/*.sql into TARGET as
# a migration list named crm_migrations_<COMPONENT>, sorted by file name. The
# file name is the version: "001_init.sql".
function(crm_embed_sql target component dir)
  file(GLOB files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${component}_migrations.c)
  set(body "/* Generated from ${dir}/*.sql by crm_embed_sql; do not edit. */\n#include \"crm/migrate.h\"\n")
  set(entries "")
  set(i 0)
  foreach(f ${files})
    get_filename_component(name ${f} NAME_WE)
    file(READ ${f} hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
    string(APPEND body "static const char s_sql_${i}[] = {${hex}0x00};\n")
    string(APPEND entries "    {\"${name}\", s_sql_${i}},\n")
    math(EXPR i "${i}+1")
  endforeach()
  string(APPEND body "const crm_migration_t crm_migrations_${component}[] = {\n${entries}    {0, 0}\n};\n")
  file(CONFIGURE OUTPUT ${out} CONTENT "${body}")
  target_sources(${target} PRIVATE ${out})
endfunction()

# crm_service(NAME SOURCES...): a service executable crm-NAME linked with the
# common library, with its sql/ migrations embedded.
function(crm_service name)
  add_executable(crm-${name} ${ARGN})
  target_link_libraries(crm-${name} PRIVATE crm)
  crm_embed_sql(crm-${name} ${name} ${CMAKE_CURRENT_SOURCE_DIR}/sql)
endfunction()
