# Run Doxygen and fail on any warning (test_doc).
file(REMOVE ${LOG})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc
	WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "doxygen failed (${rc})")
endif()
file(READ ${LOG} warnings)
if(NOT warnings STREQUAL "")
	message(FATAL_ERROR "doxygen warnings:\n${warnings}")
endif()
message(STATUS "documentation built without warnings")
