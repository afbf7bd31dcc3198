# aml_add_unprivileged_test(NAME LABELS COMMAND...): run COMMAND as user
# nobody without capabilities (tests/unprivileged.sh) as test NAME, with
# LABELS and the label unprivileged. Needs ctest to run as root (CI does);
# otherwise the plain test already covers it and NAME is skipped.
function(aml_add_unprivileged_test name labels)
	add_test(NAME ${name} COMMAND sh
		${PROJECT_SOURCE_DIR}/tests/unprivileged.sh ${ARGN})
	set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77
		LABELS "${labels};unprivileged" TIMEOUT 300)
endfunction()
