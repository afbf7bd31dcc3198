# The Fortran module (fortran/): built when a Fortran compiler is found
# and understands what the module needs (Fortran 2018's assumed-type and
# assumed-rank dummies, ISO_C_BINDING), unless AML_BUILD_FORTRAN says
# otherwise. Sets AML_HAVE_FORTRAN (0/1). Called from the top level:
# enable_language() must be, for the tests and examples to use Fortran.
set(AML_HAVE_FORTRAN 0)
if(AML_BUILD_FORTRAN STREQUAL "OFF")
	return()
endif()

# Say why the module is not built: an error when it was asked for.
macro(aml_fortran_unavailable why)
	if(AML_BUILD_FORTRAN STREQUAL "ON")
		message(FATAL_ERROR "AML_BUILD_FORTRAN=ON but ${why}")
	endif()
	message(STATUS "AML: Fortran module not built: ${why}")
	return()
endmacro()

# The fuzzing flags (-fsanitize=fuzzer-no-link) are clang's, and the
# fuzz targets are C.
if(AML_BUILD_FUZZ)
	aml_fortran_unavailable("AML_BUILD_FUZZ builds no Fortran")
endif()
include(CheckLanguage)
check_language(Fortran)
if(NOT CMAKE_Fortran_COMPILER)
	aml_fortran_unavailable("no Fortran compiler (Debian: apt-get install gfortran)")
endif()
enable_language(Fortran)

include(CheckFortranSourceCompiles)
check_fortran_source_compiles([=[
module aml_probe
use iso_c_binding
implicit none
contains
function address(x) result(p)
type(*), dimension(..), target, intent(in) :: x
type(c_ptr) :: p
p = c_loc(x)
end function
subroutine bytes(x, n)
class(*), dimension(..), target, intent(in) :: x
integer, intent(out) :: n
n = int(size(x)) * storage_size(x) / 8
if (.not. c_associated(address(x)) .or. .not. is_contiguous(x)) n = -1
end subroutine
end module
program probe
end program
]=] AML_FORTRAN_2018 SRC_EXT f90)
if(NOT AML_FORTRAN_2018)
	aml_fortran_unavailable("${CMAKE_Fortran_COMPILER} lacks Fortran 2018's assumed-type and assumed-rank arguments")
endif()
set(AML_HAVE_FORTRAN 1)
message(STATUS "AML: Fortran module built with ${CMAKE_Fortran_COMPILER_ID} ${CMAKE_Fortran_COMPILER_VERSION}")
