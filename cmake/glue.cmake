# glue.cmake: the glue generated from the protos' options (proto/options.proto)
# by tools/glue/glue.py, read from the descriptors protoc compiles (never from
# .proto text). Outputs, in ${CMAKE_BINARY_DIR}/glue, never committed:
#   crm_glue (library): crm_suite.c, the suite registry handed to lib at start,
#     and <proto>.glue.c, each domain service's handler table and serve check;
#   CRM_GLUE_ROUTES: gateway_routes_table.c, the gateway's route table;
#   CRM_GLUE_OPENAPI: openapi.json (services/gateway/openapi.json must equal it:
#     the test openapi_current).
find_program(CRM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(CRM_PYTHON3 python3 REQUIRED)
execute_process(COMMAND ${CRM_PYTHON3} -c "import google.protobuf" RESULT_VARIABLE rc
                OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CRM_PYTHON3} cannot import google.protobuf: install python3-protobuf")
endif()

set(CRM_GLUE_OUT ${CMAKE_BINARY_DIR}/glue)
file(MAKE_DIRECTORY ${CRM_GLUE_OUT})
set(CRM_GLUE_ROUTES ${CRM_GLUE_OUT}/gateway_routes_table.c)
set(CRM_GLUE_OPENAPI ${CRM_GLUE_OUT}/openapi.json)
set(glue_srcs ${CRM_GLUE_OUT}/crm_suite.c)
set(glue_outs ${CRM_GLUE_OUT}/crm_suite.c ${CRM_GLUE_OUT}/crm_suite.h ${CRM_GLUE_ROUTES}
              ${CRM_GLUE_OPENAPI})
set(names)
foreach(p ${CRM_PROTOS})
  get_filename_component(n ${p} NAME_WE)
  list(APPEND names ${n})
  list(APPEND glue_srcs ${CRM_GLUE_OUT}/${n}.glue.c)
  list(APPEND glue_outs ${CRM_GLUE_OUT}/${n}.glue.c ${CRM_GLUE_OUT}/${n}.glue.h)
endforeach()

add_custom_command(
  OUTPUT ${CRM_GLUE_OUT}/suite.pb
  COMMAND ${PROTOC} --include_imports --include_source_info
          --descriptor_set_out=${CRM_GLUE_OUT}/suite.pb -I${CMAKE_SOURCE_DIR}/proto
          -I${CRM_PROTOBUF_INCLUDE} ${CRM_PROTOS}
  DEPENDS ${CRM_PROTOS}
  COMMENT "protoc: the suite's descriptors")
add_custom_command(
  OUTPUT ${glue_outs}
  COMMAND ${CRM_PYTHON3} ${CMAKE_SOURCE_DIR}/tools/glue/glue.py ${CRM_GLUE_OUT}/suite.pb
          ${CRM_GLUE_OUT} ${names}
  DEPENDS ${CRM_GLUE_OUT}/suite.pb ${CMAKE_SOURCE_DIR}/tools/glue/glue.py
  COMMENT "glue.py: registry, handler tables, routes, openapi.json")
add_custom_target(crm_glue_files DEPENDS ${glue_outs})

add_library(crm_glue STATIC ${glue_srcs})
target_include_directories(crm_glue PUBLIC ${CRM_GLUE_OUT})
target_link_libraries(crm_glue PUBLIC crm)

# `cmake --build <dir> --target openapi` writes the generated document over
# the committed one.
add_custom_target(openapi COMMAND ${CMAKE_COMMAND} -E copy ${CRM_GLUE_OPENAPI}
                                  ${CMAKE_SOURCE_DIR}/services/gateway/openapi.json
                  DEPENDS ${CRM_GLUE_OPENAPI})
