# expect_exit2.cmake - a malformed scenario must be refused the way a user
# needs it: exit status 2 (not a crash, not 0 or 1) and a "FILE:LINE: "
# message on stderr.  A line "# stderr: TEXT" in the scenario also requires
# ".uvs:TEXT" on stderr, e.g. "# stderr: 3: unknown call 'mlok'", so each
# file pins down its own message and line.
#
#   cmake -DUNEVICT=path/to/unevict -DFILE=tests/bad/x.uvs -P expect_exit2.cmake
if(NOT DEFINED UNEVICT OR NOT DEFINED FILE)
  message(FATAL_ERROR "usage: cmake -DUNEVICT=unevict -DFILE=scenario.uvs -P expect_exit2.cmake")
endif()

execute_process(COMMAND ${UNEVICT} run ${FILE}
                RESULT_VARIABLE status
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err)

if(NOT status STREQUAL "2")
  message(FATAL_ERROR "${FILE}: expected exit status 2, got '${status}'\n"
                      "--- stdout\n${out}--- stderr\n${err}")
endif()
if(NOT err MATCHES "\\.uvs:[0-9]+: ")
  message(FATAL_ERROR "${FILE}: stderr has no 'FILE:LINE: ' message\n--- stderr\n${err}")
endif()

file(STRINGS ${FILE} wanted REGEX "^# stderr: ")
foreach(line ${wanted})
  string(REGEX REPLACE "^# stderr: " ".uvs:" text "${line}")
  string(FIND "${err}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${FILE}: stderr lacks '${text}'\n--- stderr\n${err}")
  endif()
endforeach()
message(STATUS "${FILE}: exit 2, ${err}")
