# Part of test_install (install.cmake includes it, with its `run` and
# variables, once the package is installed in ${prefix}): the Fortran
# module as a user gets it.
foreach(f IN ITEMS include/aml/fortran/aml.mod ${LIBDIR}/libaml_fortran.so
		${LIBDIR}/libaml_fortran.a ${LIBDIR}/pkgconfig/aml-fortran.pc)
	if(NOT EXISTS ${prefix}/${f})
		message(FATAL_ERROR "not installed: ${f}")
	endif()
endforeach()
set(fconsumer ${CONSUMER_DIR}/../consumer-fortran)

# pkg-config aml-fortran, from the .pc file's own place.
run("pkg-config aml-fortran" ${pc} --cflags --libs aml-fortran)
separate_arguments(pc_flags UNIX_COMMAND "${run_output}")
if(NOT "-I${prefix}/include/aml/fortran" IN_LIST pc_flags OR
   NOT "-laml_fortran" IN_LIST pc_flags OR NOT "-laml" IN_LIST pc_flags)
	message(FATAL_ERROR "pkg-config aml-fortran flags: ${pc_flags}")
endif()
file(MAKE_DIRECTORY ${WORK_DIR}/fortran_pc)
run("build the Fortran program with pkg-config" ${CMAKE_COMMAND} -E chdir
	${WORK_DIR}/fortran_pc ${Fortran_COMPILER} ${extra}
	${fconsumer}/consumer.f90 -o ${WORK_DIR}/fortran_pc/consumer ${pc_flags}
	-Wl,-rpath,${prefix}/${LIBDIR})
run("run the Fortran pkg-config build" ${WORK_DIR}/fortran_pc/consumer)

# The README's Fortran program, as a new user copies it.
if(NOT readme MATCHES "```fortran\n([^`]*)```")
	message(FATAL_ERROR "no Fortran program in ${README}")
endif()
file(WRITE ${WORK_DIR}/fortran_pc/readme.f90 "${CMAKE_MATCH_1}")
run("build the README's Fortran program" ${CMAKE_COMMAND} -E chdir
	${WORK_DIR}/fortran_pc ${Fortran_COMPILER} ${extra} -Wall -Wextra -Werror
	readme.f90 -o readme ${pc_flags} -Wl,-rpath,${prefix}/${LIBDIR})
run("run the README's Fortran program" ${WORK_DIR}/fortran_pc/readme)

# find_package(aml COMPONENTS fortran) in a Fortran-only project.
run("configure the Fortran project" ${CMAKE_COMMAND} -G ${GENERATOR}
	-S ${fconsumer} -B ${WORK_DIR}/fortran_cmake
	-DCMAKE_PREFIX_PATH=${prefix}
	-DCMAKE_Fortran_COMPILER=${Fortran_COMPILER}
	-DCMAKE_Fortran_FLAGS=${EXTRA_FLAGS}
	-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}
	-DAML_EXPECTED_DIR=${prefix}/${LIBDIR}/cmake/aml)
run("build the Fortran project" ${CMAKE_COMMAND} --build ${WORK_DIR}/fortran_cmake)
foreach(kind IN ITEMS shared static)
	run("run the aml::aml_fortran ${kind} build"
		${WORK_DIR}/fortran_cmake/consumer_fortran_${kind})
endforeach()
if(READELF)
	run("readelf Fortran static" ${READELF} -d
		${WORK_DIR}/fortran_cmake/consumer_fortran_static)
	if(run_output MATCHES "libaml(_fortran)?\\.so")
		message(FATAL_ERROR "consumer_fortran_static needs a shared libaml:\n${run_output}")
	endif()
	run("readelf Fortran shared" ${READELF} -d
		${WORK_DIR}/fortran_cmake/consumer_fortran_shared)
	if(NOT run_output MATCHES "libaml_fortran\\.so")
		message(FATAL_ERROR "consumer_fortran_shared does not link libaml_fortran.so")
	endif()
endif()
