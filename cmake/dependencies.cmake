# Dependencies: libnuma and tbbmalloc (required), hwloc and the CUDA runtime (optional).
# Each sets AML_HAVE_BACKEND_* (0/1) and, for the optional ones, the
# link items used by src/ (build tree) and by the installed package.
find_package(PkgConfig QUIET)

# libnuma
if(PKG_CONFIG_FOUND)
	pkg_check_modules(PC_NUMA QUIET numa)
endif()
find_path(NUMA_INCLUDE_DIR numa.h HINTS ${PC_NUMA_INCLUDE_DIRS})
find_library(NUMA_LIBRARY numa HINTS ${PC_NUMA_LIBRARY_DIRS})
if(NOT NUMA_INCLUDE_DIR OR NOT NUMA_LIBRARY)
	message(FATAL_ERROR "libnuma not found: AML needs its headers and library. "
		"On Debian or Ubuntu: apt-get install libnuma-dev")
endif()
set(AML_HAVE_BACKEND_LIBNUMA 1)

# oneTBB's scalable allocator: the heap allocator loads libtbbmalloc.so.2
# at run time; required, so that a build without it is not silently
# without heaps (and the heap benchmark links it).
find_library(TBBMALLOC_LIBRARY NAMES tbbmalloc libtbbmalloc.so.2)
if(NOT TBBMALLOC_LIBRARY)
	message(FATAL_ERROR "tbbmalloc not found: AML's heap allocator needs it. "
		"On Debian or Ubuntu: apt-get install libtbb-dev")
endif()

# hwloc >= 2.3 (memory attributes)
set(AML_HAVE_BACKEND_HWLOC 0)
if(NOT AML_USE_HWLOC STREQUAL "OFF")
	if(PKG_CONFIG_FOUND)
		pkg_check_modules(HWLOC QUIET hwloc>=2.3)
	endif()
	if(HWLOC_FOUND)
		find_library(HWLOC_LIBRARY hwloc HINTS ${HWLOC_LIBRARY_DIRS})
		set(AML_HAVE_BACKEND_HWLOC 1)
	elseif(AML_USE_HWLOC STREQUAL "ON")
		message(FATAL_ERROR "AML_USE_HWLOC=ON but hwloc >= 2.3 was not found "
			"(Debian: apt-get install libhwloc-dev)")
	endif()
endif()

# CUDA runtime: only the toolkit's headers and cudart are needed.
set(AML_HAVE_BACKEND_CUDA 0)
if(NOT AML_USE_CUDA STREQUAL "OFF")
	if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
		set(CUDAToolkit_ROOT /usr/local/cuda)
	endif()
	find_package(CUDAToolkit QUIET)
	if(CUDAToolkit_FOUND AND TARGET CUDA::cudart)
		set(AML_HAVE_BACKEND_CUDA 1)
		# The toolkit's root, for the installed package to find it again.
		if(CUDAToolkit_ROOT)
			set(AML_CUDA_ROOT "${CUDAToolkit_ROOT}")
		elseif(CUDAToolkit_BIN_DIR)
			get_filename_component(AML_CUDA_ROOT
				"${CUDAToolkit_BIN_DIR}" DIRECTORY)
		else()
			get_filename_component(AML_CUDA_ROOT
				"${CUDAToolkit_LIBRARY_DIR}" DIRECTORY)
		endif()
	elseif(AML_USE_CUDA STREQUAL "ON")
		message(FATAL_ERROR "AML_USE_CUDA=ON but the CUDA toolkit was not found "
			"(set CUDAToolkit_ROOT)")
	endif()
endif()
