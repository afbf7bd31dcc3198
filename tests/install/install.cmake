# Run by test_install (see CMakeLists.txt) with -D BINARY_DIR, WORK_DIR,
# CONSUMER_DIR, LIBDIR, C_COMPILER, PKG_CONFIG, GENERATOR, EXTRA_FLAGS,
# VERSION, README, Fortran_COMPILER (empty without the Fortran module).
cmake_minimum_required(VERSION 3.18)

# Run a command; stop the test with its output if it fails.
function(run what)
	execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
		OUTPUT_VARIABLE out ERROR_VARIABLE out)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}")
	endif()
	message(STATUS "${what}: ok")
	set(run_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

run("install" ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
foreach(f IN ITEMS include/aml.h include/aml/area/linux.h
		include/aml/utils/features.h include/aml/utils/version.h
		${LIBDIR}/libaml.so ${LIBDIR}/libaml.a ${LIBDIR}/pkgconfig/aml.pc
		${LIBDIR}/cmake/aml/amlConfig.cmake
		${LIBDIR}/cmake/aml/amlConfigVersion.cmake)
	if(NOT EXISTS ${prefix}/${f})
		message(FATAL_ERROR "not installed: ${f}")
	endif()
endforeach()

separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")

# pkg-config: the .pc file, relocated to the temporary prefix.
if(NOT PKG_CONFIG)
	message(FATAL_ERROR "pkg-config not found")
endif()
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
set(pc ${PKG_CONFIG} --define-variable=prefix=${prefix})
run("pkg-config --modversion" ${pc} --modversion aml)
string(STRIP "${run_output}" pc_version)
if(NOT pc_version STREQUAL VERSION)
	message(FATAL_ERROR "pkg-config version ${pc_version}, expected ${VERSION}")
endif()
run("pkg-config --cflags --libs" ${pc} --cflags --libs aml)
separate_arguments(pc_flags UNIX_COMMAND "${run_output}")
if(NOT "-I${prefix}/include" IN_LIST pc_flags OR
   NOT "-L${prefix}/${LIBDIR}" IN_LIST pc_flags)
	message(FATAL_ERROR "pkg-config flags do not point into ${prefix}: ${pc_flags}")
endif()
run("build with pkg-config" ${C_COMPILER} ${extra}
	${CONSUMER_DIR}/consumer.c -o ${WORK_DIR}/consumer_pc ${pc_flags}
	-Wl,-rpath,${prefix}/${LIBDIR})
run("run the pkg-config build" ${WORK_DIR}/consumer_pc)

# The README's first program, as a new user copies it, built with the
# flags of the .pc file as installed (its prefix found from its own place).
run("pkg-config, relocated" ${PKG_CONFIG} --cflags --libs aml)
separate_arguments(pc_flags UNIX_COMMAND "${run_output}")
file(READ ${README} readme)
if(NOT readme MATCHES "```c\n([^`]*)```")
	message(FATAL_ERROR "no C program in ${README}")
endif()
file(WRITE ${WORK_DIR}/readme.c "${CMAKE_MATCH_1}")
run("build the README's program" ${C_COMPILER} ${extra} -Wall -Wextra
	-Werror ${WORK_DIR}/readme.c -o ${WORK_DIR}/readme ${pc_flags}
	-Wl,-rpath,${prefix}/${LIBDIR})
run("run the README's program" ${WORK_DIR}/readme)
# Fully static, with what pkg-config --static names (the sanitizers do
# not link statically).
if(NOT EXTRA_FLAGS)
	run("pkg-config --static --cflags --libs" ${PKG_CONFIG} --static
		--cflags --libs aml)
	separate_arguments(pc_static UNIX_COMMAND "${run_output}")
	run("build the README's program with cc -static" ${C_COMPILER} -static
		${WORK_DIR}/readme.c -o ${WORK_DIR}/readme_static ${pc_static})
	run("run the cc -static build" ${WORK_DIR}/readme_static)
endif()

# CMake: find_package(aml) from the temporary prefix.
run("configure with find_package" ${CMAKE_COMMAND} -G ${GENERATOR}
	-S ${CONSUMER_DIR} -B ${WORK_DIR}/cmake
	-DCMAKE_PREFIX_PATH=${prefix}
	-DCMAKE_C_COMPILER=${C_COMPILER}
	-DCMAKE_C_FLAGS=${EXTRA_FLAGS}
	-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}
	-DAML_EXPECTED_DIR=${prefix}/${LIBDIR}/cmake/aml)
run("build with find_package" ${CMAKE_COMMAND} --build ${WORK_DIR}/cmake)
foreach(kind IN ITEMS shared static)
	run("run the aml::aml ${kind} build" ${WORK_DIR}/cmake/consumer_${kind})
endforeach()

# The static build does not need libaml.so; the shared one loads the
# installed library.
find_program(READELF readelf)
if(READELF)
	run("readelf static" ${READELF} -d ${WORK_DIR}/cmake/consumer_static)
	if(run_output MATCHES "libaml\\.so")
		message(FATAL_ERROR "consumer_static needs libaml.so:\n${run_output}")
	endif()
	run("readelf shared" ${READELF} -d ${WORK_DIR}/cmake/consumer_shared)
	if(NOT run_output MATCHES "libaml\\.so")
		message(FATAL_ERROR "consumer_shared does not link libaml.so")
	endif()
endif()
if(Fortran_COMPILER)
	include(${CMAKE_CURRENT_LIST_DIR}/install-fortran.cmake)
endif()
file(REMOVE_RECURSE ${WORK_DIR})
