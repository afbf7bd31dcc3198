! A user's Fortran program: the installed module and library, nothing else.
program consumer
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use aml
  implicit none
  type(aml_area) :: area
  type(aml_allocator) :: heap
  type(aml_dma) :: dma
  type(aml_linux_placement) :: where
  real(real64), pointer :: a(:, :), b(:, :)
  integer(int64), pointer :: small(:)

  call aml_init()
  call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_INTERLEAVE, nodes='all')
  call aml_area_mmap(area, a, [512, 64])
  call aml_area_mmap(area, b, [512, 64])
  a = 1.0_real64
  if (.not. aml_area_linux_check_binding(area, a)) error stop 'not interleaved'
  call aml_dma_linux_create(dma, 1)
  call aml_dma_copy(dma, b, a)
  if (any(b /= a)) error stop 'copy'
  call aml_linux_inspect(b, where)
  if (sum(where%node_pages) /= 64) error stop 'pages'
  call aml_allocator_heap_create(heap, area)
  call aml_alloc(heap, small, [100])
  small = 3
  call aml_free(heap, small)
  call aml_allocator_heap_destroy(heap)
  call aml_dma_linux_destroy(dma)
  call aml_area_munmap(area, a)
  call aml_area_munmap(area, b)
  call aml_area_destroy(area)
  call aml_finalize()
  write(*, '(a)') 'fortran consumer: ' // summary()

contains

  function summary() result(s)
    character(len=:), allocatable :: s

    s = 'policy ' // where%policy_name // ' over nodes ' // where%policy_nodes
  end function summary

end program consumer
