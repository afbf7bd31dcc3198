# aml_add_valgrind_test(NAME TARGET): also run TARGET under valgrind's
# memcheck as test NAME (label valgrind), failing on any memory error and
# on any definite or indirect leak. Only in unsanitized builds, when
# valgrind is installed (Debian package `valgrind`).
find_program(AML_VALGRIND valgrind)
function(aml_add_valgrind_test name target)
	if(NOT AML_VALGRIND OR AML_SANITIZE OR AML_BUILD_FUZZ)
		return()
	endif()
	add_test(NAME ${name} COMMAND ${AML_VALGRIND} --quiet
		--error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite,indirect
		--show-leak-kinds=definite,indirect $<TARGET_FILE:${target}>)
	set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77
		LABELS valgrind TIMEOUT 300)
endfunction()
