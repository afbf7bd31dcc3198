! Threads at once on one area, one heap and one engine: each maps,
! writes, checks, copies, allocates and releases arrays in a loop, and
! checks an array they all share. Afterwards the ledger is empty: the area
! and the heap are destroyed without AML_EBUSY.
module threads_work
  use, intrinsic :: iso_c_binding, only: c_int
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use aml
  use aml_test
  implicit none
  type(aml_area) :: area
  type(aml_allocator) :: heap
  type(aml_dma) :: dma
  real(real64), pointer :: shared(:, :)
  integer, parameter :: rounds = 100

contains

  subroutine work(id) bind(C)
    integer(c_int), intent(in) :: id
    real(real64), pointer :: x(:, :), y(:, :)
    integer(int64), pointer :: obj(:)
    integer :: round

    do round = 1, rounds
      call aml_area_mmap(area, x, [512, 2 + id])
      call aml_area_mmap(area, y, [512, 2 + id])
      x = real(id * round, real64)
      call aml_dma_copy(dma, y, x)
      call check(all(y == x), 'copied in a thread')
      call check(aml_area_linux_check_binding(area, x), 'checked in a thread')
      call check(aml_area_linux_check_binding(area, shared), 'shared array')
      call aml_alloc(heap, obj, [id * 10])
      obj = id
      call check(all(obj == id), 'heap object in a thread')
      call aml_free(heap, obj)
      call aml_area_munmap(area, y)
      call aml_area_munmap(area, x)
    end do
  end subroutine work

end module threads_work

program threads
  use threads_work
  implicit none

  call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_INTERLEAVE)
  call aml_allocator_heap_create(heap, area)
  call aml_dma_linux_create(dma, 2)
  call aml_area_mmap(area, shared, [512, 16])
  shared = 1
  call in_threads(4, work)
  call aml_area_munmap(area, shared)
  call aml_allocator_heap_destroy(heap)
  call aml_dma_linux_destroy(dma)
  call aml_area_destroy(area)
  write(*, '(a, i0, a)') '4 threads, ', rounds, ' rounds each: ok'
end program threads
