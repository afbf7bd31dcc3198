# Compile each public header alone, as C99, C11 and C++11 (then C++17), with
# warnings as errors. Run by CTest as test_headers.
file(GLOB_RECURSE headers RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/*.h)
file(GLOB_RECURSE generated RELATIVE ${BINARY_DIR}/include ${BINARY_DIR}/include/*.h)
list(APPEND headers ${generated})
list(REMOVE_DUPLICATES headers)
file(MAKE_DIRECTORY ${WORK_DIR})
set(includes -I${SOURCE_DIR}/include -I${BINARY_DIR}/include -I${NUMA_INCLUDE_DIR})
foreach(dir IN LISTS CUDA_INCLUDE_DIRS HWLOC_INCLUDE_DIRS)
	list(APPEND includes -I${dir})
endforeach()
set(failed 0)
foreach(h IN LISTS headers)
	string(MAKE_C_IDENTIFIER ${h} id)
	file(WRITE ${WORK_DIR}/${id}.c "#include <${h}>\nint main(void) { return 0; }\n")
	file(WRITE ${WORK_DIR}/${id}.cpp "#include <${h}>\nint main() { return 0; }\n")
	foreach(cmd IN ITEMS
			"cc;-std=c99;-pedantic;${WORK_DIR}/${id}.c"
			"cc;-std=c11;-pedantic;${WORK_DIR}/${id}.c"
			"c++;-std=c++11;${WORK_DIR}/${id}.cpp"
			"c++;-std=c++17;${WORK_DIR}/${id}.cpp")
		execute_process(COMMAND ${cmd} -Wall -Wextra -Werror -fsyntax-only ${includes}
			RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
		if(NOT rc EQUAL 0)
			message(SEND_ERROR "${h}: ${cmd}\n${err}${out}")
			set(failed 1)
		endif()
	endforeach()
endforeach()
list(LENGTH headers n)
if(n EQUAL 0)
	message(FATAL_ERROR "no public header found")
endif()
if(failed)
	message(FATAL_ERROR "some headers do not compile on their own")
endif()
message(STATUS "${n} headers compile alone in C99, C11, C++11 and C++17")
